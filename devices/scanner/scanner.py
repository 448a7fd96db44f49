"""Scanners: a camera with a decoder, a serial scanner module, and the repeat filter."""

from __future__ import annotations

import contextlib
import time
from abc import abstractmethod
from collections.abc import Callable

from ..camera.source import Camera
from ..device import Device
from ..errors import DeviceTimeout, DeviceUnavailable, PayloadRejected
from ..serial_link import LINK_FAULTS, LinkFactory, SerialLink, serial_url_factory
from .decode import FrameDecoder
from .payload import MAX_PAYLOAD_BYTES, Scan, accept_payload


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


def _admit(raw: bytes, symbology: str, source: str, max_bytes: int) -> Scan:
    return Scan(accept_payload(raw, max_bytes=max_bytes), raw, symbology, source)


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
                return _admit(raw, symbology, self._name, self._max_bytes)
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


class LineAssembler:
    """Splits a serial scanner's byte stream into payloads at CR, LF or CRLF.

    A line longer than ``max_bytes`` is dropped up to its terminator and reported as
    ``None`` so the caller can refuse it without buffering an endless stream.
    """

    def __init__(self, max_bytes: int = MAX_PAYLOAD_BYTES) -> None:
        self._buffer = bytearray()
        self._max = max_bytes
        self._overflow = False

    def feed(self, chunk: bytes) -> list[bytes | None]:
        """Add bytes; return completed lines (None for an over-long one)."""
        out: list[bytes | None] = []
        for byte in chunk:
            if byte in (0x0D, 0x0A):
                if self._overflow:
                    out.append(None)
                elif self._buffer:
                    out.append(bytes(self._buffer))
                self._buffer.clear()
                self._overflow = False
            elif not self._overflow:
                self._buffer.append(byte)
                if len(self._buffer) > self._max:
                    self._buffer.clear()
                    self._overflow = True
        return out


class SerialScanner(Scanner):
    """A scanner module in serial (virtual COM) mode sending one line per code."""

    def __init__(
        self,
        url: str | None = None,
        *,
        link_factory: LinkFactory | None = None,
        baudrate: int = 9600,
        max_bytes: int = MAX_PAYLOAD_BYTES,
        repeats: RepeatFilter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if link_factory is None:
            if url is None:
                raise ValueError("give a port URL or a link factory")
            link_factory = serial_url_factory(url, baudrate)
        self._open_link = link_factory
        self._link: SerialLink | None = None
        self._lines = LineAssembler(max_bytes)
        self._pending: list[bytes | None] = []
        self._max_bytes = max_bytes
        # Scanner modules repeat a code held under them about once a second.
        self.repeats = repeats or RepeatFilter(hold_s=1.5, clock=clock)
        self._clock = clock
        self._name = url or "serial"

    def read_scan(self, timeout: float) -> Scan | None:
        deadline = self._clock() + timeout
        while True:
            while self._pending:
                line = self._pending.pop(0)
                if line is None:
                    raise PayloadRejected(f"code too large (over {self._max_bytes} bytes)")
                if self.repeats.admit(line):
                    return _admit(line, "SERIAL", self._name, self._max_bytes)
            if self._clock() >= deadline:
                return None
            try:
                link = self._link or self._open_link()
                self._link = link
                chunk = link.read(max(1, link.in_waiting))
            except LINK_FAULTS as exc:
                self.close()
                raise DeviceUnavailable(f"scanner disconnected: {exc}") from exc
            if chunk:
                self._pending.extend(self._lines.feed(chunk))

    def close(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(*LINK_FAULTS):
                link.close()
