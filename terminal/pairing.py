"""Pairing a terminal with its hall without copying tokens.

A terminal without a token (or whose token the server refuses: revoked, replaced) asks the
hall server for pairing (POST /pairings with its kind and host name) and shows the code it is
given on a pairing screen over its windows. A manager types that code into the console and
chooses which device the terminal is; the terminal, waiting on GET /pairings/{id} with the
secret only it was told, receives the device's token, keeps it (mode 0600, beside the pinned
certificate in $XDG_STATE_HOME/hallq/) and goes on as if started with --token. The code alone
never yields the token.

Everything runs on the GUI thread with Qt's network classes (through a ServerLink of its own,
with the terminal's certificate pin): nothing blocks.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QChildEvent, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .i18n import Text
from .link import LinkState, Result, ServerLink
from .pinning import CertificatePin
from .theme import Theme, app_theme

log = logging.getLogger("hallq.pairing")

WAIT_S = 20  # how long the server holds one poll open (it allows up to 25)
RETRY_MS = 3000
BUSY_RETRY_MS = 30_000  # the server said too many requests
# What the terminal is and where it asks: the line under the code.
KINDS = {
    "kiosk": Text("取号机 · 主机 {host} · {hall} · {server}"),
    "caller": Text("叫号器 · 主机 {host} · {hall} · {server}"),
    "display": Text("显示屏 · 主机 {host} · {hall} · {server}"),
}
TITLE = Text("终端配对")
ASK = Text("请管理员在管理台输入配对码")
VALID = Text("配对码 10 分钟内有效，过期后自动更新")
ASKING = Text("正在申请配对码…")
UNREACHABLE = Text("无法连接大厅服务器，正在重试…")
REFUSED = Text("本终端未获大厅服务器授权")
BUSY = Text("配对请求过多，稍后自动重试")


def token_file_for(pin_file: Path) -> Path:
    """The paired token's file, beside the pinned certificate's (`<name>.token`)."""
    return pin_file.with_suffix(".token")


class TokenFile:
    """The device token this terminal got by pairing: readable by its user alone (0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        try:
            token = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return token or None

    def keep(self, token: str) -> None:
        """Write it whole or not at all (a power cut never leaves half a token)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".token-")  # mode 0600
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(token + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            log.warning("cannot keep the device token in %s: %s", self.path, exc)

    def drop(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove the refused token %s: %s", self.path, exc)


def restart_in_place() -> None:
    """Run this terminal's program again in this process, with the same arguments."""
    os.execv(sys.executable, sys.orig_argv)


class PairingScreen(QWidget):
    """Covers a window with the pairing code, large enough to read from 3 m, and what to do
    with it (Chinese first, English below), the hall and the server's address."""

    def __init__(self, parent: QWidget, theme: Theme | None = None) -> None:
        super().__init__(parent)
        self._host = parent
        self.theme = theme or app_theme()
        p = self.theme.palette
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"PairingScreen {{ background: {p.background}; }}")
        self.title = self._label("pairing-title", p.text)
        self.ask = self._label("pairing-ask", p.text)
        self.code = self._label("pairing-code", p.text)  # the most contrast, light or dark
        self.place = self._label("pairing-place", p.muted)
        self.status = self._label("pairing-status", p.muted)
        box = QVBoxLayout(self)
        box.addStretch(2)
        for label in (self.title, self.ask, self.code, self.place, self.status):
            box.addWidget(label)
        box.addStretch(3)
        # Stay on top of the window's other layers (an app raises its status overlay on each
        # change of its page): a sibling raised over this screen is answered by raising it.
        parent.installEventFilter(self)
        for child in parent.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            if child is not self:
                child.installEventFilter(self)
        self._code = "— — —"
        self._place = ("", "")
        self._status = ASKING
        self.hide()

    def _label(self, name: str, colour: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setStyleSheet(f"color: {colour}; background: transparent;")
        return label

    def _both(
        self, label: QLabel, lines: tuple[str, str], size: float, *, bold: bool = False
    ) -> None:
        """The first language over the second, the second smaller and muted."""
        first, second = lines
        muted = self.theme.palette.muted
        # Small windows (a caller beside a back-office screen) keep the lines readable.
        label.setFont(self.theme.font(max(size, 18), bold=bold))
        label.setText(
            f"{_html(first)}<br><span style='font-size:{round(max(size * 0.7, 14))}px; "
            f"font-weight:400; color:{muted}'>{_html(second)}</span>"
        )

    def show_code(
        self, code: str, kind: str, host: str, hall: Text, server: str, status: Text
    ) -> None:
        """The code in two groups of three digits; what the terminal is, its hall and server."""
        place = KINDS[kind].format(host=host, hall=hall, server=server)
        self._place = place.both()
        self._code = f"{code[:3]} {code[3:]}"
        self._status = status
        self._lay_out()

    def show_status(self, status: Text, *, code: str | None = None) -> None:
        if code is None:
            self._code = "— — —"
        self._status = status
        self._lay_out()

    def _lay_out(self) -> None:
        scale = min(self._host.width() / 1920, self._host.height() / 1080)
        self._both(self.title, TITLE.both(), 56 * scale, bold=True)
        self._both(self.ask, ASK.both(), 48 * scale)
        self.code.setFont(self.theme.font(max(48.0, 220 * scale), bold=True))
        self.code.setText(_html(self._code))
        self._both(self.place, self._place, 30 * scale)
        self._both(self.status, self._status.both(), 30 * scale)
        self.setGeometry(self._host.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._host:
            if kind == QEvent.Type.ChildAdded and isinstance(event, QChildEvent):
                child = event.child()
                if isinstance(child, QWidget) and child is not self:
                    child.installEventFilter(self)
                    if self.isVisible():  # a new sibling lies on top of this screen
                        QTimer.singleShot(0, self, self.raise_)
            elif kind == QEvent.Type.Resize and self.isVisible():
                self._lay_out()
        elif kind == QEvent.Type.ZOrderChange and self.isVisible():
            QTimer.singleShot(0, self, self.raise_)
        return False


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TerminalPairing(QObject):
    """This terminal's token: the one kept from an earlier pairing, else the one configured,
    else one got by pairing now — and pairing again by itself when the server refuses it.

    `code` is the code on screen while pairing (None otherwise).
    """

    def __init__(
        self,
        kind: str,
        host: str,
        tokens: TokenFile,
        pin: CertificatePin,
        *,
        configured: str | None = None,
        device: str = "",
        restart: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._restart = restart or restart_in_place
        self.kind = kind
        self.host = host
        self.tokens = tokens
        self.pin = pin
        self.device = device  # the device this terminal was last paired as (a hint)
        self.code: str | None = None
        self._configured = configured
        self._screens: list[PairingScreen] = []
        self._link: ServerLink | None = None  # for the pairing requests (the secret as bearer)
        self._pairing_id = ""
        self._hall = Text("", "")
        self._on_token: Callable[[str], None] | None = None
        self._refused = False

    @property
    def token(self) -> str | None:
        """The token to start with: kept from pairing, else the configured one."""
        return self.tokens.read() or self._configured

    @property
    def pairing(self) -> bool:
        return self._on_token is not None

    def cover(self, *windows: QWidget) -> None:
        """Show the pairing screen over these windows too (while pairing)."""
        for window in windows:
            screen = PairingScreen(window)
            self._screens.append(screen)
            if self.pairing and self.code:
                self._show_code(screen)
            elif self.pairing:
                screen.show_status(self._reason)

    def watch(self, link: ServerLink) -> None:
        """When the server refuses `link`'s token: drop it, and pair again (or try the
        configured token first, when the refused one was the kept one)."""

        def changed(state: str) -> None:
            if state == LinkState.ONLINE and not self.device:
                link.request("GET", "/devices/me", callback=self._identified)
            if state != LinkState.TOKEN_REFUSED or self.pairing:
                return
            kept = self.tokens.read()
            self.tokens.drop()
            if kept is not None and self._configured and self._configured != kept:
                log.info("the paired token was refused: trying the configured one")
                link.use_token(self._configured)
                return
            self._configured = None
            self._refused = True
            self.pair(link.base_url, link.use_token)

        link.state_changed.connect(changed)

    def _identified(self, result: Result) -> None:
        if result.ok and isinstance(result.body, dict) and not self.device:
            self.device = str(result.body.get("id", ""))

    def pair(self, base_url: str, on_token: Callable[[str], None]) -> None:
        """Ask the hall at `base_url` for pairing; `on_token(token)` once approved."""
        self._on_token = on_token
        if self._link is None or self._link.base_url != base_url.rstrip("/"):
            self._link = ServerLink(base_url, "", self, pin=self.pin)
        self._show()
        self._link.request("GET", "/hall", timeout_ms=5000, callback=self._hall_answered)

    def _hall_answered(self, result: Result) -> None:
        if result.ok and isinstance(result.body, dict):
            name = str(result.body.get("name", ""))
            self._hall = Text(name, str(result.body.get("name_en") or name))
        self._open()

    def _open(self) -> None:
        assert self._link is not None
        self.code = None
        self._link.use_token("")
        body = {"kind": self.kind, "host": self.host}
        if self.device:
            body["device"] = self.device
        self._link.request("POST", "/pairings", body, timeout_ms=5000, callback=self._opened)

    def _opened(self, result: Result) -> None:
        assert self._link is not None
        pairing = result.body.get("pairing") if isinstance(result.body, dict) else None
        if result.status != 201 or not isinstance(pairing, dict):
            busy = result.status == 429
            log.warning("pairing request refused or lost: %s", result.message or result.status)
            self._status(BUSY if busy else UNREACHABLE)
            QTimer.singleShot(BUSY_RETRY_MS if busy else RETRY_MS, self, self._open)
            return
        self._pairing_id = str(pairing["id"])
        self.code = str(pairing["code"])
        self._link.use_token(str(pairing["secret"]))
        log.info("pairing code shown; waiting for a manager to approve it (until %s)",
                 pairing["expires_at"])  # fmt: skip
        for screen in self._screens:
            self._show_code(screen)
        self._poll()

    def _show_code(self, screen: PairingScreen) -> None:
        assert self._link is not None and self.code is not None
        status = REFUSED if self._refused else VALID
        screen.show_code(self.code, self.kind, self.host, self._hall, self._link.base_url, status)

    def _poll(self) -> None:
        assert self._link is not None
        self._link.request(
            "GET",
            f"/pairings/{self._pairing_id}?wait={WAIT_S}",
            timeout_ms=(WAIT_S + 10) * 1000,
            callback=self._answered,
        )

    def _answered(self, result: Result) -> None:
        pairing = result.body.get("pairing") if isinstance(result.body, dict) else None
        if result.ok and isinstance(pairing, dict):
            if pairing.get("status") == "approved" and pairing.get("token"):
                self._paired(str(pairing["token"]), str(pairing.get("device", "")))
            else:
                self._poll()
            return
        if result.status == 404:  # expired (or the server restarted): a new code
            self._open()
            return
        self._status(UNREACHABLE)
        QTimer.singleShot(RETRY_MS, self, self._poll)

    def _paired(self, token: str, device: str) -> None:
        log.info("paired as device %s: the token is kept in %s", device, self.tokens.path)
        self.tokens.keep(token)
        previous, self.device = self.device, device or self.device
        again, self._refused = self._refused, False
        if again and self.kind != "kiosk" and previous and self.device != previous:
            # A caller serves its device's window, a display its device's zone: the screens
            # built for the old device are wrong for the new one. Any kiosk serves alike.
            log.warning("paired again as %s, not %s: starting again as %s",
                        self.device, previous, self.device)  # fmt: skip
            self._restart()
            return
        self.code = None
        on_token, self._on_token = self._on_token, None
        for screen in self._screens:
            screen.hide()
        if on_token is not None:
            on_token(token)

    @property
    def _reason(self) -> Text:
        return REFUSED if self._refused else ASKING

    def _show(self) -> None:
        self._status(self._reason)

    def _status(self, text: Text) -> None:
        for screen in self._screens:
            screen.show_status(text, code=self.code)
