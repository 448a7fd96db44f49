"""What the kiosk asks of an identity card reader."""

from __future__ import annotations

from abc import abstractmethod

from ..device import Device
from .card import IdCard


class IdCardReader(Device):
    """An identity card reader: blocking calls, each bounded by its timeout.

    Run it in a worker thread.  ``read_card`` returns None when no card was presented
    in time and raises :class:`~devices.errors.DeviceError` subclasses for faults.
    """

    @abstractmethod
    def read_card(self, timeout: float) -> IdCard | None:
        """Wait up to ``timeout`` seconds for a card and return its base information."""

    @abstractmethod
    def close(self) -> None:
        """Release the port; a later ``read_card`` opens it again."""
