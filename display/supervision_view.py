"""Supervision mode (电子监察): every window, queue and alert at a glance, for hall managers.

Yellow and red follow the hall's thresholds (GET /hall `thresholds`); alerts stay listed until
a manager touches "确认" on the screen. The view only renders the SupervisionBoard.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.formatting import duration_text
from terminal.theme import Theme

from . import texts as T
from .board import Alert, SupervisionBoard, WindowRow
from .controller import DisplayController
from .widgets import Header, label

MAX_ALERT_ROWS = 3  # what fits beside the queues on 1080 lines; the count shows the rest
ALERT_TEXT = {
    "wait": "{number} 等候超时 {elapsed}",
    "handling": "{window}号窗口 {number} 办理超时 {elapsed}",
    "pause": "{window}号窗口 暂停超时 {elapsed}",
    "bad_review": "{window}号窗口 {number} 差评{reasons}",
}
REASONS_ZH = {
    "attitude": "态度",
    "efficiency": "效率",
    "one_time_notice": "一次告知",
    "environment": "环境",
    "other": "其他",
}


def alert_text(alert: Alert) -> str:
    template = ALERT_TEXT.get(alert.kind, "{kind}")
    reasons = "、".join(REASONS_ZH.get(r, r) for r in alert.reasons)
    return template.format(
        number=alert.number,
        window=alert.window or "",
        elapsed=duration_text(alert.seconds),
        reasons=f"（{reasons}）" if reasons else "",
        kind=alert.kind,
    )


class WindowCard(QFrame):
    """One window: status, clerk, current ticket, its times; framed by its worst level."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        p = theme.palette
        self.setObjectName("WindowCard")
        self.name = label("", theme.font(28, bold=True), p.text)
        self.status = label(
            "",
            theme.font(22, bold=True),
            p.text,
            align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        )
        self.clerk = label("", theme.font(22), p.muted)
        self.number = label("", theme.font(44, bold=True), p.highlight)
        self.times = label("", theme.font(22), p.text)
        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        top.addWidget(self.status)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(14), theme.px(8), theme.px(14), theme.px(8))
        box.setSpacing(theme.px(2))
        box.addLayout(top)
        box.addWidget(self.clerk)
        box.addWidget(self.number)
        box.addWidget(self.times)
        self.level = ""
        self.row: WindowRow | None = None

    def show_row(self, row: WindowRow) -> None:
        p = self.theme.palette
        self.row = row
        self.name.setText(row.name.split()[0] if row.name else row.id)
        status = T.WINDOW_STATUS.get(row.status)
        self.status.setText(f"{status.zh} {status.en}" if status else row.status)
        colour = {"open": p.ok, "paused": p.warn}.get(row.status, p.muted)
        self.status.setStyleSheet(f"color: {colour}; background: transparent;")
        self.clerk.setText(row.clerk_name or "—")
        self.number.setText(
            row.number or ("" if row.status != "open" else f"{T.IDLE.zh} {T.IDLE.en}")
        )
        if row.status == "paused":
            reason = f" {row.pause_reason}" if row.pause_reason else ""
            back = f" · {row.back.zh}" if row.back else ""
            self.times.setText(f"暂停 {duration_text(row.paused_s)}{reason}{back}")
        elif row.number:
            self.times.setText(
                f"等候 {duration_text(row.waited_s)}  办理 {duration_text(row.handling_s)}"
            )
        else:
            self.times.setText("")
        level = row.level
        if level != self.level:
            self.level = level
            border = {"red": p.alarm, "yellow": p.warn}.get(level, p.line)
            width = self.theme.px(6 if level != "ok" else 2)
            self.setStyleSheet(
                f"#WindowCard {{ background: {p.surface}; border: {width}px solid "
                f"{border}; border-radius: {self.theme.px(12)}px; }}"
            )


