"""``hallq-devices``: probe real devices, run simulators, list what is connected.

The probe tool is what an installer runs on a new kiosk.  It is the one place that prints
a card's fields in full (to stdout, on the machine it runs on); nothing is logged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import hallqlog

from .errors import (
    CardReadError,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    EndOfStream,
    FrameError,
    PayloadRejected,
    PrinterNotReady,
)

if TYPE_CHECKING:
    from .window import CallerKeypad

EXIT_NO_CARD = 2
EXIT_NO_DEVICE = 3
EXIT_BAD_DATA = 4
EXIT_NOT_READY = 5


def _fail(code: int, reason: str) -> int:
    # One line whatever the library put in its message (escpos puts a newline in its own).
    print(f"hallq-devices: {' '.join(reason.split())}", file=sys.stderr)
    return code


def _device_exit(exc: DeviceError) -> int:
    if isinstance(exc, DeviceUnavailable | DeviceTimeout):
        return _fail(EXIT_NO_DEVICE, f"no reader: {exc}")
    if isinstance(exc, FrameError | CardReadError):
        return _fail(EXIT_BAD_DATA, f"bad frames: {exc}")
    return _fail(EXIT_BAD_DATA, str(exc))


# --- probes --------------------------------------------------------------------------------


def probe_idcard(args: argparse.Namespace) -> int:
    from .urls import open_id_reader

    try:
        with open_id_reader(args.port, baudrate=args.baudrate) as reader:
            card = reader.read_card(timeout=args.timeout)
    except DeviceError as exc:
        return _device_exit(exc)
    if card is None:
        return _fail(EXIT_NO_CARD, f"no card on the reader within {args.timeout:g} s")
    print(json.dumps(card.probe_fields(), ensure_ascii=False))
    return 0


def probe_scanner(args: argparse.Namespace) -> int:
    from .urls import open_scanner

    try:
        scanner = open_scanner(args.source)
    except DeviceError as exc:
        return _fail(EXIT_NO_DEVICE, str(exc))
    seen = 0
    with scanner:
        while args.count is None or seen < args.count:
            try:
                # With no idle limit, wait in 1 s steps until the source ends or Ctrl-C.
                scan = scanner.read_scan(timeout=args.timeout if args.timeout > 0 else 1.0)
            except PayloadRejected as exc:
                print(f"hallq-devices: rejected: {exc}", file=sys.stderr)
                continue
            except EndOfStream:
                break
            except DeviceError as exc:
                return _fail(EXIT_NO_DEVICE, str(exc))
            if scan is None:
                if args.timeout > 0:
                    break
                continue
            print(scan.text, flush=True)
            seen += 1
    return 0


def probe_printer(args: argparse.Namespace) -> int:
    """Reach the printer, print its status and (``--sample``) a test page.

    Exits non-zero when the printer cannot be reached, does not answer or cannot print,
    so a script (or an installer) sees at once that something is wrong.
    """
    from .printer import PrinterStatus, PrintMode, sample_page
    from .printer.preview import save_preview
    from .urls import open_printer

    url = args.printer
    if args.mode == "raster":
        url += ("&" if "?" in url else "?") + "mode=raster"
    page = sample_page(datetime.now().replace(microsecond=0))
    try:
        printer = open_printer(url, timeout=args.timeout)
        with printer:
            printer.open()
            status = printer.status()
            print(f"status: {status.value}")
            if status is PrinterStatus.OFFLINE:
                return _fail(EXIT_NO_DEVICE, f"printer at {args.printer} does not answer")
            if args.sample:
                printer.print_ticket(page)
                print(f"sample page sent ({PrintMode(args.mode).value} mode)")
            elif not status.can_print:
                return _fail(EXIT_NOT_READY, f"printer cannot print: {status.value}")
    except DeviceError as exc:
        if isinstance(exc, PrinterNotReady):
            return _fail(EXIT_NOT_READY, str(exc))
        return _fail(EXIT_NO_DEVICE, f"cannot reach printer {args.printer}: {exc}")
    if args.preview:
        print(f"preview: {save_preview(page, Path(args.preview))}")
    return 0


def probe_window(args: argparse.Namespace) -> int:
    """Write a test line to the LED screen, then show each key pressed on the keypad."""
    from .urls import open_window_bus
    from .window import ModbusLedScreen, SerialCallerKeypad

    try:
        bus = open_window_bus(args.bus, baudrate=args.baudrate)
    except DeviceError as exc:
        return _fail(EXIT_NO_DEVICE, str(exc))
    with contextlib.closing(bus):
        try:
            if args.led:
                ModbusLedScreen(bus, args.led).show(args.text, timeout=args.answer_timeout)
                print(f"led {args.led}: {args.text}", flush=True)
            if not args.keypad:
                return 0
            keypad = SerialCallerKeypad(bus, args.keypad)
            keypad.show(args.text, timeout=args.answer_timeout)
            print(f"keypad {args.keypad}: press keys (Ctrl-C stops)", flush=True)
            return _watch_keys(keypad, args)
        except DeviceError as exc:
            return _fail(EXIT_NO_DEVICE, f"window bus {args.bus}: {exc}")
        except ValueError as exc:  # a test line longer than the screen holds
            return _fail(EXIT_BAD_DATA, str(exc))


def _watch_keys(keypad: CallerKeypad, args: argparse.Namespace) -> int:
    seen = 0
    idle_since = time.monotonic()
    while args.count is None or seen < args.count:
        event = keypad.poll(timeout=args.answer_timeout)
        if event is None:
            if args.timeout > 0 and time.monotonic() - idle_since > args.timeout:
                break
            time.sleep(0.05)  # a keypad is polled, not waited on: about 20 polls a second
            continue
        value = "" if event.value is None else f" {event.value}"
        print(f"key: {event.action.value}{value}", flush=True)
        seen += 1
        idle_since = time.monotonic()
    return 0


def probe_camera(args: argparse.Namespace) -> int:
    from .camera import (
        FaceDetector,
        PhotoRejected,
        PhotoSize,
        framing_hint,
        make_id_photo,
        save_id_photo,
    )
    from .urls import open_camera

    try:
        with open_camera(args.source) as camera:
            frame = camera.read_frame(timeout=args.timeout)
    except DeviceError as exc:
        return _fail(EXIT_NO_DEVICE, f"no frame from camera: {exc}")
    detector = FaceDetector()
    faces = detector.detect(frame)
    height, width = frame.shape[:2]
    print(f"frame: {width}x{height}, faces: {len(faces)}, framing: "
          f"{framing_hint((width, height), faces).value}")  # fmt: skip
    if args.photo:
        size = PhotoSize.ONE_INCH if args.size == "1" else PhotoSize.TWO_INCH
        try:
            photo = make_id_photo(frame, size, detector=detector)
        except PhotoRejected as exc:
            return _fail(EXIT_BAD_DATA, str(exc))
        print(
            f"photo: {save_id_photo(photo, Path(args.photo))} ({size.pixels[0]}x{size.pixels[1]})"
        )
    return 0


# --- simulators ----------------------------------------------------------------------------


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _serve_until_stopped() -> None:
    _stop_event().wait()


def sim_idcard(args: argparse.Namespace) -> int:
    from .idcard import SAMPLE_CARDS, PtySamServer, SamModuleSim

    card = None if args.card == "none" else SAMPLE_CARDS[args.card]
    sam = SamModuleSim(card)
    sam.response_delay = args.delay
    sam.corrupt_answers = args.corrupt
    with PtySamServer(sam, baudrate=args.baudrate) as server:
        print(server.port, flush=True)
        _serve_until_stopped()
    return 0


def sim_scanner(args: argparse.Namespace) -> int:
    from .pty_port import PtyPort

    stop = _stop_event()
    with PtyPort(lambda data: b"", baudrate=args.baudrate) as port:
        print(port.port, flush=True)
        if args.stdin:
            for line in sys.stdin:
                port.write(line.rstrip("\r\n").encode("utf-8") + b"\r\n")
        # Like a module with a code held under it: the codes repeat until stopped (a client
        # that opens the port later would miss a single send, as pyserial flushes on open).
        while not stop.is_set():
            for payload in args.payload:
                port.write(payload.encode("utf-8") + b"\r\n")
            stop.wait(args.every)
    return 0


def sim_printer(args: argparse.Namespace) -> int:
    from .printer import PrinterStatus
    from .printer.sim import SimNetworkPrinter, SimPrinterState

    state = SimPrinterState(PrinterStatus(args.status))
    with SimNetworkPrinter(state, capture=Path(args.capture) if args.capture else None) as sim:
        print(sim.url, flush=True)
        _serve_until_stopped()
    return 0


def sim_camera(args: argparse.Namespace) -> int:
    import cv2

    from .camera import SimCamera

    camera = SimCamera()
    if args.qr:
        camera.show_qr(args.qr)
    cv2.imwrite(args.out, camera.read_frame(1))
    print(args.out)
    return 0


def sim_window(args: argparse.Namespace) -> int:
    from .pty_port import PtyPort
    from .window import KeypadAction, SimKeypads, SimLedScreen, SimWindowBus

    keypads = SimKeypads(tuple(range(1, args.keypads + 1)))
    for press in args.press:
        action, _, value = press.partition("=")
        keypads.press(1, KeypadAction(action), int(value) if value.isdigit() else value or None)
    bus = SimWindowBus(keypads, SimLedScreen(args.led))
    with PtyPort(bus.handle) as port:
        print(port.port, flush=True)
        _serve_until_stopped()
    return 0


def list_devices(args: argparse.Namespace) -> int:
    from serial.tools import list_ports

    print("serial ports:")
    ports = sorted(list_ports.comports(), key=lambda p: p.device)
    for port in ports:
        ids = f" [{port.vid:04x}:{port.pid:04x}]" if port.vid is not None else ""
        print(f"  {port.device}  {port.description}{ids}")
    if not ports:
        print("  (none)")
    print("cameras:")
    cameras = sorted(Path("/dev").glob("video*"))
    for camera in cameras:
        name = Path("/sys/class/video4linux") / camera.name / "name"
        label = name.read_text().strip() if name.exists() else ""
        print(f"  {camera}  {label}")
    if not cameras:
        print("  (none)")
    print("usb printers:")
    _list_usb_printers()
    return 0


def _list_usb_printers() -> None:
    from .printer.driver import find_usb_printers

    # The kernel's usblp driver claims printer-class devices as /dev/usb/lpN (file: URLs).
    files = sorted(Path("/dev/usb").glob("lp*")) if Path("/dev/usb").exists() else []
    for path in files:
        print(f"  file:{path}")
    try:
        printers = find_usb_printers()
    except DeviceError as exc:
        print(f"  ({exc})")
        return
    for printer in printers:
        print(f"  {printer.url}  {printer.label}")
    if not files and not printers:
        print("  (none)")


# --- arguments -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallq-devices", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('hallq')}")
    commands = parser.add_subparsers(dest="command", required=True)

    probe = commands.add_parser("probe", help="exercise a real device").add_subparsers(
        dest="kind", required=True
    )
    p = probe.add_parser("idcard", help="read one card and print its fields as JSON")
    p.add_argument("--port", required=True, help="serial port or pyserial URL, or sim[:CARD]")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--baudrate", type=int, default=115200)
    p.set_defaults(run=probe_idcard)

    p = probe.add_parser("scanner", help="print each decoded payload")
    p.add_argument("--source", required=True, help="camera index, /dev/videoN, file, serial:PORT")
    p.add_argument("--timeout", type=float, default=0.0, help="stop after S idle seconds")
    p.add_argument("--count", type=int, default=None, help="stop after N codes")
    p.set_defaults(run=probe_scanner)

    p = probe.add_parser("printer", help="read the status, print a test page")
    p.add_argument("--printer", required=True, help="file:, serial:, usb:, network:, dummy")
    p.add_argument("--sample", action="store_true", help="print a test page")
    p.add_argument("--mode", choices=["text", "raster"], default="text")
    p.add_argument("--preview", help="also write the test page as PNG here")
    p.add_argument("--timeout", type=float, default=2.0)
    p.set_defaults(run=probe_printer)

    p = probe.add_parser("camera", help="grab a frame, check framing, save an ID photo")
    p.add_argument("--source", required=True)
    p.add_argument("--photo", help="write an ID photo (JPEG, 300 dpi) here")
    p.add_argument("--size", choices=["1", "2"], default="1", help="一寸 or 二寸")
    p.add_argument("--timeout", type=float, default=5.0)
    p.set_defaults(run=probe_camera)

    p = probe.add_parser("window", help="LED test line, then each key pressed on the keypad")
    p.add_argument("--bus", required=True, help="RS-485 adapter: serial port or pyserial URL")
    p.add_argument("--baudrate", type=int, default=9600)
    p.add_argument("--keypad", type=int, default=1, help="keypad address (0: none)")
    p.add_argument("--led", type=int, default=1, help="LED screen's Modbus unit (0: none)")
    p.add_argument("--text", default="测试 TEST 0123", help="the test line")
    p.add_argument("--count", type=int, default=None, help="stop after N key presses")
    p.add_argument("--timeout", type=float, default=0.0, help="stop after S idle seconds")
    p.add_argument("--answer-timeout", type=float, default=0.5, help="wait for each answer")
    p.set_defaults(run=probe_window)

    sim = commands.add_parser("sim", help="run a simulator").add_subparsers(
        dest="kind", required=True
    )
    s = sim.add_parser("idcard", help="SAM module on a pty; prints the port path")
    s.add_argument("--card", default="elderly", choices=["elderly", "adult", "foreigner", "hk",
                                                          "none"])  # fmt: skip
    s.add_argument("--baudrate", type=int, default=115200)
    s.add_argument("--delay", type=float, default=0.0, help="slow module: seconds per answer")
    s.add_argument("--corrupt", type=int, default=0, help="spoil the first N answers")
    s.set_defaults(run=sim_idcard)

    s = sim.add_parser("scanner", help="serial scanner module on a pty")
    s.add_argument("payload", nargs="*", help="codes to send at start")
    s.add_argument("--stdin", action="store_true", help="send each stdin line as a code")
    s.add_argument("--every", type=float, default=1.0, help="repeat the codes every S s")
    s.add_argument("--baudrate", type=int, default=9600)
    s.set_defaults(run=sim_scanner)

    s = sim.add_parser("printer", help="network printer on 127.0.0.1; prints its URL")
    s.add_argument("--capture", help="append received bytes to this file")
    s.add_argument("--status", default="ok", choices=["ok", "paper_low", "paper_out",
                                                      "cover_open", "offline"])  # fmt: skip
    s.set_defaults(run=sim_printer)

    s = sim.add_parser("camera", help="write a synthetic camera frame to a file")
    s.add_argument("--out", default="sim-frame.png")
    s.add_argument("--qr", help="show this QR code instead of a person")
    s.set_defaults(run=sim_camera)

    s = sim.add_parser("window", help="keypads and an LED screen on one RS-485 bus (a pty)")
    s.add_argument("--keypads", type=int, default=4, help="keypads at addresses 1..N")
    s.add_argument("--led", type=int, default=1, help="the LED screen's Modbus unit")
    s.add_argument("--press", action="append", default=[], metavar="ACTION[=VALUE]",
                   help="a key press keypad 1 reports (call_next, evaluate=5, …)")  # fmt: skip
    s.set_defaults(run=sim_window)

    p = commands.add_parser("list", help="serial ports, cameras and USB printers")
    p.set_defaults(run=list_devices)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hallq-devices``."""
    args = build_parser().parse_args(argv)
    hallqlog.configure()
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
