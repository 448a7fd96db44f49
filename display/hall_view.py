"""Hall mode: the screen citizens watch — calls large and highlighted, queues, recent calls.

Sizes are for a 1920×1080 (or 1080×1920) screen of 55" or more: call numbers are 140 px tall
(≈ 9 cm on a 55" panel, readable at 10 m by the usual 1 in per 10 ft signage rule), window names
80 px. The view only renders a CallBoard; all behaviour lives in the board and controller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.formatting import wait_text, window_number
from terminal.theme import Theme

from . import texts as T
from .board import Call, CallBoard
from .widgets import Header, Ticker, label

TILES_LANDSCAPE = 6
TILES_PORTRAIT = 8
MAX_BILINGUAL_ROWS = 8


class CallTile(QFrame):
    """One call: the number above its window; highlighted while the call is fresh."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self.setObjectName("CallTile")
        self.number = label(
            "",
            theme.font(140, bold=True),
            theme.palette.highlight,
            align=Qt.AlignmentFlag.AlignCenter,
        )
        self.place = label(
            "", theme.font(80, bold=True), theme.palette.text, align=Qt.AlignmentFlag.AlignCenter
        )
        # The tile's height comes from the grid, not from the font's line height (Noto's is
        # 1.45 em, mostly CJK ascent a ticket number never uses): the text is centred in it.
        for text in (self.number, self.place):
            text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(12), theme.px(4), theme.px(12), theme.px(8))
        box.setSpacing(0)
        box.addWidget(self.number, 3)
        box.addWidget(self.place, 2)
        self.call: Call | None = None
        self.fresh = False
        self._paint(fresh=False)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Fit the text to the tile: as large as the tile allows, up to the design sizes."""
        super().resizeEvent(event)
        h, w = event.size().height(), event.size().width()
        number_px = min(self.theme.px(140), int(h * 0.52), int(w / 3.2))
        place_px = min(self.theme.px(80), int(h * 0.3), int(w / 6))
        for text, size in ((self.number, number_px), (self.place, place_px)):
            font = text.font()
            if font.pixelSize() != size:
                font.setPixelSize(max(12, size))
                text.setFont(font)

    def show_call(self, call: Call | None, fresh: bool) -> None:
        if call == self.call and fresh == self.fresh:
            return
        self.call = call
        self.number.setText(call.number if call else "")
        self.place.setText(f"{window_number(call.window_name)}号窗口" if call else "")
        self.setToolTip(call.window_name if call else "")
        if fresh != self.fresh:
            self._paint(fresh)
        self.fresh = fresh

    def _paint(self, fresh: bool) -> None:
        p = self.theme.palette
        bg, number, window = (
            (p.highlight, p.background, p.background) if fresh else (p.surface, p.highlight, p.text)
        )
        self.setStyleSheet(
            f"#CallTile {{ background: {bg}; border-radius: {self.theme.px(16)}px; }}"
        )
        self.number.setStyleSheet(f"color: {number}; background: transparent;")
        self.place.setStyleSheet(f"color: {window}; background: transparent;")


class QueuePanel(QWidget):
    """Per service: name (Chinese, English below), people waiting, estimated wait."""

    def __init__(self, board: CallBoard, theme: Theme) -> None:
        super().__init__()
        self.board = board
        p = theme.palette
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(theme.px(20), theme.px(8), theme.px(20), theme.px(8))
        grid.setHorizontalSpacing(theme.px(20))
        grid.setVerticalSpacing(theme.px(2))
        title = f"{T.WAITING.zh}  {T.WAITING.en}"
        grid.addWidget(label(title, theme.font(36, bold=True), p.muted), 0, 0, 1, 3)
        codes = [c for c in board.hall.services if board.shows(c)]
        # A whole hall's dozen services fit one line each; a zone's few also get English.
        bilingual = len(codes) <= MAX_BILINGUAL_ROWS
        size = 36 if bilingual else 32
        for i, code in enumerate(codes, start=1):
            service = board.hall.services[code]
            name = QWidget()
            names = QVBoxLayout(name)
            names.setContentsMargins(0, 0, 0, 0)
            names.setSpacing(0)
            names.addWidget(label(f"{code}  {service.name}", theme.font(size, bold=True), p.text))
            if bilingual:
                names.addWidget(label(service.name_en, theme.font(22), p.muted))
            waiting = label(
                "",
                theme.font(size + 6, bold=True),
                p.highlight,
                align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            )
            wait = label(
                "",
                theme.font(size - 4),
                p.text,
                align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            )
            grid.addWidget(name, i, 0)
            grid.addWidget(waiting, i, 1)
            grid.addWidget(wait, i, 2)
            self.rows[code] = (waiting, wait)
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(len(codes) + 1, 1)

    def refresh(self) -> None:
        for code, (waiting, wait) in self.rows.items():
            line = self.board.queues.get(code)
            waiting.setText(f"{line.waiting} 人" if line else "—")
            wait.setText(wait_text(line.estimated_wait_s) if line and line.waiting else "")


class HallView(QWidget):
    """The citizens' wall screen for one CallBoard, landscape or portrait."""

    def __init__(
        self,
        board: CallBoard,
        theme: Theme,
        *,
        portrait: bool = False,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__()
        self.board = board
        self.theme = theme
        self.portrait = portrait
        p = theme.palette
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"HallView {{ background: {p.background}; }}")
        hall = board.hall
        self.header = Header(hall.name, hall.name_en, theme, now or board.now)

        self.tiles = [
            CallTile(theme) for _ in range(TILES_PORTRAIT if portrait else TILES_LANDSCAPE)
        ]
        calls = QWidget()
        calls_box = QVBoxLayout(calls)
        left, right = (0, 0) if portrait else (theme.px(24), theme.px(12))
        calls_box.setContentsMargins(left, theme.px(8), right, theme.px(8))
        calls_title = f"{T.NOW_CALLING.zh}  {T.NOW_CALLING.en}"
        calls_box.addWidget(label(calls_title, theme.font(36, bold=True), p.muted))
        grid = QGridLayout()
        grid.setSpacing(theme.px(16))
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // 2, i % 2)
        calls_box.addLayout(grid, 1)

        self.queues = QueuePanel(board, theme)
        self.queues.setObjectName("QueuePanel")
        self.queues.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.queues.setStyleSheet(
            f"#QueuePanel {{ background: {p.surface}; border-radius: {theme.px(16)}px; }}"
        )

        middle = QVBoxLayout() if portrait else QHBoxLayout()
        middle.addWidget(calls, 3 if portrait else 62)
        middle.addWidget(self.queues, 2 if portrait else 38)
        middle.setContentsMargins(theme.px(24) if portrait else 0, 0, theme.px(24), 0)

        self.recent_labels = [
            label("", theme.font(34, bold=True), p.text) for _ in range(5 if portrait else 8)
        ]
        recent = QHBoxLayout()
        recent.setContentsMargins(theme.px(24), 0, theme.px(24), 0)
        recent.addWidget(label(f"{T.RECENT.zh} {T.RECENT.en}", theme.font(28), p.muted))
        for lab in self.recent_labels:
            recent.addWidget(lab, 1)

        self.ticker = Ticker(hall.notice, theme)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(12))
        box.addWidget(self.header)
        box.addLayout(middle, 1)
        box.addLayout(recent)
        box.addWidget(self.ticker)

        # Freshness runs out with time, not with events: re-check every second.
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)
        self.refresh()

    def refresh(self) -> None:
        calls = self.board.current_calls()
        for i, tile in enumerate(self.tiles):
            call = calls[i] if i < len(calls) else None
            tile.show_call(call, bool(call and self.board.is_fresh(call)))
        recent = list(self.board.recent)
        for i, lab in enumerate(self.recent_labels):
            call = recent[i] if i < len(recent) else None
            lab.setText(f"{call.number} ▸ {window_number(call.window_name)}" if call else "")
        self.queues.refresh()
        hall = self.board.hall  # a manager may have renamed the hall or changed its notice
        if (self.header.title.text(), self.ticker.text) != (hall.name, hall.notice):
            self.header.title.setText(hall.name)
            self.header.subtitle.setText(hall.name_en)
            self.ticker.set_text(hall.notice)
