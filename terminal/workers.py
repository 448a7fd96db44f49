"""Blocking work (device IO, zeroconf) off the GUI thread, with results back on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot


class _Relay(QObject):
    """Lives in the calling (GUI) thread; a signal emitted from the worker is queued to it."""

    finished = Signal(bool, object)

    def __init__(
        self, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self.finished.connect(self._deliver)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        _pending.discard(self)
        if ok:
            self._on_done(value)
        else:
            assert isinstance(value, BaseException)
            self._on_error(value)


# Relays waiting for their worker; holding them here keeps them alive until delivery.
_pending: set[_Relay] = set()


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
    relay = _Relay(on_done, on_error)
    _pending.add(relay)

    def work() -> None:
        try:
            value = fn(*args)
        except BaseException as exc:  # delivered to on_error, including device faults
            relay.finished.emit(False, exc)
        else:
            relay.finished.emit(True, value)

    threading.Thread(
        target=work, name=f"hallq-worker-{getattr(fn, '__name__', 'fn')}", daemon=True
    ).start()
