"""The bundled CJK font, so a bare machine renders Chinese (and not Japanese glyph shapes)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFontDatabase

from .assets import asset_path

log = logging.getLogger("hallq.fonts")

# Installed by setup.sh (fonts-wqy-microhei): used when the bundled font is missing.
SYSTEM_FALLBACK = "WenQuanYi Micro Hei"
_family: str | None = None


def register_fonts() -> str:
    """Register assets/fonts/*.otf|ttf with Qt; the family name of the CJK font to use.

    Needs a QGuiApplication. Registers once per process; later calls return the same family.
    """
    global _family
    if _family is not None:
        return _family
    families: list[str] = []
    for path in sorted(asset_path("fonts").glob("*.[ot]tf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path.name)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    cjk = [f for f in families if "SC" in f or "CJK" in f]
    if cjk:
        _family = cjk[0]
    elif SYSTEM_FALLBACK in QFontDatabase.families():
        log.warning("bundled CJK font missing: falling back to %s", SYSTEM_FALLBACK)
        _family = SYSTEM_FALLBACK
    else:
        log.error("no CJK font: Chinese will render as boxes")
        _family = families[0] if families else ""
    return _family
