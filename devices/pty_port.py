"""Simulated serial devices on pseudo-terminals, for tools and benchmarks that need a
real port path (``hallq-devices sim KIND``)."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable


class PtyPort:
    """Serves a simulated serial device on a pseudo-terminal, paced at ``baudrate``.

    ``handle`` is the device (request bytes in, answer bytes out), ``delay()`` its
    thinking time.  ``start()`` returns the port path for any serial client; ``unplug()``
    closes the pty as a pulled USB-serial adapter would.  ``write()`` sends unsolicited
    bytes (a scanner module's lines).
    """

    def __init__(
        self,
        handle: Callable[[bytes], bytes],
        *,
        baudrate: int = 9600,
        pace: bool = True,
        delay: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._handle = handle
        self._delay = delay
        self._write_lock = threading.Lock()
        self._byte_time = 10 / baudrate if pace else 0.0
        self._master = -1
        self._slave = -1
        self._stop_r, self._stop_w = -1, -1
        self._thread: threading.Thread | None = None
        self.port = ""

    def start(self) -> str:
        """Open the pty and serve it in a daemon thread; return the port path."""
        self._master, self._slave = os.openpty()
        # Raw mode before any client opens it: no echo, no CR/LF translation of binary frames.
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, name="sam-pty", daemon=True)
        self._thread.start()
        return self.port

    def _serve(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master, self._stop_r], [], [])
            except (OSError, ValueError):
                return
            if self._stop_r in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            answer = self._handle(data)
            if answer:
                delay = self._delay()
                if delay:
                    time.sleep(delay)
                if not self.write(answer):
                    return

    def write(self, answer: bytes) -> bool:
        """Send bytes to the client at the line's pace; False once the pty is closed."""
        with self._write_lock:
            return self._write_paced(answer)

    def _write_paced(self, answer: bytes) -> bool:
        start = time.monotonic()
        sent = 0
        while sent < len(answer):
            chunk = answer[sent : sent + 64]
            try:
                os.write(self._master, chunk)
            except OSError:
                return False
            sent += len(chunk)
            # Pace against the start time so sleep overshoot does not accumulate.
            delay = start + sent * self._byte_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return True

    def unplug(self) -> None:
        """Close the pty under a connected client."""
        self.stop()

    def stop(self) -> None:
        """Stop serving and close every descriptor."""
        if self._stop_w >= 0:
            os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = self._stop_r = self._stop_w = -1

    def __enter__(self) -> PtyPort:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