class AlertRow(QFrame):
    """An alert and its "确认" button; touching it acknowledges the alert."""

    def __init__(self, alert: Alert, theme: Theme, on_ack: object) -> None:
        super().__init__()
        p = theme.palette
        self.alert = alert
        colour = p.alarm if alert.level == "red" else p.warn
        self.setObjectName("AlertRow")
        self.setStyleSheet(
            f"#AlertRow {{ background: {p.surface}; border-left: "
            f"{theme.px(10)}px solid {colour}; }}"
        )
        self.text = label(alert_text(alert), theme.font(26, bold=True), p.text)
        when = label(alert.at.strftime("%H:%M"), theme.font(22), p.muted)
        self.ack = QPushButton(f"{T.ACKNOWLEDGE.zh} {T.ACKNOWLEDGE.en}")
        self.ack.setFont(theme.font(24, bold=True))
        self.ack.setMinimumHeight(theme.px(64))
        self.ack.setStyleSheet(
            f"QPushButton {{ background: {p.background}; color: {p.text}; "
            f"border: 2px solid {p.line}; border-radius: {theme.px(8)}px; "
            f"min-height: {theme.px(64)}px; padding: 0 {theme.px(16)}px; }}"
        )
        self.ack.clicked.connect(lambda: on_ack(alert.seq))  # type: ignore[operator]
        self.setMinimumHeight(theme.px(72))
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(16), theme.px(4), theme.px(8), theme.px(4))
        row.addWidget(when)
        row.addWidget(self.text, 1)
        row.addWidget(self.ack)


