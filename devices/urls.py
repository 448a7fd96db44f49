"""Devices from the URLs the terminal's config names: the one place a URL becomes a device.

``sim`` selects a simulator; ``serial:PORT?baudrate=N``, ``usb:VID:PID``,
``network:HOST[:PORT]``, ``file:PATH``, ``dummy`` and ``camera:SOURCE`` name a transport;
anything else is taken whole as a serial port or pyserial URL (``/dev/ttyUSB0``,
``socket://…``) or a camera source (``0``, ``/dev/video2``, an image or a video file).

Imports are deferred so an app that only prints tickets does not load OpenCV.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from .errors import DeviceError, DeviceUnavailable
from .serial_link import serial_url_factory

if TYPE_CHECKING:
    from escpos.escpos import Escpos

    from .camera import Camera
    from .idcard import IdCardReader
    from .printer import TicketPrinter
    from .scanner import Scanner
    from .window import Rs485Bus

SCHEMES = frozenset({"sim", "serial", "usb", "network", "file", "dummy", "camera"})
_SCHEME = re.compile(r"([a-z]+)(?=[:?]|$)")

ID_READER_BAUDRATE = 115200
SCANNER_BAUDRATE = 9600
PRINTER_BAUDRATE = 9600
BUS_BAUDRATE = 9600
NETWORK_PRINTER_PORT = 9100
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL; ``scheme`` is empty for a bare port path or camera source."""

    scheme: str
    target: str
    options: dict[str, str] = field(default_factory=dict)

    def option(self, name: str, default: str) -> str:
        """One ``?name=value`` option."""
        return self.options.get(name, default)

    def int_option(self, name: str, default: int) -> int:
        """An integer option, or a :class:`DeviceError` naming it."""
        value = self.option(name, str(default))
        if not value.isdigit():
            raise DeviceError(f"{name} must be a whole number, not {value!r}")
        return int(value)


def parse_device_url(text: str) -> DeviceUrl:
    """Split ``scheme:target?options``; a text without a known scheme is kept whole."""
    match = _SCHEME.match(text)
    if match is None or match.group(1) not in SCHEMES:
        return DeviceUrl("", text)
    base, _, query = text.partition("?")
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    return DeviceUrl(match.group(1), base[len(match.group(1)) + 1 :], options)


def open_id_reader(url: str, *, baudrate: int = ID_READER_BAUDRATE) -> IdCardReader:
    """``sim`` (empty reader), ``sim:elderly`` (a sample card lying on it), a port path or
    pyserial URL, or ``serial:PORT?baudrate=N``."""
    from .idcard import SAMPLE_CARDS, SerialIdCardReader, SimIdCardReader

    address = parse_device_url(url)
    if address.scheme == "sim":
        if address.target and address.target not in SAMPLE_CARDS:
            raise DeviceError(f"no sample card {address.target!r}: {', '.join(SAMPLE_CARDS)}")
        return SimIdCardReader(SAMPLE_CARDS[address.target] if address.target else None)
    port, baudrate = _serial_port(address, "ID card reader", baudrate)
    return SerialIdCardReader(serial_url_factory(port, baudrate))


def open_scanner(url: str) -> Scanner:
    """``sim``, ``serial:PORT?baudrate=N`` for a scanner module, or a camera source
    (index, /dev/videoN, image or video file, ``camera:sim``)."""
    from .scanner import CameraScanner, SerialScanner, SimScanner

    address = parse_device_url(url)
    if address.scheme == "sim":
        return SimScanner()
    if address.scheme == "serial":
        port, baudrate = _serial_port(address, "scanner", SCANNER_BAUDRATE)
        return SerialScanner(serial_url_factory(port, baudrate), name=url)
    source = address.target if address.scheme == "camera" else url
    return CameraScanner(open_camera(source), name=url)


