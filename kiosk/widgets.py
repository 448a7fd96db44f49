"""Touch widgets the kiosk screens are built from: bilingual labels, big buttons, QR, keyboard."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import segno
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.theme import Theme

from .texts import Text


def bilingual_label(
    text: Text,
    lang: str,
    theme: Theme,
    size: int,
    *,
    bold: bool = False,
    colour: str | None = None,
    secondary_colour: str | None = None,
    secondary: bool = True,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
) -> QLabel:
    """The sentence in the chosen language, the other language smaller beneath it."""
    p = theme.palette
    main = f'<div style="font-size:{theme.px(size)}px; font-weight:{700 if bold else 400};'
    main += f' color:{colour or p.text}">{text.primary(lang)}</div>'
    if secondary and text.secondary(lang) != text.primary(lang):
        main += (
            f'<div style="font-size:{theme.px(max(18, size * 0.55))}px; '
            f'color:{secondary_colour or p.muted}">'
            f"{text.secondary(lang)}</div>"
        )
    label = QLabel(main)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setAlignment(align)
    label.setStyleSheet("background: transparent;")
    return label


class BigButton(QPushButton):
    """A large touch target: a primary line and a smaller secondary line."""

    def __init__(
        self,
        text: Text,
        lang: str,
        theme: Theme,
        on_click: Callable[[], None],
        *,
        size: int = 34,
        primary: bool = False,
        height: int = 120,
        name: str = "",
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(text.primary(lang))
        self.setProperty("primary", primary)
        self.setMinimumHeight(theme.px(height))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        colour = theme.palette.on_accent if primary else theme.palette.text
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(12), theme.px(8), theme.px(12), theme.px(8))
        label = bilingual_label(text, lang, theme, size, bold=True, colour=colour)
        if primary:
            label.setText(label.text().replace(theme.palette.muted, "#ffe4e4"))
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        box.addWidget(label)
        self.label = label
        # clicked(bool) would hand "checked" to the action: call it with no argument.
        self.clicked.connect(lambda: on_click())


def qr_image(payload: str, size_px: int) -> QImage:
    """The QR code as a black-on-white image about ``size_px`` square."""
    code = segno.make(payload, error="m", micro=False)
    modules = np.pad(np.array([list(row) for row in code.matrix], dtype=bool), 4)
    scale = max(1, size_px // modules.shape[0])
    pixels = np.where(modules, 0, 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def qr_label(payload: str, size_px: int) -> QLabel:
    """A label showing the QR code."""
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(qr_image(payload, size_px)))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


class PinyinKeyboard(QWidget):
    """An on-screen keyboard for pinyin initials (a kiosk has no physical keyboard)."""

    def __init__(
        self,
        theme: Theme,
        on_key: Callable[[str], None],
        on_delete: Callable[[], None],
        on_clear: Callable[[], None],
        clear_label: str,
    ) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(theme.px(8))
        for row, keys in enumerate(KEY_ROWS):
            for col, key in enumerate(keys):
                button = QPushButton(key)
                button.setObjectName(f"key-{key}")
                button.setMinimumHeight(theme.px(80))
                button.setFont(theme.font(36, bold=True))
                button.clicked.connect(lambda _=False, k=key: on_key(k.lower()))
                grid.addWidget(button, row, col * 2 + row, 1, 2)
        delete = QPushButton("⌫")
        delete.setObjectName("key-delete")
        delete.setMinimumHeight(theme.px(80))
        delete.setFont(theme.font(36, bold=True))
        delete.clicked.connect(on_delete)
        grid.addWidget(delete, 3, 16, 1, 2)
        clear = QPushButton(clear_label)
        clear.setObjectName("key-clear")
        clear.setMinimumHeight(theme.px(80))
        clear.clicked.connect(on_clear)
        grid.addWidget(clear, 3, 18, 1, 3)
