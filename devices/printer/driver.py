"""Ticket printers over python-escpos transports (USB, serial, network, file)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import serial
from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError
from escpos.printer import File

from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, PrinterNotReady
from ..serial_link import open_serial_url
from .codec import (
    DEFAULT_PROFILE,
    DLE_EOT_OFFLINE_CAUSE,
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterStatus,
    PrintMode,
    decode_status,
    encode_ticket,
)
from .interface import TicketPrinter
from .layout import Page

log = logging.getLogger(__name__)

_STATUS_TEXT = {
    PrinterStatus.PAPER_OUT: "printer is out of paper",
    PrinterStatus.COVER_OPEN: "printer cover is open",
    PrinterStatus.OFFLINE: "printer is offline",
}


class SerialTransport(Escpos):
    """A serial printer opened from a pyserial URL, with read and write timeouts.

    escpos's own Serial class has no write timeout: with DSR/DTR flow control an offline
    printer would block the caller for ever.
    """

    def __init__(self, url: str, *, baudrate: int = 9600, timeout: float = 1.0, **kwargs: object):
        Escpos.__init__(self, **kwargs)
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout

    def open(self) -> None:
        self.device = open_serial_url(
            self.url, self.baudrate, timeout=self.timeout, write_timeout=self.timeout
        )

    def _raw(self, msg: bytes) -> None:
        self.device.write(msg)

    def _read(self) -> bytes:
        data: bytes = self.device.read(1)
        return data

    def close(self) -> None:
        device = getattr(self, "_device", False)
        if isinstance(device, serial.SerialBase):
            with contextlib.suppress(serial.SerialException, OSError):
                device.close()
        self._device = False


class AppendingFile(File):
    """escpos's File printer, but appending: reopening after a fault must not erase output."""

    def open(self, raise_not_found: bool = True) -> None:
        self.close()
        try:
            self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            self._device = False
            raise DeviceUnavailable(f"cannot open printer file {self.devfile}: {exc}") from exc


def open_usb_transport(vid: int, pid: int, *, timeout: float, profile: str) -> Escpos:
    """escpos's USB printer (pyusb + libusb), with the timeout in seconds."""
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise DeviceUnavailable(
            "usb: printers need pyusb and libusb; on Linux file:/dev/usb/lp0 also works"
        )
    return Usb(vid, pid, timeout=int(timeout * 1000), profile=profile)


# Makers of ESC/POS receipt printers by USB vendor id; many Chinese printers carry the id of
# their USB chip (Winbond 0416, ICS 0fe6, GD32 28e9) rather than their own.
ESCPOS_VENDORS = {
    0x04B8: "Epson",
    0x0519: "Star Micronics",
    0x0DD4: "Custom",
    0x1504: "Bixolon",
    0x154F: "SNBC",
    0x20D1: "Rongta",
    0x0416: "Winbond (Xprinter and other POS-58/80 printers)",
    0x0FE6: "ICS Advent (Chinese POS printers)",
    0x28E9: "GD32 (Gprinter)",
}
USB_PRINTER_CLASS = 0x07


@dataclass(frozen=True)
class UsbPrinter:
    """A USB device that looks like a ticket printer."""

    vid: int
    pid: int
    label: str

    @property
    def url(self) -> str:
        """The printer URL the terminal's config takes."""
        return f"usb:{self.vid:04x}:{self.pid:04x}"


def _product_name(device: Any) -> str:
    import usb.core
    import usb.util

    if not getattr(device, "iProduct", 0):
        return ""
    try:
        return str(usb.util.get_string(device, device.iProduct) or "")
    except (usb.core.USBError, ValueError, NotImplementedError):
        return ""  # reading strings needs access to the device (group lp)


def usb_printers(devices: Iterable[Any]) -> list[UsbPrinter]:
    """The printers among pyusb devices: a known ESC/POS vendor or a printer-class
    interface (USB class 7)."""
    found = []
    for device in devices:
        vendor = ESCPOS_VENDORS.get(device.idVendor)
        printer_class = any(
            interface.bInterfaceClass == USB_PRINTER_CLASS
            for configuration in device
            for interface in configuration
        )
        if vendor is None and not printer_class:
            continue
        label = _product_name(device) or vendor or "USB printer class"
        found.append(UsbPrinter(device.idVendor, device.idProduct, label))
    return found


