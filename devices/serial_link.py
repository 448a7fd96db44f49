"""Opening serial devices from pyserial URLs, with faults turned into device errors.

Drivers talk to a :class:`SerialLink` — the subset of ``serial.Serial`` they use — so
the simulators can hand them an in-process link instead of a port.
"""

from __future__ import annotations

import termios
from collections.abc import Callable
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
