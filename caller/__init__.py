"""The window caller: the clerk's terminal and the window-facing screen (双屏 / 好差评)."""

from .pyside_none import protect_none

# PySide6 6.12's void methods leak a reference to None: without this, a day's run aborts.
protect_none()
