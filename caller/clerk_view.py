"""The clerk's screen: sign in, the current ticket large, queues, today's figures, eight keys.

Thin widgets over `CallerViewModel`: every label is repainted from the view model on its
`changed` signal; every key and button only asks the view model to act.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.formatting import duration_text, window_name
from terminal.theme import Theme, app_theme
from terminal.windows import handling_s, seconds_between, waited_s

from . import texts as T
from .clerk import OFFLINE, CallerViewModel
from .desk import LABELS, ORDER, Action
from .targets import PAUSE_MINUTES, PAUSE_REASONS, TransferTarget, search
from .widgets import Text, big_button, text_css

_FUNCTION_KEYS = {
    Qt.Key.Key_F1: 0, Qt.Key.Key_F2: 1, Qt.Key.Key_F3: 2, Qt.Key.Key_F4: 3,
    Qt.Key.Key_F5: 4, Qt.Key.Key_F6: 5, Qt.Key.Key_F7: 6, Qt.Key.Key_F8: 7,
}  # fmt: skip
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(10)}
KEYS = "①②③④⑤⑥"  # the key of each choice: a circled digit does not run into "5 分钟"


def action_for_key(event: QKeyEvent) -> Action | None:
    """F1…F8, or the digits 1…8 of the numeric keypad (as many USB caller keypads send)."""
    key = Qt.Key(event.key())
    if key in _FUNCTION_KEYS:
        return ORDER[_FUNCTION_KEYS[key]]
    keypad = bool(event.modifiers() & Qt.KeyboardModifier.KeypadModifier)
    n = _DIGITS.get(key)
    if keypad and n is not None and 1 <= n <= len(ORDER):
        return ORDER[n - 1]
    return None


def level_colour(theme: Theme, level: str) -> str:
    """The colour of a 电子监察 level ("ok", "yellow", "red") on the clerk's screens."""
    p = theme.palette
    return {"ok": p.text, "yellow": p.warn, "red": p.alarm}[level]


class SignInPage(QWidget):
    """Clerk id and PIN; Enter moves on and signs in."""

    def __init__(self, model: CallerViewModel, theme: Theme) -> None:
        super().__init__()
        self.model = model
        self.title = Text(theme, 56, text="", bold=True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = Text(theme, 28, text=f"{T.SIGN_IN_HINT.zh} · {T.SIGN_IN_HINT.en}",
                      colour=theme.palette.muted)  # fmt: skip
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clerk = QLineEdit()
        self.clerk.setPlaceholderText(f"{T.CLERK_ID.zh} {T.CLERK_ID.en}")
        self.pin = QLineEdit()
        self.pin.setPlaceholderText(f"{T.PIN.zh} {T.PIN.en}")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        for field in (self.clerk, self.pin):
            field.setStyleSheet(f"QLineEdit {{ {text_css(theme, 40)} }}")
        self.clerk.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self.submit)
        self.button = big_button(theme, f"{T.SIGN_IN.zh} {T.SIGN_IN.en}", 36, height=100)
        self.button.setProperty("primary", True)
        self.button.clicked.connect(self.submit)
        form = QVBoxLayout()
        form.setSpacing(theme.px(20))
        form.addStretch(1)
        for w in (self.title, hint, self.clerk, self.pin, self.button):
            form.addWidget(w)
        form.addStretch(2)
        box = QHBoxLayout(self)
        box.addStretch(1)
        box.addLayout(form, 2)
        box.addStretch(1)

    def submit(self) -> None:
        if not self.clerk.text().strip():
            self.clerk.setFocus()
            return
        if not self.pin.text():
            self.pin.setFocus()
            return
        self.model.sign_in(self.clerk.text().strip(), self.pin.text())
        self.pin.clear()

    def refresh(self) -> None:
        self.title.setText(
            f"{window_name(self.model.window_id, self.model.desk.name)}"
            f" · {T.WINDOW_SIGN_IN.zh} {T.WINDOW_SIGN_IN.en}"
        )
        self.button.setEnabled(self.model.in_flight is None)