class SupervisionView(QWidget):
    """The 电子监察 screen: figures, window cards, queues, alerts."""

    def __init__(self, controller: DisplayController, theme: Theme) -> None:
        super().__init__()
        self.controller = controller
        self.board: SupervisionBoard = controller.watch
        self.theme = theme
        p = theme.palette
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"SupervisionView {{ background: {p.background}; }}")
        hall = self.board.hall
        self.header = Header(
            f"{T.SUPERVISION.zh}  {hall.name}",
            f"{T.SUPERVISION.en} · {hall.name_en}",
            theme,
            self.board.now,
        )

        self.figures: dict[str, QLabel] = {}
        figures = QHBoxLayout()
        figures.setContentsMargins(theme.px(24), 0, theme.px(24), 0)
        for key, title in (
            ("issued", T.ISSUED),
            ("served", T.SERVED),
            ("no_show", T.NO_SHOWS),
            ("avg_wait", T.AVERAGE_WAIT),
            ("satisfaction", T.SATISFACTION),
        ):
            box = QVBoxLayout()
            box.setSpacing(0)
            box.addWidget(label(f"{title.zh} {title.en}", theme.font(22), p.muted))
            value = label("—", theme.font(48, bold=True), p.text)
            box.addWidget(value)
            self.figures[key] = value
            figures.addLayout(box, 1)
        self.figures_note = label("", theme.font(20), p.muted)

        self.cards: dict[str, WindowCard] = {}
        cards = QGridLayout()
        cards.setSpacing(theme.px(12))
        for i, wid in enumerate(sorted(self.board.windows, key=lambda w: (len(w), w))):
            card = WindowCard(theme)
            self.cards[wid] = card
            cards.addWidget(card, i // 4, i % 4)

        self.queue_rows: dict[str, tuple[QLabel, QLabel]] = {}
        # The queue table takes what the alerts leave (Ignored: it never pushes the window past
        # the screen; on a small screen its last rows are cut rather than the window cards).
        queue_table = QWidget()
        queue_table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        queues = QGridLayout(queue_table)
        queues.setContentsMargins(0, 0, 0, 0)
        queues.setVerticalSpacing(0)
        right_aligned = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        # Headers aligned as their figures are: right, over their own column.
        self.queue_headers = [
            label(f"{T.QUEUE.zh} {T.QUEUE.en}", theme.font(22), p.muted),
            label(
                f"{T.QUEUE_WAITING.zh} {T.QUEUE_WAITING.en}",
                theme.font(22),
                p.muted,
                align=right_aligned,
            ),
            label(
                f"{T.QUEUE_LONGEST.zh} {T.QUEUE_LONGEST.en}",
                theme.font(22),
                p.muted,
                align=right_aligned,
            ),
        ]
        for column, header in enumerate(self.queue_headers):
            queues.addWidget(header, 0, column)
        queues.setColumnStretch(0, 1)
        queues.setHorizontalSpacing(theme.px(24))
        for i, (code, service) in enumerate(hall.services.items(), start=1):
            queues.addWidget(label(f"{code} {service.name}", theme.font(22), p.text), i, 0)
            waiting = label("", theme.font(22, bold=True), p.text, align=right_aligned)
            longest = label("", theme.font(22, bold=True), p.text, align=right_aligned)
            queues.addWidget(waiting, i, 1)
            queues.addWidget(longest, i, 2)
            self.queue_rows[code] = (waiting, longest)

        self.alerts_title = label("", theme.font(26, bold=True), p.text)
        self.alerts_box = QVBoxLayout()
        self.alerts_box.setSpacing(theme.px(6))
        self.alert_rows: list[AlertRow] = []
        self._shown_alerts: tuple[int, ...] = ()

        # Alerts first: they are what a manager must act on; the queue table can give way.
        right = QVBoxLayout()
        right.addWidget(self.alerts_title)
        right.addLayout(self.alerts_box)
        right.addSpacing(theme.px(12))
        right.addWidget(queue_table, 1)
        middle = QHBoxLayout()
        middle.setContentsMargins(theme.px(24), 0, theme.px(24), theme.px(16))
        middle.setSpacing(theme.px(24))
        middle.addLayout(cards, 62)
        middle.addLayout(right, 38)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(10))
        box.addWidget(self.header)
        box.addLayout(figures)
        box.addWidget(self.figures_note)
        box.addLayout(middle, 1)
        self.figures_note.setContentsMargins(theme.px(24), 0, 0, 0)

        self._timer = QTimer(self)  # waiting and handling times grow every second
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)
        self.refresh()

    def refresh(self) -> None:
        p = self.theme.palette
        for row in self.board.window_rows():
            card = self.cards.get(row.id)
            if card is not None:
                card.show_row(row)
        for qrow in self.board.queue_rows():
            waiting, longest = self.queue_rows[qrow.line.service.code]
            waiting.setText(str(qrow.line.waiting))
            longest.setText(duration_text(qrow.line.longest_wait_s) if qrow.line.waiting else "—")
            colour = {"red": p.alarm, "yellow": p.warn}.get(qrow.level, p.text)
            longest.setStyleSheet(f"color: {colour}; background: transparent;")
        self._show_figures()
        self._show_alerts()

    def _show_figures(self) -> None:
        today = self.board.figures
        f = today.figures
        self.figures["issued"].setText(str(f.issued))
        self.figures["served"].setText(str(f.served))
        self.figures["no_show"].setText(str(f.no_show))
        self.figures["avg_wait"].setText(duration_text(f.avg_wait_s))
        rate = f.satisfaction_rate
        self.figures["satisfaction"].setText(f"{rate:.1%}" if rate is not None else "—")
        if today.since is not None:
            since = today.since.astimezone(self.board.hall.zone)
            note = T.COUNTED_SINCE.format(since=f"{since:%H:%M}")
            self.figures_note.setText(f"{note.zh}· {note.en}")
        else:
            self.figures_note.setText(
                f"{today.day.isoformat()} {T.WHOLE_DAY.zh} · {T.WHOLE_DAY.en}"
            )

    def _show_alerts(self) -> None:
        alerts = self.board.open_alerts()
        self.alerts_title.setText(f"{T.ALERTS.zh} {T.ALERTS.en}（{len(alerts)}）")
        shown = tuple(a.seq for a in alerts[:MAX_ALERT_ROWS])
        if shown == self._shown_alerts:
            return
        self._shown_alerts = shown
        for row in self.alert_rows:
            self.alerts_box.removeWidget(row)
            row.deleteLater()
        self.alert_rows = [
            AlertRow(a, self.theme, self.controller.acknowledge) for a in alerts[:MAX_ALERT_ROWS]
        ]
        for row in self.alert_rows:
            self.alerts_box.addWidget(row)
            row.show()  # a child added to a visible widget stays hidden unless shown
