"""The window-facing screen (双屏): who serves you, your ticket, then 好差评 with big buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.theme import Theme, app_theme

from . import texts as T
from .citizen import CitizenViewModel
from .rating import LEVELS, REASONS, Stage
from .widgets import Text, big_button, text_css

STAR_COLOURS = {5: "#1a7f37", 4: "#2f9e44", 3: "#0a5bd3", 2: "#b26a00", 1: "#c8161d"}


def _label(theme: Theme, size: int, *, bold: bool = False, colour: str = "") -> Text:
    label = Text(theme, size, bold=bold, colour=colour, centred=True)
    label.setWordWrap(True)
    return label


class MessagePage(QWidget):
    """A big line and a smaller one: welcome, paused, serving, sending, thanks."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        p = theme.palette
        self.big = _label(theme, 150, bold=True, colour=p.accent)
        self.primary = _label(theme, 56, bold=True)
        self.secondary = _label(theme, 36, colour=p.muted)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.big)
        box.addWidget(self.primary)
        box.addWidget(self.secondary)
        box.addStretch(1)

    def show_text(self, big: str, primary: str, secondary: str) -> None:
        self.big.setText(big)
        self.big.setVisible(bool(big))
        self.primary.setText(primary)
        self.secondary.setText(secondary)


class RatingPage(QWidget):
    """Five levels, best first; each a big touch target with its stars."""

    def __init__(self, model: CitizenViewModel, theme: Theme) -> None:
        super().__init__()
        self.title = _label(theme, 52, bold=True)
        self.error = _label(theme, 32, colour=theme.palette.alarm)
        row = QHBoxLayout()
        row.setSpacing(theme.px(16))
        self.buttons: dict[int, QPushButton] = {}
        for score, level in LEVELS:
            zh, en = level.zh, level.en
            colour = STAR_COLOURS[score]
            button = big_button(
                theme,
                "",
                30,
                height=280,
                extra=f"QPushButton {{ border: 4px solid {colour};"
                f" border-radius: {theme.px(20)}px; }}",
            )
            # Stars, Chinese and English at their own sizes: labels inside the button.
            inner = QVBoxLayout(button)
            for text, size, bold in (("★" * score, 40, False), (zh, 40, True), (en, 24, False)):
                label = Text(theme, size, bold=bold, colour=colour, centred=True, text=text)
                label.setWordWrap(True)
                label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
                inner.addWidget(label)
            button.clicked.connect(lambda _c=False, s=score: model.choose(s))
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row.addWidget(button, 1)
            self.buttons[score] = button
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.title)
        box.addSpacing(theme.px(32))
        box.addLayout(row)
        box.addWidget(self.error)
        box.addStretch(1)


class ReasonsPage(QWidget):
    """差评: what went wrong (several may be chosen), then send."""

    def __init__(self, model: CitizenViewModel, theme: Theme) -> None:
        super().__init__()
        p = theme.palette
        self.title = _label(theme, 52, bold=True)
        self.error = _label(theme, 32, colour=p.alarm)
        grid = QGridLayout()
        grid.setSpacing(theme.px(16))
        self.buttons: dict[str, QPushButton] = {}
        for i, (code, reason) in enumerate(REASONS):
            zh, en = reason.zh, reason.en
            button = big_button(
                theme,
                f"{zh}\n{en}",
                40,
                height=150,
                extra=f"QPushButton:checked {{ background: {p.alarm}; color: {p.on_accent};"
                f" border-color: {p.alarm}; }}",
            )
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            button.clicked.connect(lambda _c=False, c=code: model.toggle_reason(c))
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[code] = button
        self.back = big_button(theme, f"{T.BACK.zh} {T.BACK.en}", 36, height=120)
        self.back.clicked.connect(model.back)
        self.send = big_button(theme, f"{T.SUBMIT.zh} {T.SUBMIT.en}", 40, height=120)
        self.send.setProperty("primary", True)
        self.send.clicked.connect(model.send)
        actions = QHBoxLayout()
        actions.addWidget(self.back, 1)
        actions.addWidget(self.send, 2)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addLayout(grid)
        box.addWidget(self.error)
        box.addStretch(1)
        box.addLayout(actions)


