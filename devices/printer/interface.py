"""What the kiosk asks of a ticket printer."""

from __future__ import annotations

from abc import abstractmethod

from ..device import Device
from .codec import PrinterStatus
from .layout import Page


class TicketPrinter(Device):
    """A ticket printer: blocking calls bounded by the transport's timeout."""

    @abstractmethod
    def open(self) -> None:
        """Reach the printer now; :class:`~devices.errors.DeviceUnavailable` says why not."""

    @abstractmethod
    def print_ticket(self, page: Page) -> None:
        """Print one page of blocks, then cut; or raise
        :class:`~devices.errors.PrinterNotReady` / DeviceError."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer how it is; UNKNOWN where the transport cannot read back."""

    @abstractmethod
    def close(self) -> None:
        """Release the transport; the next call opens it again."""
