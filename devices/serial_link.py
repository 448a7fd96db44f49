"""Opening serial devices from pyserial URLs, with faults turned into device errors.

Drivers talk to a :class:`SerialLink` — the subset of ``serial.Serial`` they use — so
the simulators can hand them an in-process link instead of a port.
"""

from __future__ import annotations

import contextlib
import termios
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import serial

from .errors import DeviceUnavailable


class SerialLink(Protocol):
    """What a driver needs from a serial port."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


LinkFactory = Callable[[], SerialLink]

# What pyserial raises when a USB-serial adapter is pulled out or a pty's other end closes
# (termios.error comes from tcflush on a port whose device vanished; it is no OSError).
LINK_FAULTS = (serial.SerialException, OSError, termios.error)


def open_serial_url(
    url: str, baudrate: int, *, timeout: float = 0.05, write_timeout: float = 1.0
) -> SerialLink:
    """Open ``url`` (a device path or any pyserial URL such as ``socket://``, ``loop://``)."""
    try:
        port: SerialLink = serial.serial_for_url(
            url, baudrate=baudrate, timeout=timeout, write_timeout=write_timeout
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceUnavailable(f"cannot open serial port {url}: {exc}") from exc
    return port


def serial_url_factory(url: str, baudrate: int, *, timeout: float = 0.05) -> LinkFactory:
    """A factory that (re)opens ``url``, so a driver can recover after an unplug."""

    def factory() -> SerialLink:
        return open_serial_url(url, baudrate, timeout=timeout)

    return factory


def read_waiting(link: SerialLink) -> bytes:
    """What the port holds now, or the next byte within the port's timeout.

    ``read(n)`` blocks until n bytes or the timeout, so ask for what is waiting.
    """
    return link.read(max(1, link.in_waiting))


class SerialPort:
    """A driver's serial link: opened on first use, closed on a fault, reopened next time.

    ``device`` names the device in errors ("ID card reader disconnected: …"), so a pulled
    USB-serial adapter is one :class:`DeviceUnavailable` and the driver recovers by itself
    when the adapter comes back.
    """

    def __init__(self, open_link: LinkFactory, device: str) -> None:
        self._open_link = open_link
        self._device = device
        self._link: SerialLink | None = None

    @contextlib.contextmanager
    def link(self) -> Iterator[SerialLink]:
        """The open link for one exchange; a link fault inside closes it."""
        try:
            if self._link is None:
                self._link = self._open_link()
            yield self._link
        except LINK_FAULTS as exc:
            self.close()
            raise DeviceUnavailable(f"{self._device} disconnected: {exc}") from exc

    def close(self) -> None:
        """Close the link; the next :meth:`link` opens it again."""
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(*LINK_FAULTS):
                link.close()


class InProcessLink:
    """A serial link to a simulated device in the same process (no pty, no threads).

    ``handle`` is the device: request bytes in, answer bytes out.  Answers become readable
    after ``delay()`` seconds plus, when ``baudrate`` is given, the time their bytes would
    take on the wire.  Set ``unplugged`` to make every call fail as a pulled cable does.
    """

    def __init__(
        self,
        handle: Callable[[bytes], bytes],
        *,
        baudrate: int | None = None,
        delay: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._handle = handle
        self._delay = delay
        self.timeout: float | None = 0.05
        self._baudrate = baudrate
        self._pending: list[tuple[float, bytes]] = []
        self._buffer = bytearray()
        self._cond = threading.Condition()
        self.unplugged = False

    def _check(self) -> None:
        if self.unplugged:
            raise serial.SerialException("device disconnected")

    @property
    def in_waiting(self) -> int:
        self._check()
        with self._cond:
            self._release(time.monotonic())
            return len(self._buffer)

    def _release(self, now: float) -> None:
        while self._pending and self._pending[0][0] <= now:
            self._buffer += self._pending.pop(0)[1]

    def write(self, data: bytes, /) -> int:
        self._check()
        answer = self._handle(bytes(data))
        if answer:
            ready = time.monotonic() + self._delay()
            if self._baudrate:
                ready += len(answer) * 10 / self._baudrate
            with self._cond:
                self._pending.append((ready, answer))
                self._cond.notify_all()
        return len(data)

    def read(self, size: int = 1) -> bytes:
        self._check()
        deadline = time.monotonic() + (self.timeout or 0.0)
        with self._cond:
            while True:
                now = time.monotonic()
                self._release(now)
                if len(self._buffer) >= size or now >= deadline:
                    break
                wake = deadline
                if self._pending:
                    wake = min(wake, self._pending[0][0])
                self._cond.wait(max(0.0, wake - now))
                self._check()
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._buffer.clear()
            self._pending.clear()

    def close(self) -> None:
        """Nothing to release."""
