"""Colours and sizes for the hall's screens: high contrast, big text, an elder (适老化) scale.

Sizes are pixels on a 1920×1080 screen; `Theme.px()` scales them for the elder mode, and apps
that run on other resolutions scale with `Theme(scale=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# Text 1.35× larger in 适老化 mode (GB/T 37668 asks for resizable text, ≥ 1.3× is common).
ELDER_SCALE = 1.35


@dataclass(frozen=True)
class Palette:
    """Named colours (#rrggbb) of one look."""

    background: str
    surface: str
    text: str
    muted: str
    accent: str  # 政务 red: titles, primary buttons
    on_accent: str
    highlight: str  # a new call, the focused element
    ok: str
    warn: str  # yellow by the supervision thresholds
    alarm: str  # red by the supervision thresholds
    line: str


# Wall displays: light text on a dark blue, readable across a hall and kind to LCD burn-in.
HALL_DARK = Palette(
    background="#0a1f3c",
    surface="#13325c",
    text="#ffffff",
    muted="#a9bdd8",
    accent="#c8161d",
    on_accent="#ffffff",
    highlight="#ffd23f",
    ok="#34c759",
    warn="#ffb020",
    alarm="#ff3b30",
    line="#2b4f80",
)
# Kiosks and callers: dark text on white, like paper forms.
HALL_LIGHT = Palette(
    background="#f4f6fa",
    surface="#ffffff",
    text="#111827",
    muted="#4b5563",
    accent="#c8161d",
    on_accent="#ffffff",
    highlight="#0a5bd3",
    ok="#1a7f37",
    warn="#b26a00",
    alarm="#c8161d",
    line="#d1d5db",
)


@dataclass(frozen=True)
class Theme:
    """A palette, a font family and a size scale (1.0, or ELDER_SCALE in 适老化 mode)."""

    palette: Palette = HALL_LIGHT
    family: str = ""
    scale: float = 1.0
    body_px: int = 28
    title_px: int = 44
    touch_px: int = 88  # minimum height of anything touched (well above the 9 mm guideline)

    def px(self, size: float) -> int:
        return round(size * self.scale)

    def font(self, size_px: float, *, bold: bool = False) -> QFont:
        font = QFont(self.family) if self.family else QFont()
        font.setPixelSize(max(1, self.px(size_px)))
        font.setBold(bold)
        return font

    def fitted(self, width: int, height: int) -> Theme:
        """The same look scaled from the 1920×1080 design (1080×1920 when portrait) to a screen."""
        design_w, design_h = (1080, 1920) if height > width else (1920, 1080)
        return replace(self, scale=self.scale * min(width / design_w, height / design_h))

    def elder(self) -> Theme:
        """The same look with 适老化 sizes."""
        return replace(self, scale=self.scale * ELDER_SCALE)

    def colour(self, name: str) -> QColor:
        return QColor(getattr(self.palette, name))

    def stylesheet(self) -> str:
        """Application-wide defaults for controls; views add their own specifics.

        No font-size and no background on QWidget here: a style sheet font overrides every
        setFont() below it, and a background rule would make every container opaque. The
        default font comes from `apply()` (app.setFont), backgrounds from the palette.
        """
        p = self.palette
        return f"""
            QWidget {{ color: {p.text}; }}
            QPushButton {{ background: {p.surface}; color: {p.text}; border: 2px solid {p.line};
                           border-radius: {self.px(12)}px; min-height: {self.px(self.touch_px)}px;
                           padding: 0 {self.px(24)}px; }}
            QPushButton:focus {{ border: 4px solid {p.highlight}; }}
            QPushButton[primary="true"] {{ background: {p.accent}; color: {p.on_accent};
                                          border-color: {p.accent}; }}
            QLineEdit {{ background: {p.surface}; color: {p.text}; border: 2px solid {p.line};
                         min-height: {self.px(self.touch_px - 16)}px; padding: 0 {self.px(12)}px; }}
        """

    def apply(self, app: QApplication) -> None:
        """Font, palette and stylesheet for the whole application."""
        app.setFont(self.font(self.body_px))
        pal = app.palette()
        pal.setColor(QPalette.ColorRole.Window, self.colour("background"))
        pal.setColor(QPalette.ColorRole.WindowText, self.colour("text"))
        pal.setColor(QPalette.ColorRole.Base, self.colour("surface"))
        pal.setColor(QPalette.ColorRole.Text, self.colour("text"))
        pal.setColor(QPalette.ColorRole.Highlight, self.colour("highlight"))
        app.setPalette(pal)
        app.setStyleSheet(self.stylesheet())


def app_theme() -> Theme:
    """The theme `start_application` installed, or the light default (tests, tools)."""
    app = QApplication.instance()
    theme = app.property("hallq_theme") if app is not None else None
    return theme if isinstance(theme, Theme) else Theme()
