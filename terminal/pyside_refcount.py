"""Work around a PySide6 6.12 reference-count bug that aborts long-running apps.

``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so each emit
from Python drops one reference the interpreter never gave away.  On CPython 3.11 ``True``
is not immortal: after a few hundred emits its count reaches zero and the process dies with
"Fatal Python error: bool_dealloc" — at exit, or in the middle of the day on a kiosk that
relays device reads, camera frames and hall events through signals.

:func:`protect_true` checks whether this PySide build has the bug and, if so, gives
``True`` enough references for 2**40 emits.  Importing the ``terminal`` package applies it
once, so every app, tool and test that uses the terminal's signals is covered.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_HEADROOM = 2**40


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    """True when ``emit()`` drops a reference to ``True`` (measured, not assumed)."""
    probe = _Probe()
    rounds = 16
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        # Give back what the probe itself took.
        ctypes.c_ssize_t.from_address(id(True)).value += lost
    return lost >= rounds


_applied = False


def protect_true() -> bool:
    """Apply the workaround where needed (once per process); returns whether it was needed."""
    global _applied
    if _applied or not emit_leaks_true():
        return False
    # ob_refcnt is the first field of every CPython object.
    ctypes.c_ssize_t.from_address(id(True)).value += _HEADROOM
    _applied = True
    return True