class TicketCard(QFrame):
    """The current ticket, readable from a step back."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        p = theme.palette
        self.setObjectName("ticketCard")
        self.setStyleSheet(
            f"#ticketCard {{ background: {p.surface}; border: 2px solid {p.line};"
            f" border-radius: {theme.px(16)}px; }}"
        )
        self.number = Text(theme, 160, text="—", bold=True, colour=p.accent)
        self.status = Text(theme, 36, text="", bold=True)
        self.matter = Text(theme, 36, text="")
        self.matter.setWordWrap(True)
        self.holder = Text(theme, 32, text="")
        self.channel = Text(theme, 30, text="")
        self.waited = Text(theme, 36, text="", bold=True)
        self.handling = Text(theme, 36, text="", bold=True)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(32), theme.px(24), theme.px(32), theme.px(24))
        top = QHBoxLayout()
        top.addWidget(self.number)
        top.addStretch(1)
        top.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(top)
        box.addWidget(self.matter)
        info = QHBoxLayout()
        info.addWidget(self.holder)
        info.addSpacing(theme.px(32))
        info.addWidget(self.channel)
        info.addStretch(1)
        box.addLayout(info)
        times = QHBoxLayout()
        times.addWidget(self.waited)
        times.addSpacing(theme.px(48))
        times.addWidget(self.handling)
        times.addStretch(1)
        box.addLayout(times)
        box.addStretch(1)

    def refresh(self, model: CallerViewModel) -> None:
        t = model.desk.current
        p, th = self.theme.palette, model.hall.thresholds
        if t is None:
            paused = model.desk.status == "paused"
            self.number.setText("暂停" if paused else "—")
            reason = model.desk.pause_reason
            back = model.desk.back()
            extra = "".join(f" · {x}" for x in (reason, back and back.zh) if x)
            self.status.setText(f"{T.PAUSED.zh} {T.PAUSED.en}{extra}"
                                if paused else f"{T.IDLE.zh} {T.IDLE.en}")  # fmt: skip
            for label in (self.matter, self.holder, self.channel, self.waited, self.handling):
                label.setText("")
            self._paint_pause(model)
            return
        zh, en = model.hall.service_name(t["service"])
        self.number.setText(t["number"])
        recalls = f" · 重呼 {t['recalls']} 次" if t.get("recalls") else ""
        status = T.TICKET_STATUS.get(t["status"])
        self.status.setText(f"{f'{status.zh} {status.en}' if status else t['status']}{recalls}")
        self.status.paint(p.highlight)
        self.matter.setText(f"{t.get('matter') or zh} · {en}")
        self.holder.setText(f"申请人 {t['holder']}" if t.get("holder") else "申请人 未登记")
        source = t.get("transferred_from")
        transferred = f" · 由{source}号窗口转入" if source else ""
        channel = T.CHANNELS.get(t.get("channel") or "normal")
        self.channel.setText((f"{channel.zh} {channel.en}" if channel else "") + transferred)
        waited = waited_s(t)
        if waited is not None:
            lvl = th.level("wait", waited)
            self.waited.setText(f"{T.WAITED.zh} {T.WAITED.en} {duration_text(waited)}")
            self.waited.paint(level_colour(self.theme, lvl))
        handled = handling_s(t, model.now())
        if handled is not None:
            lvl = th.level("handling", handled)
            self.handling.setText(f"{T.HANDLING.zh} {T.HANDLING.en} {duration_text(handled)}")
            self.handling.paint(level_colour(self.theme, lvl))

    def _paint_pause(self, model: CallerViewModel) -> None:
        paused_at = model.desk.paused_at
        if model.desk.status != "paused" or paused_at is None:
            self.status.paint(self.theme.palette.muted)
            return
        seconds = seconds_between(paused_at, model.now()) or 0
        th = model.hall.thresholds
        lvl = th.level("pause", seconds)
        self.handling.setText(f"{T.PAUSED_FOR.zh} {T.PAUSED_FOR.en} {duration_text(seconds)}")
        self.handling.paint(level_colour(self.theme, lvl))
        self.status.paint(self.theme.palette.warn)


class FiguresPanel(QFrame):
    """Queue lengths of the window's services and today's figures for this window."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        p = theme.palette
        self.setObjectName("figures")
        self.setStyleSheet(
            f"#figures {{ background: {p.surface}; border: 2px solid {p.line};"
            f" border-radius: {theme.px(16)}px; }}"
        )
        self.queues = Text(theme, 30, text="")
        self.queues.setTextFormat(Qt.TextFormat.RichText)
        self.today = Text(theme, 30, text="")
        self.today.setTextFormat(Qt.TextFormat.RichText)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(24), theme.px(20), theme.px(24), theme.px(20))
        box.addWidget(Text(theme, 32, text=f"{T.WAITING.zh} {T.WAITING.en}", bold=True))
        box.addWidget(self.queues)
        box.addSpacing(theme.px(16))
        box.addWidget(Text(theme, 32, text=f"{T.TODAY.zh} {T.TODAY.en}", bold=True))
        box.addWidget(self.today)
        box.addStretch(1)

    def refresh(self, model: CallerViewModel) -> None:
        th = model.hall.thresholds
        rows = []
        for q in model.window_queues():
            zh, _en = model.hall.service_name(q["service"])
            longest = int(q.get("longest_wait_s") or 0)
            colour = level_colour(self.theme, th.level("wait", longest))
            longest_text = f"最长 {duration_text(longest)}" if q["waiting"] else ""
            rows.append(
                f"<tr><td><b>{q['service']}</b> {zh}</td>"
                f"<td align=right>&nbsp;&nbsp;<b>{q['waiting']}</b> 人</td>"
                f"<td align=right style='color:{colour}'>&nbsp;&nbsp;{longest_text}</td></tr>"
            )
        if model.desk.transferred_in:
            rows.append(
                f"<tr><td>{T.TRANSFERRED_IN.zh} {T.TRANSFERRED_IN.en}</td>"
                f"<td align=right>&nbsp;&nbsp;<b>{model.desk.transferred_in}</b> 人</td></tr>"
            )
        self.queues.setText(f"<table width=100%>{''.join(rows)}</table>")
        c = model.figures()
        rate = f"{c.satisfaction_rate:.0%}" if c.satisfaction_rate is not None else "—"
        alarm = self.theme.palette.alarm
        bad = f" <span style='color:{alarm}'>差评 {c.bad}</span>" if c.bad else ""
        out = model.transferred_out()
        self.today.setText(
            f"{T.CALLED.zh} {T.CALLED.en} <b>{c.issued}</b>"
            f" · {T.SERVED.zh} {T.SERVED.en} <b>{c.served}</b><br>"
            f"{T.NO_SHOW.zh} {T.NO_SHOW.en} <b>{c.no_show}</b>"
            f" · {T.TRANSFERRED_OUT.zh} {T.TRANSFERRED_OUT.en} <b>{out}</b><br>"
            f"{T.RATED.zh} {T.RATED.en} <b>{c.evaluations}</b> · 满意率 <b>{rate}</b>{bad}"
        )


