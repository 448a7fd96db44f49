"""Widgets shared by the caller's screens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from terminal.theme import Theme


def text_css(theme: Theme, size: int, *, bold: bool = False, colour: str = "") -> str:
    """Size, weight and colour as a widget's own style sheet.

    The application style sheet sets one font size for every QWidget, and a style sheet wins
    over setFont(): so sizes go in each widget's own style sheet.
    """
    css = f"font-size: {theme.px(size)}px; font-weight: {'bold' if bold else 'normal'};"
    return css + (f" color: {colour};" if colour else "")


class Text(QLabel):
    """A label of a fixed size whose colour changes (电子监察 yellow/red, link state)."""

    def __init__(
        self,
        theme: Theme,
        size: int,
        *,
        bold: bool = False,
        colour: str = "",
        centred: bool = False,
        text: str = "",
    ) -> None:
        super().__init__(text)
        self.theme, self.size_px, self.bold = theme, size, bold
        self.setFont(theme.font(size, bold=bold))
        if centred:
            self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paint(colour)

    def paint(self, colour: str = "") -> None:
        css = text_css(self.theme, self.size_px, bold=self.bold, colour=colour)
        self.setStyleSheet(f"QLabel {{ {css} background: transparent; }}")


def big_button(theme: Theme, text: str, size: int, *, height: int, extra: str = "") -> QPushButton:
    """A touch/keyboard button with its own text size; never takes the keyboard focus."""
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setMinimumHeight(theme.px(height))
    css = text_css(theme, size, bold=True)
    p = theme.palette
    button.setStyleSheet(
        f"QPushButton {{ {css} min-height: {theme.px(height)}px; }} {extra}"
        # A key that cannot act now must look it: greyed, not merely inert.
        f" QPushButton:disabled {{ color: {p.line}; background: {p.background};"
        f" border: 2px dashed {p.line}; }}"
    )
    return button
