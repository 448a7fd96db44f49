"""Small pieces both display modes use: the header with the clock, the scrolling notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal.theme import Theme

WEEKDAYS_ZH = "一二三四五六日"


def clock_text(now: dt.datetime) -> tuple[str, str]:
    """("2026年11月25日 星期三", "10:50")."""
    return (
        f"{now.year}年{now.month}月{now.day}日 星期{WEEKDAYS_ZH[now.weekday()]}",
        now.strftime("%H:%M"),
    )


def label(text: str, font: QFont, colour: str, *, align: Qt.AlignmentFlag | None = None) -> QLabel:
    w = QLabel(text)
    w.setFont(font)
    w.setStyleSheet(f"color: {colour}; background: transparent;")
    if align is not None:
        w.setAlignment(align)
    return w


class Header(QWidget):
    """The hall's name on the left, date and time on the right; ticks every second."""

    def __init__(
        self, title: str, subtitle: str, theme: Theme, now: Callable[[], dt.datetime]
    ) -> None:
        super().__init__()
        self._now = now
        p = theme.palette
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"Header {{ background: {p.accent}; }}")
        self.title = label(title, theme.font(54, bold=True), p.on_accent)
        self.subtitle = label(subtitle, theme.font(24), p.on_accent)
        self.date = label("", theme.font(30), p.on_accent, align=Qt.AlignmentFlag.AlignRight)
        self.time = label(
            "",
            theme.font(60, bold=True),
            p.on_accent,
            align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        )
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        when = QVBoxLayout()
        when.setSpacing(0)
        when.addWidget(self.time)
        when.addWidget(self.date)
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(32), theme.px(4), theme.px(32), theme.px(4))
        row.addLayout(names, 1)
        row.addLayout(when)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(1000)
        self.tick()

    def tick(self) -> None:
        date, time = clock_text(self._now())
        self.date.setText(date)
        self.time.setText(time)


class Ticker(QWidget):
    """The hall's notice scrolling right to left, endlessly; still when it fits the width."""

    def __init__(self, text: str, theme: Theme, *, fps: int = 30, speed_px_s: int = 120) -> None:
        super().__init__()
        self._text = text
        self._font = theme.font(40)
        self._fg = QColor(theme.palette.text)
        self._bg = QColor(theme.palette.surface)
        self._offset = 0.0
        self._step = speed_px_s / fps
        self.setFixedHeight(theme.px(72))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._advance)
        self._timer.start(1000 // fps)

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        self._offset = 0.0
        self.update()

    def _text_width(self) -> float:
        return QFontMetricsF(self._font).horizontalAdvance(self._text + "　　　　")

    def _advance(self) -> None:
        width = self._text_width()
        if not self._text or width <= self.width():
            return
        self._offset = (self._offset + self._step) % width
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._bg)
        painter.setFont(self._font)
        painter.setPen(self._fg)
        width = self._text_width()
        flags = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        if width <= self.width():
            painter.drawText(QRectF(self.rect()).adjusted(24, 0, 0, 0), flags, self._text)
        else:
            x = -self._offset
            while x < self.width():
                painter.drawText(QRectF(x, 0, width, self.height()), flags, self._text)
                x += width
        painter.end()
