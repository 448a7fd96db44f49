"""Build devices from the config strings the apps read (``"sim"`` selects a simulator).

Imports are deferred so an app that only prints tickets does not load OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .camera import Camera
    from .idcard import IdCardReader
    from .printer import TicketPrinter
    from .scanner import Scanner


def open_id_reader(spec: str, *, baudrate: int = 115200) -> IdCardReader:
    """``sim`` (empty reader), ``sim:elderly`` (a sample card lying on it) or a port URL."""
    from .idcard import SAMPLE_CARDS, SerialIdCardReader, SimIdCardReader

    if spec == "sim" or spec.startswith("sim:"):
        name = spec.partition(":")[2]
        return SimIdCardReader(SAMPLE_CARDS[name] if name else None)
    return SerialIdCardReader(spec, baudrate=baudrate)


def open_printer(url: str, *, timeout: float = 2.0) -> TicketPrinter:
    """``sim``, ``dummy``, ``file:PATH``, ``serial:PORT?baudrate=N``, ``usb:VID:PID`` or
    ``network:HOST[:PORT]``; add ``?mode=raster`` for printers without a Chinese font."""
    from .printer import EscposTicketPrinter, PrintMode, SimTicketPrinter
    from .printer.driver import parse_printer_url

    address = parse_printer_url(url)
    if address.kind == "sim":
        return SimTicketPrinter(mode=PrintMode(address.option("mode", "text")))
    return EscposTicketPrinter.from_url(url, timeout=timeout)


def open_scanner(source: str) -> Scanner:
    """``sim``, ``serial:PORT?baudrate=N`` for a scanner module, or a camera source
    (index, /dev/videoN, image or video file, ``camera:sim``)."""
    from urllib.parse import parse_qs

    from .scanner import CameraScanner, SerialScanner, SimScanner

    if source == "sim":
        return SimScanner()
    if source.startswith("serial:"):
        port, _, query = source.removeprefix("serial:").partition("?")
        baudrate = int(parse_qs(query).get("baudrate", ["9600"])[-1])
        return SerialScanner(port, baudrate=baudrate)
    return CameraScanner(open_camera(source.removeprefix("camera:")), name=source)


def open_camera(source: str) -> Camera:
    """``sim``, a camera index, /dev/videoN, an image or a video file."""
    from .camera import open_camera_source

    return open_camera_source(source)
