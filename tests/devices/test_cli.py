"""The probe tool against the simulators (in process, and as processes over a pty / TCP)."""

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import cv2
import pytest

from devices.camera import SimCamera
from devices.cli import EXIT_BAD_DATA, EXIT_NO_CARD, EXIT_NO_DEVICE, EXIT_NOT_READY, main
from devices.printer.driver import USB_PRINTER_CLASS, usb_printers
from devices.pty_port import PtyPort
from devices.window import KeypadAction, SimKeypads, SimLedScreen, SimWindowBus

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FakeUsbDevice:
    """pyusb's device as the listing sees it: it iterates over its configurations, and a
    configuration over its interfaces."""

    idVendor: int
    idProduct: int
    interface_class: int = 0xFF
    iProduct: int = 0

    def __iter__(self) -> Iterator[list[SimpleNamespace]]:
        return iter([[SimpleNamespace(bInterfaceClass=self.interface_class)]])


@contextmanager
def simulator(*args: str) -> Iterator[str]:
    """Run ``hallq-devices sim ...`` and yield the first line it prints (port or URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.cli", "sim", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=5)


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devices.cli", "probe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_probe_idcard_over_a_simulated_pty_reader() -> None:
    with simulator("idcard", "--card", "adult") as port:
        result = probe("idcard", "--port", port, "--timeout", "2")
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    assert set(fields) == {
        "name", "sex", "nation", "birth", "address", "id_number", "authority",
        "valid_from", "valid_to",
    }  # fmt: skip
    assert fields["id_number"] == "110105199003070041"
    assert fields["nation"] == "回"


def test_probe_idcard_failures_have_one_line_reasons() -> None:
    with simulator("idcard", "--card", "none") as port:
        result = probe("idcard", "--port", port, "--timeout", "0.3")
    assert result.returncode == EXIT_NO_CARD
    assert result.stderr.strip().count("\n") == 0 and "no card" in result.stderr
    result = probe("idcard", "--port", "/dev/hallq-no-reader", "--timeout", "0.3")
    assert result.returncode == EXIT_NO_DEVICE and "no reader" in result.stderr


def test_probe_printer_against_the_network_simulator(tmp_path: Path) -> None:
    capture = tmp_path / "capture.bin"
    with simulator("printer", "--capture", str(capture)) as url:
        result = probe("printer", "--printer", url, "--sample")
        assert result.returncode == 0, result.stderr
        assert "status: ok" in result.stdout
    assert capture.read_bytes().endswith(b"\x1b\x64\x06\x1d\x56\x00")
    with simulator("printer", "--status", "cover_open") as url:
        result = probe("printer", "--printer", url, "--sample")
    assert result.returncode == EXIT_NOT_READY
    assert "cover is open" in result.stderr


def test_probe_scanner_reads_a_serial_scanner_module() -> None:
    with simulator("scanner", "A012", "预约:0930", "--every", "0.2") as port:
        result = probe("scanner", "--source", f"serial:{port}", "--count", "2", "--timeout", "3")
    assert result.returncode == 0, result.stderr
    # The simulator sends its codes round and round: the probe may open the port mid-round.
    assert result.stdout.splitlines() in (["A012", "预约:0930"], ["预约:0930", "A012"])


def test_probe_in_process_file_printer_and_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "lp0"
    preview = tmp_path / "ticket.png"
    assert main(["probe", "printer", "--printer", f"file:{target}", "--sample",
                 "--preview", str(preview)]) == 0  # fmt: skip
    assert target.read_bytes().startswith(b"\x1b@\x1c&")
    assert target.read_bytes().endswith(b"\x1dV\x00")
    assert preview.stat().st_size > 0
    assert "status: unknown" in capsys.readouterr().out


def test_probe_scanner_and_camera_from_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    camera = SimCamera()
    camera.show_qr("https://hall.example/t/A012")
    image = tmp_path / "qr.png"
    cv2.imwrite(str(image), camera.read_frame(1))
    assert main(["probe", "scanner", "--source", str(image)]) == 0
    assert capsys.readouterr().out == "https://hall.example/t/A012\n"

    photo = tmp_path / "photo.jpg"
    assert main(["probe", "camera", "--source", "sim", "--photo", str(photo)]) == 0
    out = capsys.readouterr().out
    assert "framing: good" in out and "295x413" in out
    assert photo.stat().st_size > 0


def test_probe_idcard_sim_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "idcard", "--port", "sim:elderly", "--timeout", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["valid_to"] == "长期"


def test_list_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "serial ports:" in out and "cameras:" in out and "usb printers:" in out


def test_probe_printer_status_only_fails_on_an_unreachable_printer() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = probe("printer", "--printer", f"network:127.0.0.1:{port}", "--timeout", "0.5")
    assert result.returncode == EXIT_NO_DEVICE
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"cannot reach printer network:127.0.0.1:{port}" in result.stderr


def test_probe_printer_status_only_fails_on_a_silent_or_unready_printer() -> None:
    with simulator("printer", "--status", "offline") as url:
        result = probe("printer", "--printer", url, "--timeout", "0.3")
    assert result.returncode == EXIT_NO_DEVICE
    assert "status: offline" in result.stdout and "does not answer" in result.stderr
    with simulator("printer", "--status", "paper_out") as url:
        result = probe("printer", "--printer", url)
    assert result.returncode == EXIT_NOT_READY
    assert "hallq-devices: printer cannot print: paper_out" in result.stderr.splitlines()


def test_probe_window_writes_the_led_and_shows_key_presses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    keypads, screen = SimKeypads((1, 2)), SimLedScreen(3)
    keypads.press(1, KeypadAction.CALL_NEXT)
    keypads.press(2, KeypadAction.FINISH)  # another window's keypad: not shown
    keypads.press(1, KeypadAction.EVALUATE, 5)
    with PtyPort(SimWindowBus(keypads, screen).handle) as bus:
        code = main(["probe", "window", "--bus", bus.port, "--led", "3", "--text", "测试 A012",
                     "--count", "2", "--timeout", "5"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "led 3: 测试 A012",
        "keypad 1: press keys (Ctrl-C stops)",
        "key: call_next",
        "key: evaluate 5",
    ]
    assert screen.text == "测试 A012" and keypads.screens[1] == "测试 A012"


def test_probe_window_failures_have_one_line_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "window", "--bus", "/dev/hallq-no-bus"]) == EXIT_NO_DEVICE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open serial port /dev/hallq-no-bus" in err
    screen = SimLedScreen()
    screen.mute = True
    with PtyPort(SimWindowBus(SimKeypads(), screen).handle) as bus:
        code = main(["probe", "window", "--bus", bus.port, "--answer-timeout", "0.2"])
    assert code == EXIT_NO_DEVICE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no answer on the RS-485 bus" in err
    with PtyPort(SimWindowBus(SimKeypads(), SimLedScreen()).handle) as bus:
        code = main(["probe", "window", "--bus", bus.port, "--text", "太长的测试文字" * 3])
    assert code == EXIT_BAD_DATA
    assert "the screen holds 32" in capsys.readouterr().err


def test_sim_window_serves_keypads_and_led_on_one_bus() -> None:
    with simulator("window", "--press", "call_number=A012") as port:
        result = probe("window", "--bus", port, "--count", "1", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "key: call_number A012"


def test_list_shows_usb_printers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import usb.core

    devices = [FakeUsbDevice(0x0416, 0x5011), FakeUsbDevice(0x046D, 0xC077, interface_class=3)]
    monkeypatch.setattr(usb.core, "find", lambda find_all: devices)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "usb printers:\n" in out
    assert "  usb:0416:5011  Winbond (Xprinter and other POS-58/80 printers)\n" in out
    assert "046d" not in out


def test_usb_printers_are_known_vendors_or_printer_class_devices() -> None:
    found = usb_printers(
        [
            FakeUsbDevice(0x04B8, 0x0202),  # Epson, vendor-specific interface
            FakeUsbDevice(0x1A86, 0x7584, interface_class=USB_PRINTER_CLASS),  # CH34x bridge
            FakeUsbDevice(0x046D, 0xC077, interface_class=3),  # a mouse
        ]
    )
    assert [(p.url, p.label) for p in found] == [
        ("usb:04b8:0202", "Epson"),
        ("usb:1a86:7584", "USB printer class"),
    ]
