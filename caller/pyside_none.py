"""Work around a second PySide6 6.12 reference-count bug: void methods leak a ref to None.

Every Qt method that returns nothing (``QLabel.setText``, ``QApplication.processEvents`` …)
hands ``None`` back without taking a reference to it.  On CPython 3.11 ``None`` is not
immortal, so a caller that repaints a few dozen labels a second drives its count to zero
within minutes and dies with "Fatal Python error: none_dealloc".  The terminal package covers
the same bug for ``True`` (``terminal.pyside_refcount``); this belongs next to it and lives
here until the terminal takes it.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject

_HEADROOM = 2**40


def void_call_leaks_none() -> bool:
    """True when a void Qt method drops a reference to None (measured, not assumed)."""
    probe = QObject()
    rounds = 16
    before = sys.getrefcount(None)
    for _ in range(rounds):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    if lost > 0:
        ctypes.c_ssize_t.from_address(id(None)).value += lost  # give back what the probe took
    return lost >= rounds


def protect_none() -> bool:
    """Apply the workaround where needed; returns whether it was needed."""
    if not void_call_leaks_none():
        return False
    # ob_refcnt is the first field of every CPython object.
    ctypes.c_ssize_t.from_address(id(None)).value += _HEADROOM
    return True
