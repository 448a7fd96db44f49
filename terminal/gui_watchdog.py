"""Measures how long the GUI thread stays blocked, for benches ("never block the GUI thread")."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class GuiWatchdog(QObject):
    """A fast timer on the GUI thread; any late tick is time the event loop was blocked.

    `max_blocked_ms` is the worst lateness seen since `start()` (or `reset()`), `stalls` counts
    ticks later than `stall_ms`.
    """

    def __init__(
        self, parent: QObject | None = None, *, tick_ms: int = 5, stall_ms: float = 50.0
    ) -> None:
        super().__init__(parent)
        self.tick_ms = tick_ms
        self.stall_ms = stall_ms
        self.max_blocked_ms = 0.0
        self.stalls = 0
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.reset()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self.max_blocked_ms = 0.0
        self.stalls = 0
        self._last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = (now - self._last) * 1000 - self.tick_ms
        self._last = now
        if late > self.max_blocked_ms:
            self.max_blocked_ms = late
        if late > self.stall_ms:
            self.stalls += 1