class DeskPage(QWidget):
    """The working page: keys F1…F8 (or keypad 1…8) and one big button per action."""

    def __init__(self, view: CallerView, theme: Theme) -> None:
        super().__init__()
        self.view = view
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.card = TicketCard(theme)
        self.figures = FiguresPanel(theme)
        self.buttons: dict[Action, QPushButton] = {}
        keys = QGridLayout()
        keys.setSpacing(theme.px(12))
        for i, action in enumerate(ORDER):
            label = LABELS[action]
            # The page keeps the focus, so every key reaches it and Space never re-presses.
            button = big_button(
                theme, f"{label.key}  {label.text.zh}\n{label.text.en}", 30, height=120
            )
            button.clicked.connect(lambda _checked=False, a=action: view.press(a))
            keys.addWidget(button, 0, i)
            self.buttons[action] = button
        self.buttons[Action.CALL_NEXT].setProperty("primary", True)
        middle = QHBoxLayout()
        middle.setSpacing(theme.px(20))
        middle.addWidget(self.card, 3)
        middle.addWidget(self.figures, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(middle, 1)
        box.addLayout(keys)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = action_for_key(event)
        if action is None:
            super().keyPressEvent(event)
            return
        if not event.isAutoRepeat():  # a held key is one press
            self.view.press(action)
        event.accept()

    def refresh(self, model: CallerViewModel) -> None:
        self.card.refresh(model)
        self.figures.refresh(model)
        for action, button in self.buttons.items():
            button.setEnabled(model.allows(action))


class PausePage(QWidget):
    """Why the window pauses, then for how long (citizens see when it opens again, and their
    waits count on it): keys 1…6 or a touch at each step; Esc goes back a step."""

    def __init__(self, view: CallerView, theme: Theme) -> None:
        super().__init__()
        self.view = view
        self.reason: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box = QVBoxLayout(self)
        self.title = Text(theme, 48, bold=True)
        box.addWidget(self.title)
        self.steps = QStackedWidget()
        self.steps.addWidget(self._grid(theme, PAUSE_REASONS, self.choose_reason))
        lengths = [T.MINUTES.format(n=n) for n in PAUSE_MINUTES] + [T.NOT_SURE]
        self.steps.addWidget(self._grid(theme, lengths, self.choose_length))
        box.addWidget(self.steps)
        box.addStretch(1)
        back = big_button(theme, f"Esc  {T.BACK.zh} {T.BACK.en}", 30, height=90)
        back.clicked.connect(self.back)
        box.addWidget(back)
        self.open()

    def _grid(self, theme: Theme, texts: Sequence[T.Text], pick: Callable[[int], None]) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setSpacing(theme.px(16))
        for i, text in enumerate(texts):
            button = big_button(theme, f"{KEYS[i]}  {text.zh}\n{text.en}", 36, height=140)
            button.clicked.connect(lambda _c=False, i=i: pick(i))
            grid.addWidget(button, i // 3, i % 3)
        return page

    def open(self) -> None:
        """Start at the reasons."""
        self.reason = None
        self.steps.setCurrentIndex(0)
        self.title.setText(f"{T.WHY_PAUSE.zh} · {T.WHY_PAUSE.en}")

    def choose_reason(self, i: int) -> None:
        self.reason = PAUSE_REASONS[i].zh
        self.steps.setCurrentIndex(1)
        self.title.setText(f"{self.reason} · {T.HOW_LONG.zh} {T.HOW_LONG.en}")

    def choose_length(self, i: int) -> None:
        if self.reason is not None:
            minutes = PAUSE_MINUTES[i] if i < len(PAUSE_MINUTES) else None
            self.view.pause(self.reason, minutes)

    def back(self) -> None:
        if self.reason is None:
            self.view.back_to_desk()
        else:
            self.open()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        n = _DIGITS.get(Qt.Key(event.key()))
        if event.key() == Qt.Key.Key_Escape:
            self.back()
        elif n is not None and 1 <= n <= 6 and not event.isAutoRepeat():
            self.choose_reason(n - 1) if self.reason is None else self.choose_length(n - 1)
        else:
            super().keyPressEvent(event)


class TransferPage(QWidget):
    """Search a service or window by number, letter, Chinese or pinyin initials; Enter sends."""

    def __init__(self, view: CallerView, theme: Theme) -> None:
        super().__init__()
        self.view = view
        self.query = QLineEdit()
        self.query.setStyleSheet(f"QLineEdit {{ {text_css(theme, 36)} }}")
        self.query.setPlaceholderText(f"{T.TRANSFER_SEARCH.zh} · {T.TRANSFER_SEARCH.en}")
        self.query.textChanged.connect(self._filter)
        self.query.returnPressed.connect(self.submit)
        self.query.installEventFilter(self)
        self.results = QListWidget()
        self.results.setStyleSheet(
            f"QListWidget {{ {text_css(theme, 32)} }} QListWidget::item {{ padding: 12px; }}"
            f" QListWidget::item:selected {{ background: {theme.palette.highlight};"
            f" color: {theme.palette.on_accent}; }}"
        )
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.itemActivated.connect(lambda _item: self.submit())
        self.results.itemClicked.connect(lambda _item: self.submit())
        back = big_button(theme, f"Esc  {T.BACK.zh} {T.BACK.en}", 30, height=90)
        back.clicked.connect(view.back_to_desk)
        self.confirm = big_button(
            theme, f"Enter  {T.CONFIRM_TRANSFER.zh} {T.CONFIRM_TRANSFER.en}", 30, height=90
        )
        self.confirm.setProperty("primary", True)
        self.confirm.clicked.connect(self.submit)
        self.title = Text(theme, 48, bold=True)
        keys = f"{T.TRANSFER_KEYS.zh}    {T.TRANSFER_KEYS.en}"
        hint = Text(theme, 26, colour=theme.palette.muted, text=keys)
        buttons = QHBoxLayout()
        buttons.addWidget(back, 1)
        buttons.addWidget(self.confirm, 2)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.query)
        box.addWidget(hint)
        box.addWidget(self.results, 1)
        box.addLayout(buttons)

    def open(self) -> None:
        current = self.view.model.desk.current
        number = f" {current['number']}" if current else ""
        title = T.TRANSFER_TO.format(number=number)
        self.title.setText(f"{title.zh} · {title.en}")
        self.query.clear()
        self._filter("")
        self.query.setFocus()

    def _filter(self, text: str) -> None:
        self.results.clear()
        for target in search(self.view.model.targets, text):
            kind = "业务" if target.kind == "service" else "窗口"
            line = f"[{kind}] {target.id}  {target.zh}  {target.en}"
            if target.detail:
                line += f"  ({target.detail})"
            item = QListWidgetItem(line)
            item.setData(Qt.ItemDataRole.UserRole, target)
            self.results.addItem(item)
        self.results.setCurrentRow(0 if self.results.count() else -1)
        self.confirm.setEnabled(self.results.count() > 0)

    def selected(self) -> TransferTarget | None:
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def submit(self) -> None:
        target = self.selected()
        if target is not None:
            self.view.transfer(target)

    def eventFilter(self, watched: object, event: object) -> bool:
        if watched is self.query and isinstance(event, QKeyEvent):
            if event.type() != QKeyEvent.Type.KeyPress:
                return False
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step is not None:
                row = self.results.currentRow() + step
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, row)))
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.view.back_to_desk()
                return True
        return False