def open_camera(url: str) -> Camera:
    """``sim``, a camera index (``0``), a device path, an image file or a video file."""
    from .camera import ImageFileCamera, LiveCamera, SimCamera, VideoFileCamera

    if url == "sim":
        return SimCamera()
    if url.isdigit():
        return LiveCamera(int(url))
    path = Path(url)
    if url.startswith("/dev/"):
        if not path.exists():
            raise DeviceUnavailable(f"no camera at {url}")
        return LiveCamera(url)
    if not path.is_file():
        raise DeviceUnavailable(f"no such camera, image or video: {url}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFileCamera(path)
    return VideoFileCamera(path)


def open_window_bus(url: str, *, baudrate: int = BUS_BAUDRATE) -> Rs485Bus:
    """The window's RS-485 bus: a port path or pyserial URL, or ``serial:PORT?baudrate=N``."""
    from .window import Rs485Bus

    port, baudrate = _serial_port(parse_device_url(url), "RS-485 bus", baudrate)
    return Rs485Bus(serial_url_factory(port, baudrate))


def open_printer(url: str, *, timeout: float = 2.0) -> TicketPrinter:
    """``sim``, ``dummy``, ``file:PATH``, ``serial:PORT?baudrate=N``, ``usb:VID:PID`` or
    ``network:HOST[:PORT]``; add ``?mode=raster`` for printers without a Chinese font and
    ``?profile=NAME`` for another python-escpos capability profile."""
    from .printer import EscposTicketPrinter, PrintMode, SimTicketPrinter
    from .printer.codec import DEFAULT_PROFILE

    address = parse_device_url(url)
    try:
        mode = PrintMode(address.option("mode", PrintMode.TEXT.value))
    except ValueError:
        raise DeviceError(f"printer mode must be text or raster in {url!r}") from None
    if address.scheme == "sim" and not address.target:
        return SimTicketPrinter(mode=mode)
    profile = address.option("profile", DEFAULT_PROFILE)
    return EscposTicketPrinter(
        _printer_transport(url, address, profile, timeout),
        reads_status=address.scheme in ("serial", "network", "usb"),
        mode=mode,
        profile=profile,
    )


def _printer_transport(
    url: str, address: DeviceUrl, profile: str, timeout: float
) -> Callable[[], Escpos]:
    from escpos.printer import Dummy, Network

    from .printer.driver import AppendingFile, SerialTransport, open_usb_transport

    scheme, target = address.scheme, address.target
    if scheme == "dummy" and not target:
        return lambda: Dummy(profile=profile)
    if scheme == "file" and target:
        return lambda: AppendingFile(devfile=target, profile=profile)
    if scheme == "serial" and target:
        baudrate = address.int_option("baudrate", PRINTER_BAUDRATE)
        return lambda: SerialTransport(target, baudrate=baudrate, timeout=timeout, profile=profile)
    if scheme == "network" and target:
        host, sep, port = target.rpartition(":")
        if not sep:
            host, port = target, ""
        number = int(port) if port.isdigit() else NETWORK_PRINTER_PORT
        return lambda: Network(host=host, port=number, timeout=timeout, profile=profile)
    usb = re.fullmatch(r"([0-9a-fA-F]{4}):([0-9a-fA-F]{4})", target)
    if scheme == "usb" and usb:
        vid, pid = int(usb.group(1), 16), int(usb.group(2), 16)
        return lambda: open_usb_transport(vid, pid, timeout=timeout, profile=profile)
    raise DeviceError(
        f"unknown printer URL {url!r}: use file:PATH, serial:PORT?baudrate=N, "
        "usb:VID:PID, network:HOST[:PORT], dummy or sim"
    )


def _serial_port(address: DeviceUrl, device: str, baudrate: int) -> tuple[str, int]:
    """The port and baud rate of a serial device's URL."""
    if address.scheme == "serial" and address.target:
        return address.target, address.int_option("baudrate", baudrate)
    if address.scheme:
        raise DeviceError(f"{device} URL must be a serial port, not {address.scheme}:")
    return address.target, baudrate
