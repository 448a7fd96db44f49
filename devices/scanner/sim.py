"""A simulated scanner: tests and the kiosk's ``--sim`` mode "show" it codes."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

from ..errors import DeviceUnavailable
from .codec import MAX_PAYLOAD_BYTES, accept_scan
from .driver import RepeatFilter
from .interface import Scan, Scanner


class SimScanner(Scanner):
    """Codes shown with ``show(payload)`` come out of ``read_scan`` (validated, de-duplicated
    like a real scanner's); ``unplug()`` makes reads fail."""

    def __init__(
        self,
        *,
        max_bytes: int = MAX_PAYLOAD_BYTES,
        repeats: RepeatFilter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shown: queue.Queue[bytes] = queue.Queue()
        self._max_bytes = max_bytes
        self.repeats = repeats or RepeatFilter(clock=clock)
        self.unplugged = False

    def show(self, payload: str | bytes) -> None:
        """Hold a code in front of the scanner (thread-safe)."""
        self._shown.put(payload.encode("utf-8") if isinstance(payload, str) else payload)

    def unplug(self, unplugged: bool = True) -> None:
        """Take the scanner away (or put it back)."""
        self.unplugged = unplugged

    def read_scan(self, timeout: float) -> Scan | None:
        deadline = time.monotonic() + timeout
        while True:
            if self.unplugged:
                raise DeviceUnavailable("simulated scanner is unplugged")
            try:
                raw = self._shown.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if self.repeats.admit(raw):
                return accept_scan(raw, "QRCODE", "sim", self._max_bytes)
