"""A small always-on-top caller for clerks who also work in a back-office system on one screen."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from terminal.formatting import duration_text, window_name
from terminal.theme import Theme, app_theme
from terminal.windows import waited_s

from .clerk import OFFLINE, CallerViewModel
from .clerk_view import CallerView, action_for_key, level_colour
from .desk import LABELS, ORDER, Action
from .widgets import Text, big_button


class CompactCallerView(QWidget):
    """The current number, its waiting time, the queue and eight small keys; stays on top.

    Pause and transfer need a choice: they bring the full caller window forward.
    """

    def __init__(self, model: CallerViewModel, full: CallerView, theme: Theme | None = None):
        super().__init__()
        self.model = model
        self.full = full
        theme = theme or app_theme()
        self.theme = theme
        self.setWindowTitle(f"叫号 · {model.window_id}")
        self.setWindowFlags(Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.number = Text(theme, 56, bold=True, colour=theme.palette.accent, text="—")
        self.detail = Text(theme, 20)
        self.detail.setWordWrap(True)
        self.message = Text(theme, 18)
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.number)
        top.addWidget(self.detail, 1)
        keys = QGridLayout()
        keys.setSpacing(4)
        self.buttons: dict[Action, QPushButton] = {}
        for i, action in enumerate(ORDER):
            label = LABELS[action]
            button = big_button(
                theme,
                f"{label.key} {label.text.zh}",
                20,
                height=40,
                extra="QPushButton { padding: 0 6px; }",
            )
            button.clicked.connect(lambda _c=False, a=action: self.press(a))
            keys.addWidget(button, i // 4, i % 4)
            self.buttons[action] = button
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(4)
        box.addLayout(top)
        box.addLayout(keys)
        box.addWidget(self.message)
        self._message_timer = QTimer(self, singleShot=True, interval=6000)
        self._message_timer.timeout.connect(self.message.clear)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        model.changed.connect(self.refresh)
        model.notice.connect(self._notice)
        self.resize(520, 210)
        self.refresh()

    def press(self, action: Action) -> None:
        if action in (Action.PAUSE, Action.TRANSFER) or not self.model.desk.signed_in:
            self.full.showNormal()
            self.full.raise_()
            self.full.activateWindow()
        self.full.press(action)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = action_for_key(event)
        if action is None:
            super().keyPressEvent(event)
            return
        if not event.isAutoRepeat():
            self.press(action)
        event.accept()

    def _notice(self, kind: str, zh: str, en: str) -> None:
        p = self.theme.palette
        self.message.paint(p.alarm if kind == "error" else p.highlight)
        self.message.setText(zh)
        self._message_timer.start()

    def refresh(self) -> None:
        m = self.model
        desk, th = m.desk, m.hall.thresholds
        waiting = sum(int(q["waiting"]) for q in m.window_queues()) + desk.transferred_in
        t = desk.current
        self.number.setText(t["number"] if t else ("暂停" if desk.status == "paused" else "—"))
        parts = [f"{window_name(m.window_id, desk.name)} · 等候 {waiting} 人"]
        colour = self.theme.palette.text
        if t is not None:
            waited = waited_s(t) or 0
            colour = level_colour(self.theme, th.level("wait", waited))
            parts.append(f"{t.get('matter') or m.hall.service_name(t['service'])[0]}")
            parts.append(f"已等候 {duration_text(waited)}")
        if not m.online:
            parts = [OFFLINE.zh]
            colour = self.theme.palette.alarm
        elif not desk.signed_in:
            parts.append("未登录 · 请在主窗口登录")
        self.detail.setText("\n".join(parts))
        self.detail.paint(colour)
        for action, button in self.buttons.items():
            button.setEnabled(m.allows(action))
