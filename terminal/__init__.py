"""What the kiosk, caller and display apps share: link, bootstrap, screens, theme, voice."""

from .pyside_refcount import protect_true

# PySide6 6.12's emit() leaks a reference to True: without this, long runs abort (see module).
protect_true()
