"""Scanners: a camera with a decoder, a serial scanner module, and the repeat filter."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..camera.interface import Camera
from ..errors import DeviceTimeout, PayloadRejected
from ..serial_link import LinkFactory, SerialPort, read_waiting
from .codec import MAX_PAYLOAD_BYTES, LineAssembler, accept_scan
from .decode import FrameDecoder
from .interface import Scan, Scanner


class RepeatFilter:
    """Lets a code through once while it stays in view.

    A code held in front of the camera decodes in every frame; it passes again only
    after it has been out of sight for ``hold_s`` seconds.
    """

    def __init__(self, hold_s: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self._hold_s = hold_s
        self._clock = clock
        self._last_seen: dict[bytes, float] = {}

    def admit(self, raw: bytes) -> bool:
        """True for a new sighting, False for a repeat."""
        now = self._clock()
        self._last_seen = {k: t for k, t in self._last_seen.items() if now - t < self._hold_s}
        repeat = raw in self._last_seen
        self._last_seen[raw] = now
        return not repeat


class CameraScanner(Scanner):
    """Decodes frames from a camera until a new code shows up."""

    def __init__(
        self,
        camera: Camera,
        *,
        decoder: FrameDecoder | None = None,
        repeats: RepeatFilter | None = None,
        max_bytes: int = MAX_PAYLOAD_BYTES,
        name: str = "camera",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera = camera
        self.decoder = decoder or FrameDecoder()
        self.repeats = repeats or RepeatFilter(clock=clock)
        self._max_bytes = max_bytes
        self._name = name
        self._clock = clock
        self._queue: list[tuple[bytes, str]] = []

    def read_scan(self, timeout: float) -> Scan | None:
        deadline = self._clock() + timeout
        while True:
            if self._queue:
                raw, symbology = self._queue.pop(0)
                return accept_scan(raw, symbology, self._name, self._max_bytes)
            try:
                # Even with no time left one frame is read, so timeout=0 means "look once".
                frame = self.camera.read_frame(max(0.0, deadline - self._clock()))
            except DeviceTimeout:
                return None
            self._queue = [s for s in self.decoder.decode(frame) if self.repeats.admit(s[0])]
            if not self._queue and self._clock() >= deadline:
                return None

    def close(self) -> None:
        self.camera.close()


class SerialScanner(Scanner):
    """A scanner module in serial (virtual COM) mode sending one line per code.

    ``open_link`` opens the port (:func:`devices.urls.open_scanner` makes one from a URL);
    ``name`` is the source that scans report.
    """

    def __init__(
        self,
        open_link: LinkFactory,
        *,
        name: str = "serial",
        max_bytes: int = MAX_PAYLOAD_BYTES,
        repeats: RepeatFilter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = SerialPort(open_link, "scanner")
        self._lines = LineAssembler(max_bytes)
        self._pending: list[bytes | None] = []
        self._max_bytes = max_bytes
        # Scanner modules repeat a code held under them about once a second.
        self.repeats = repeats or RepeatFilter(hold_s=1.5, clock=clock)
        self._clock = clock
        self._name = name

    def read_scan(self, timeout: float) -> Scan | None:
        deadline = self._clock() + timeout
        while True:
            while self._pending:
                line = self._pending.pop(0)
                if line is None:
                    raise PayloadRejected(f"code too large (over {self._max_bytes} bytes)")
                if self.repeats.admit(line):
                    return accept_scan(line, "SERIAL", self._name, self._max_bytes)
            if self._clock() >= deadline:
                return None
            with self._port.link() as link:
                chunk = read_waiting(link)
            if chunk:
                self._pending.extend(self._lines.feed(chunk))

    def close(self) -> None:
        self._port.close()
