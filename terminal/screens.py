"""Full-screen, locked-down terminal windows and the "reconnecting" overlay."""

from __future__ import annotations

import hmac

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .i18n import Text
from .link import LinkState, ServerLink
from .theme import Theme, app_theme

MAX_PIN_TRIES = 5
PAIR_AGAIN = Text("请联系管理员重新配对")


class AdminPinPrompt(QWidget):
    """Asks for the admin PIN over the window (a child, not a modal dialog: nothing blocks)."""

    accepted = Signal()

    def __init__(self, admin_pin: str, parent: QWidget, theme: Theme | None = None) -> None:
        super().__init__(parent)
        self._host = parent
        self._pin = admin_pin
        self._tries = 0
        theme = theme or app_theme()
        p = theme.palette
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"AdminPinPrompt {{ background: {p.surface}; border: 4px solid "
            f"{p.accent}; border-radius: {theme.px(16)}px; }}"
        )
        zh, en = Text("管理员密码").both()
        self.title = QLabel(f"{zh}\n{en}")
        self.title.setFont(theme.font(theme.title_px, bold=True))
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.returnPressed.connect(self._check)
        self.status = QLabel("")
        self.status.setStyleSheet(f"color: {p.alarm};")
        ok = QPushButton(" / ".join(Text("确定").both()))
        ok.setProperty("primary", True)
        ok.clicked.connect(self._check)
        cancel = QPushButton(" / ".join(Text("返回").both()))
        cancel.clicked.connect(self.dismiss)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(32), theme.px(32), theme.px(32), theme.px(32))
        box.addWidget(self.title)
        box.addWidget(self.entry)
        box.addWidget(self.status)
        box.addLayout(buttons)
        self.hide()

    def ask(self) -> None:
        self.entry.clear()
        self.status.clear()
        parent = self._host
        self.resize(min(parent.width(), 640), self.sizeHint().height())
        self.move((parent.width() - self.width()) // 2, (parent.height() - self.height()) // 3)
        self.show()
        self.raise_()
        self.entry.setFocus()

    def dismiss(self) -> None:
        self.hide()

    def _check(self) -> None:
        if self._tries >= MAX_PIN_TRIES:
            self.status.setText(" / ".join(Text("尝试次数过多").both()))
            return
        if hmac.compare_digest(self.entry.text().encode(), self._pin.encode()):
            self._tries = 0
            self.hide()
            self.accepted.emit()
            return
        self._tries += 1
        self.entry.clear()
        self.status.setText(" / ".join(Text("密码不正确").both()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
            return
        super().keyPressEvent(event)


class FullScreenWindow(QWidget):
    """The app's top-level window: frameless and full screen on its screen, locked down.

    Escape (or a close request) leaves only after the admin PIN; without an admin PIN configured
    the window cannot be left from the keyboard at all. `windowed=True` is for development: an
    ordinary resizable window of `screen_size` that closes normally.
    """

    def __init__(
        self,
        title: str,
        *,
        windowed: bool = False,
        screen_size: tuple[int, int] = (1920, 1080),
        admin_pin: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.windowed = windowed
        self.screen_size = screen_size
        self._unlocked = windowed
        self.pin_prompt: AdminPinPrompt | None = None
        if admin_pin:
            self.pin_prompt = AdminPinPrompt(admin_pin, self)
            self.pin_prompt.accepted.connect(self._leave)
        if not windowed:
            self.setWindowFlags(
                Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
            )

    def show_on_screen(self) -> None:
        """Show full screen (geometry first: without a window manager showFullScreen alone
        leaves a small window), or as a normal window of `screen_size` when windowed."""
        # Never larger than the screen: without a window manager (the kiosk's xinit session)
        # nothing cuts a window back that a tall page grew, and its bottom would be off screen.
        layout = self.layout()
        if layout is not None:  # else the layout raises the minimum size over the maximum
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        if self.windowed:
            self.setMaximumSize(*self.screen_size)
            self.resize(*self.screen_size)
            self.show()
            return
        screen = self.screen()
        self.setMaximumSize(screen.geometry().size())
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not self.windowed:
            if self.pin_prompt is not None:
                self.pin_prompt.ask()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._unlocked:
            event.accept()
        else:
            event.ignore()

    def _leave(self) -> None:
        self._unlocked = True
        self.close()


class StatusOverlay(QWidget):
    """Covers its parent with a full-screen state such as "Reconnecting to the hall server…".

    `follow(link)` shows the reconnecting message whenever the link is offline, so stale content
    is never shown as if it were live, and says so plainly when the server refuses this terminal
    or shows a certificate other than the pinned one. It starts shown ("connecting") until the
    link is online.
    """

    def __init__(self, parent: QWidget, theme: Theme | None = None) -> None:
        super().__init__(parent)
        self._host = parent
        theme = theme or app_theme()
        p = theme.palette
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"StatusOverlay {{ background: {p.background}; }}")
        self.primary = QLabel()
        self.primary.setFont(theme.font(64, bold=True))
        self.secondary = QLabel()
        self.secondary.setFont(theme.font(40))
        self.detail = QLabel()
        self.detail.setFont(theme.font(28))
        for label, colour in (
            (self.primary, p.text),
            (self.secondary, p.muted),
            (self.detail, p.muted),
        ):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {colour}; background: transparent;")
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.primary)
        box.addWidget(self.secondary)
        box.addWidget(self.detail)
        box.addStretch(1)
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())
        self._was_online = False
        self.show_message(Text("正在连接大厅服务器…"))

    def show_message(self, text: Text, detail: str = "") -> None:
        first, second = text.both()
        self.primary.setText(first)
        self.secondary.setText(second)
        self.detail.setText(detail)
        self.setGeometry(self._host.rect())
        self.show()
        self.raise_()

    def show_reconnecting(self) -> None:
        self.show_message(Text("服务器连接中断，正在重连…"))

    def follow(self, link: ServerLink) -> None:
        """Hide while `link` is online; show why it is not while it is not."""
        link.state_changed.connect(self.show_state)
        if link.online:
            self._was_online = True
            self.hide()

    def show_state(self, state: str) -> None:
        """The screen for a LinkState value (hidden when online)."""
        if state == LinkState.ONLINE:
            self._was_online = True
            self.hide()
        elif state == LinkState.TOKEN_REFUSED:
            self.show_message(Text("本终端未获大厅服务器授权"), " · ".join(PAIR_AGAIN.both()))
        elif state == LinkState.CERTIFICATE_CHANGED:
            self.show_message(
                Text("大厅服务器证书已更改，已拒绝连接"), " · ".join(PAIR_AGAIN.both())
            )
        elif state == LinkState.UNREACHABLE and not self._was_online:
            self.show_message(Text("无法连接大厅服务器，正在重试…"))
        elif state == LinkState.UNREACHABLE:
            self.show_reconnecting()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False