class CallerView(QWidget):
    """The clerk's whole screen: a header, then sign-in, desk, pause or transfer."""

    def __init__(self, model: CallerViewModel, theme: Theme | None = None) -> None:
        super().__init__()
        self.model = model
        theme = theme or app_theme()
        self.theme = theme
        p = theme.palette
        self.window_name = Text(theme, 44, text="", bold=True, colour=p.accent)
        self.clerk = Text(theme, 30, text="")
        self.status = Text(theme, 30, text="", bold=True)
        self.link = Text(theme, 28, text="")
        self.sign_out = big_button(theme, f"{T.SIGN_OUT.zh} {T.SIGN_OUT.en}", 28, height=72)
        self.sign_out.clicked.connect(model.sign_out)
        header = QHBoxLayout()
        header.addWidget(self.window_name)
        header.addSpacing(theme.px(24))
        header.addWidget(self.clerk)
        header.addStretch(1)
        header.addWidget(self.status)
        header.addSpacing(theme.px(24))
        header.addWidget(self.link)
        header.addSpacing(theme.px(24))
        header.addWidget(self.sign_out)
        self.message = Text(theme, 32, text="", bold=True)
        self.message.setWordWrap(True)
        # Said large while the link is down: what the screen shows may be out of date.
        self.offline = Text(theme, 32, bold=True, centred=True)
        self.offline.setText(f"{T.OFFLINE_DETAIL.zh}\n{T.OFFLINE_DETAIL.en}")
        self.offline.setStyleSheet(
            f"QLabel {{ {text_css(theme, 32, bold=True)} color: {p.on_accent};"
            f" background: {p.alarm}; border-radius: {theme.px(12)}px;"
            f" padding: {theme.px(12)}px; }}"
        )
        self.offline.hide()
        self.sign_in_page = SignInPage(model, theme)
        self.desk_page = DeskPage(self, theme)
        self.pause_page = PausePage(self, theme)
        self.transfer_page = TransferPage(self, theme)
        self.pages = QStackedWidget()
        for page in (self.sign_in_page, self.desk_page, self.pause_page, self.transfer_page):
            self.pages.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(24), theme.px(16), theme.px(24), theme.px(16))
        box.addLayout(header)
        box.addWidget(self.offline)
        box.addWidget(self.pages, 1)
        box.addWidget(self.message)
        self._message_timer = QTimer(self, singleShot=True, interval=8000)
        self._message_timer.timeout.connect(self.message.clear)
        self._tick = QTimer(self, interval=1000)  # waited / handling clocks move every second
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        model.changed.connect(self.refresh)
        model.notice.connect(self.show_notice)
        model.answered.connect(self._on_answered)
        self.refresh()

    # ----- the clerk's intents -----------------------------------------------------------------
    def press(self, action: Action) -> None:
        """One key or button press; pause and transfer first ask for their detail."""
        if self.pages.currentWidget() is not self.desk_page:
            return
        if action in (Action.PAUSE, Action.TRANSFER) and self.model.allows(action):
            if action is Action.PAUSE:
                self.pause_page.open()
                self.pages.setCurrentWidget(self.pause_page)
                self.pause_page.setFocus()
            else:
                self.pages.setCurrentWidget(self.transfer_page)
                self.transfer_page.open()
            return
        self.model.act(action)

    def pause(self, reason: str, minutes: int | None = None) -> None:
        if self.model.pause(reason, minutes):
            self.back_to_desk()

    def transfer(self, target: TransferTarget) -> None:
        if self.model.transfer(target):
            self.back_to_desk()

    def back_to_desk(self) -> None:
        self.pages.setCurrentWidget(self.desk_page)
        self.desk_page.setFocus()

    # ----- painting ----------------------------------------------------------------------------
    def show_notice(self, kind: str, zh: str, en: str) -> None:
        colour = self.theme.palette.alarm if kind == "error" else self.theme.palette.highlight
        self.message.paint(colour)
        self.message.setText(f"{zh} · {en}")
        self._message_timer.start()

    def _on_answered(self, action: str, ok: bool) -> None:
        if ok and self.message.text() and action != Action.CALL_NEXT.value:
            self.message.clear()

    def refresh(self) -> None:
        m, p = self.model, self.theme.palette
        desk = m.desk
        self.window_name.setText(window_name(m.window_id, desk.name))
        self.clerk.setText(f"{desk.clerk_name}（{desk.clerk}）" if desk.clerk else "")
        status_text = T.WINDOW_STATUS.get(desk.status)
        status = f"{status_text.zh} {status_text.en}" if status_text else desk.status
        colour = {"open": p.ok, "paused": p.warn}.get(desk.status, p.muted)
        self.status.setText(status)
        self.status.paint(colour)
        if m.online:
            self.link.setText(f"● {T.ONLINE.zh} {T.ONLINE.en}")
            self.link.paint(p.ok)
            self.offline.hide()
        else:
            self.link.setText("● " + " ".join(OFFLINE.both("zh")))
            self.link.paint(p.alarm)
            self.offline.show()
        self.sign_out.setVisible(desk.signed_in)
        self.sign_out.setEnabled(m.in_flight is None and desk.current is None)
        page = self.pages.currentWidget()
        if not desk.signed_in and page is not self.sign_in_page:
            self.pages.setCurrentWidget(self.sign_in_page)
            self.sign_in_page.clerk.setFocus()
        elif desk.signed_in and page is self.sign_in_page:
            self.back_to_desk()
        self.sign_in_page.refresh()
        self.desk_page.refresh(m)