class CitizenView(QWidget):
    """The whole window-facing screen: the window and its clerk on top, the stage below."""

    def __init__(self, model: CitizenViewModel, theme: Theme | None = None) -> None:
        super().__init__()
        self.model = model
        theme = theme or app_theme()
        self.theme = theme
        p = theme.palette
        self.window_name = _label(theme, 64, bold=True, colour=p.accent)
        self.window_name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.avatar = QLabel("")
        self.avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        size = theme.px(96)
        self.avatar.setFixedSize(size, size)
        self.avatar.setStyleSheet(
            f"QLabel {{ {text_css(theme, 48, bold=True)} background: {p.accent};"
            f" color: {p.on_accent}; border-radius: {size // 2}px; }}"
        )
        self.clerk = _label(theme, 34)
        self.clerk.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.link = _label(theme, 26, colour=p.alarm)
        header = QHBoxLayout()
        header.addWidget(self.window_name, 1)
        header.addWidget(self.avatar)
        header.addWidget(self.clerk)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet(f"color: {p.line};")
        self.message_page = MessagePage(theme)
        self.rating_page = RatingPage(model, theme)
        self.reasons_page = ReasonsPage(model, theme)
        self.pages = QStackedWidget()
        for page in (self.message_page, self.rating_page, self.reasons_page):
            self.pages.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(40), theme.px(24), theme.px(40), theme.px(24))
        box.addLayout(header)
        box.addWidget(line)
        box.addWidget(self.pages, 1)
        box.addWidget(self.link)
        model.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        m, flow = self.model, self.model.flow
        self.window_name.setText(flow.name)
        if flow.clerk:
            self.avatar.setText(flow.clerk_name[:1] or "员")
            self.avatar.show()
            self.clerk.setText(f"{flow.clerk_name}\n{T.BADGE.zh} {T.BADGE.en} {flow.clerk}")
        else:
            self.avatar.hide()
            self.clerk.setText("")
        self.link.setText("" if m.online else f"{T.RECONNECTING.zh} {T.RECONNECTING.en}")
        stage = flow.stage
        if stage is Stage.RATING:
            number = flow.to_rate["number"] if flow.to_rate else ""
            title = T.PLEASE_RATE.format(number=number)
            self.rating_page.title.setText(f"{title.zh}\n{title.en}")
            self.rating_page.error.setText(flow.error)
            self.pages.setCurrentWidget(self.rating_page)
            return
        if stage is Stage.REASONS:
            self.reasons_page.title.setText(f"{T.WHAT_WENT_WRONG.zh}\n{T.WHAT_WENT_WRONG.en}")
            for code, button in self.reasons_page.buttons.items():
                button.setChecked(code in flow.reasons)
            self.reasons_page.send.setEnabled(flow.can_send)
            self.reasons_page.error.setText(flow.error)
            self.pages.setCurrentWidget(self.reasons_page)
            return
        self.pages.setCurrentWidget(self.message_page)
        page = self.message_page
        if stage is Stage.SENDING:
            page.show_text("", *T.SENDING.both("zh"))
        elif stage is Stage.THANKS:
            page.show_text("", *T.THANKS.both("zh"))
        elif stage is Stage.SERVING and flow.current is not None:
            t = flow.current
            words = [T.NOW_SERVING.zh, t.get("matter") or "", t.get("holder") or ""]
            page.show_text(t["number"], " · ".join(w for w in words if w), T.NOW_SERVING.en)
        elif stage is Stage.PAUSED:
            reason = f"（{flow.pause_reason}）" if flow.pause_reason else ""
            zh, en = T.SERVICE_PAUSED.format(reason=reason).both("zh")
            if (back := flow.back()) is not None:
                zh, en = f"{zh}\n{back.zh}", f"{en} · {back.en}"
            page.show_text("", zh, en)
        elif stage is Stage.CLOSED:
            page.show_text("", *T.WINDOW_CLOSED.both("zh"))
        else:
            page.show_text("", *T.WELCOME.both("zh"))
