"""Ticket printers over python-escpos transports (USB, serial, network, file)."""

from __future__ import annotations

import contextlib
import logging
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import serial
from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy, File, Network

from ..device import Device
from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, PrinterNotReady
from .escpos_codec import (
    DEFAULT_PROFILE,
    DLE_EOT_OFFLINE_CAUSE,
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterStatus,
    PrintMode,
    decode_status,
    encode_ticket,
)
from .layout import TicketLayout

log = logging.getLogger(__name__)

_STATUS_TEXT = {
    PrinterStatus.PAPER_OUT: "printer is out of paper",
    PrinterStatus.COVER_OPEN: "printer cover is open",
    PrinterStatus.OFFLINE: "printer is offline",
}


class TicketPrinter(Device):
    """A ticket printer: blocking calls bounded by the transport's timeout."""

    @abstractmethod
    def print_ticket(self, layout: TicketLayout) -> None:
        """Print one ticket or raise :class:`~devices.errors.PrinterNotReady` / DeviceError."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer how it is; UNKNOWN where the transport cannot read back."""

    @abstractmethod
    def close(self) -> None:
        """Release the transport; the next call opens it again."""


class SerialUrlTransport(Escpos):
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
        self.device = serial.serial_for_url(
            self.url, baudrate=self.baudrate, timeout=self.timeout, write_timeout=self.timeout
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


@dataclass(frozen=True)
class PrinterAddress:
    """A parsed printer URL."""

    kind: str
    target: str = ""
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str, default: str) -> str:
        """One ``?name=value`` option."""
        return dict(self.options).get(name, default)


def parse_printer_url(url: str) -> PrinterAddress:
    """``file:PATH``, ``serial:PORT?baudrate=9600``, ``usb:VID:PID``, ``network:HOST[:PORT]``,
    ``dummy`` or ``sim``."""
    base, _, query = url.partition("?")
    kind, _, target = base.partition(":")
    kind = kind.lower()
    options = tuple((k, v[-1]) for k, v in parse_qs(query).items())
    if kind in ("dummy", "sim") and not target:
        return PrinterAddress(kind, "", options)
    if kind not in ("file", "serial", "usb", "network") or not target:
        raise DeviceError(
            f"unknown printer URL {url!r}: use file:PATH, serial:PORT?baudrate=N, "
            "usb:VID:PID, network:HOST[:PORT], dummy or sim"
        )
    return PrinterAddress(kind, target, options)


def transport_factory(address: PrinterAddress, timeout: float) -> Callable[[], Escpos]:
    """A function that opens the escpos transport for ``address``."""
    profile = address.option("profile", DEFAULT_PROFILE)
    if address.kind == "dummy":
        return lambda: Dummy(profile=profile)
    if address.kind == "file":
        return lambda: AppendingFile(devfile=address.target, profile=profile)
    if address.kind == "serial":
        baudrate = int(address.option("baudrate", "9600"))
        return lambda: SerialUrlTransport(
            address.target, baudrate=baudrate, timeout=timeout, profile=profile
        )
    if address.kind == "network":
        host, _, port = (
            address.target.rpartition(":")
            if ":" in address.target
            else (address.target, "", "9100")
        )
        return lambda: Network(host=host, port=int(port), timeout=timeout, profile=profile)
    vid, _, pid = address.target.partition(":")

    def open_usb() -> Escpos:
        try:
            from escpos.printer import Usb
        except ImportError as exc:  # pragma: no cover - escpos always ships the class
            raise DeviceUnavailable(str(exc)) from exc
        if not Usb.is_usable():
            raise DeviceUnavailable(
                "usb: printers need pyusb and libusb; on Linux file:/dev/usb/lp0 also works"
            )
        return Usb(int(vid, 16), int(pid, 16), timeout=int(timeout * 1000), profile=profile)

    return open_usb


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

    @classmethod
    def from_url(
        cls, url: str, *, mode: PrintMode = PrintMode.TEXT, timeout: float = 2.0
    ) -> EscposTicketPrinter:
        """Open a printer from a URL (see :func:`parse_printer_url`)."""
        address = parse_printer_url(url)
        if address.kind == "sim":
            raise DeviceError("use SimTicketPrinter (devices.config.open_printer) for sim")
        mode = PrintMode(address.option("mode", mode.value))
        return cls(
            transport_factory(address, timeout),
            reads_status=address.kind in ("serial", "network", "usb"),
            mode=mode,
            profile=address.option("profile", DEFAULT_PROFILE),
        )

    @property
    def transport(self) -> Escpos:
        """The open transport (opened on first use)."""
        if self._transport is None:
            try:
                transport = self._open_transport()
                transport.open()
            except DeviceError:
                raise
            except (EscposError, serial.SerialException, OSError, ValueError) as exc:
                raise DeviceUnavailable(f"cannot open printer: {exc}") from exc
            self._transport = transport
        return self._transport

    def print_ticket(self, layout: TicketLayout) -> None:
        """Check the status (where readable), then send the whole ticket at once."""
        data = encode_ticket(layout, self.mode, profile=self._profile, font_path=self._font_path)
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
