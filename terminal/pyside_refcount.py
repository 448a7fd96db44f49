"""Work around PySide6 6.12 reference-count bugs that abort long-running apps.

Two leaks of references the interpreter never gave away, measured on this build:
- ``SignalInstance.emit()`` returns ``True`` without taking a reference to it;
- every wrapped C++ ``void`` method (``QLabel.setText``, ``QCoreApplication.processEvents``…)
  returns ``None`` without taking a reference to it.
On CPython 3.11 neither ``True`` nor ``None`` is immortal: once its count reaches zero the
process dies with "Fatal Python error: bool_dealloc" / "none_dealloc" — at exit, or in the
middle of the day on a display that updates its labels every second.

:func:`protect_true` checks whether this PySide build has each bug and, if so, gives the object
enough references for 2**40 leaks.  Importing the ``terminal`` package applies it once, so every
app, tool and test that uses the terminal is covered.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

_HEADROOM = 2**40
_ROUNDS = 16


class _Probe(QObject):
    ping = Signal()


def _leaks(victim: object, action: Callable[[], object]) -> bool:
    """True when `action` drops a reference to `victim` each time (measured, not assumed)."""
    before = sys.getrefcount(victim)
    for _ in range(_ROUNDS):
        action()
    lost = before - sys.getrefcount(victim)
    if lost > 0:
        # Give back what the probe itself took.
        ctypes.c_ssize_t.from_address(id(victim)).value += lost
    return lost >= _ROUNDS


def emit_leaks_true() -> bool:
    """True when ``emit()`` drops a reference to ``True``."""
    probe = _Probe()
    return _leaks(True, probe.ping.emit)


def void_call_leaks_none() -> bool:
    """True when a wrapped C++ void method drops a reference to ``None``."""
    probe = _Probe()
    return _leaks(None, lambda: probe.setObjectName("probe"))


_applied = False


def protect_true() -> bool:
    """Apply the workarounds where needed (once per process); whether any was needed."""
    global _applied
    if _applied:
        return False
    _applied = True
    needed = False
    # ob_refcnt is the first field of every CPython object.
    if emit_leaks_true():
        ctypes.c_ssize_t.from_address(id(True)).value += _HEADROOM
        needed = True
    if void_call_leaks_none():
        ctypes.c_ssize_t.from_address(id(None)).value += _HEADROOM
        needed = True
    return needed
