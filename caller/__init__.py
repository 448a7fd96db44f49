"""The window caller: the clerk's terminal and the window-facing screen (双屏 / 好差评)."""

# Importing terminal applies its PySide6 6.12 reference-count workarounds (True and None).
import terminal  # noqa: F401