def find_usb_printers() -> list[UsbPrinter]:
    """The USB printers connected now; :class:`DeviceUnavailable` without libusb."""
    import usb.core

    try:
        return usb_printers(usb.core.find(find_all=True) or ())
    except usb.core.NoBackendError as exc:
        raise DeviceUnavailable("pyusb finds no libusb: install libusb-1.0-0") from exc


class EscposTicketPrinter(TicketPrinter):
    """Prints tickets through an escpos transport; reads DLE EOT status where it can.

    ``reads_status`` is False for write-only transports (file, dummy): ``status()`` is then
    UNKNOWN and tickets are sent without a check.
    """

    def __init__(
        self,
        open_transport: Callable[[], Escpos],
        *,
        reads_status: bool,
        mode: PrintMode = PrintMode.TEXT,
        profile: str = DEFAULT_PROFILE,
        font_path: Path | None = None,
    ) -> None:
        self._open_transport = open_transport
        self._transport: Escpos | None = None
        self.reads_status = reads_status
        self.mode = mode
        self._profile = profile
        self._font_path = font_path

    def open(self) -> None:
        """Open the transport (a network printer: connect) unless it is open."""
        if self._transport is not None:
            return
        try:
            transport = self._open_transport()
            transport.open()
        except DeviceError:
            raise
        except (EscposError, serial.SerialException, OSError, ValueError) as exc:
            raise DeviceUnavailable(f"cannot open printer: {exc}") from exc
        self._transport = transport

    @property
    def transport(self) -> Escpos:
        """The open transport (opened on first use)."""
        self.open()
        assert self._transport is not None
        return self._transport

    def print_ticket(self, page: Page) -> None:
        """Check the status (where readable), then send the whole ticket at once."""
        data = encode_ticket(page, self.mode, profile=self._profile, font_path=self._font_path)
        if self.reads_status:
            current = self.status()
            if not current.can_print:
                raise PrinterNotReady(_STATUS_TEXT.get(current, current.value), current)
        self.send(data)

    def send(self, data: bytes) -> None:
        """Send raw bytes; a fault closes the transport so the next call reconnects."""
        transport = self.transport
        try:
            transport._raw(data)
        except (TimeoutError, serial.SerialTimeoutException) as exc:
            self.close()
            raise DeviceTimeout("printer stopped accepting data") from exc
        except (EscposError, serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceUnavailable(f"printer connection lost: {exc}") from exc

    def status(self) -> PrinterStatus:
        """DLE EOT 1, then 2 and 4; no answer means OFFLINE."""
        if not self.reads_status:
            return PrinterStatus.UNKNOWN
        try:
            transport = self.transport
            printer = self._query(transport, DLE_EOT_PRINTER)
            if printer is None:
                return PrinterStatus.OFFLINE
            cause = self._query(transport, DLE_EOT_OFFLINE_CAUSE)
            paper = self._query(transport, DLE_EOT_PAPER)
        except DeviceError as exc:
            log.info("printer status unavailable: %s", exc)
            return PrinterStatus.OFFLINE
        return decode_status(printer, cause, paper)

    def _query(self, transport: Escpos, query: bytes) -> int | None:
        try:
            transport._raw(query)
            answer = transport._read()
        except TimeoutError:
            # A late answer would be mistaken for the next query's: start afresh next time.
            self.close()
            return None
        except (EscposError, serial.SerialException, OSError, NotImplementedError) as exc:
            self.close()
            raise DeviceUnavailable(f"printer connection lost: {exc}") from exc
        return answer[0] if answer else None

    def close(self) -> None:
        """Close the transport."""
        transport, self._transport = self._transport, None
        if transport is not None:
            with contextlib.suppress(EscposError, serial.SerialException, OSError):
                transport.close()
