"""What the kiosk asks of a code scanner, and what one scan carries."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

from ..device import Device


@dataclass(frozen=True)
class Scan:
    """One accepted code: its text, the raw bytes, the symbology and where it came from."""

    text: str
    raw: bytes
    symbology: str
    source: str

    def __repr__(self) -> str:
        # Codes can carry personal data (health codes, e-licences): never log them whole.
        return f"Scan({self.symbology}, {len(self.raw)} bytes, from {self.source})"


class Scanner(Device):
    """Anything that reads codes: ``read_scan(timeout) -> Scan | None`` (None: nothing new).

    A refused payload raises :class:`~devices.errors.PayloadRejected` once per sighting;
    the next call carries on scanning.
    """

    @abstractmethod
    def read_scan(self, timeout: float) -> Scan | None:
        """Wait up to ``timeout`` seconds for a new code."""

    def close(self) -> None:
        """Release the device."""
