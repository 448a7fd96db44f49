"""Blocking work (device IO, zeroconf) off the GUI thread, with results back on the GUI thread."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

Callbacks = tuple[Callable[[Any], None], Callable[[BaseException], None]]


class _Relay(QObject):
    """One object for the whole process, living in the GUI thread.

    Workers only ever emit on this object: a per-call QObject could lose its last reference
    in the worker thread after delivery and be destroyed there, which Qt does not allow.
    """

    finished = Signal(int, bool, object)

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, Callbacks] = {}
        self.finished.connect(self._deliver)

    @Slot(int, bool, object)
    def _deliver(self, key: int, ok: bool, value: object) -> None:
        on_done, on_error = self.waiting.pop(key)
        if ok:
            on_done(value)
        else:
            assert isinstance(value, BaseException)
            on_error(value)


_relay: _Relay | None = None
_keys = itertools.count()


def run_in_thread(
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run `fn(*args)` in a daemon thread; `on_done(result)` or `on_error(exc)` on this thread.

    Call it from the GUI thread (it needs a running Qt event loop there). One thread per call:
    device reads may block for long, so they must not starve each other in a small pool.
    """
    global _relay
    if _relay is None:
        _relay = _Relay()  # created here, so it belongs to the GUI thread
    relay = _relay
    key = next(_keys)
    relay.waiting[key] = (on_done, on_error)

    def work() -> None:
        try:
            value = fn(*args)
        except BaseException as exc:  # delivered to on_error, including device faults
            relay.finished.emit(key, False, exc)
        else:
            relay.finished.emit(key, True, value)

    threading.Thread(
        target=work, name=f"hallq-worker-{getattr(fn, '__name__', 'fn')}", daemon=True
    ).start()
