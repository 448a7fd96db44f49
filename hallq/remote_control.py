"""Remote hands for a terminal app in the demo and the end-to-end test.

``python -m hallq.remote_control --app kiosk --port-file F -- <hallq-kiosk options>`` runs the
app unchanged in this process, plus a small JSON-lines server on 127.0.0.1 through which the
demo's scenario (or a test) presses the buttons a citizen or clerk would press, reads what the
screens say, saves screenshots, and hears what the hall's voice said.  Nothing of this is in
the apps themselves: they run exactly as ``hallq-kiosk``/``hallq-caller``/``hallq-display``.

Only loopback connections are accepted, and each request must carry the secret written (mode
0600) to the port file, so another local user cannot drive the terminal.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtNetwork import QHostAddress, QTcpServer, QTcpSocket
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from terminal import voice  # importing terminal applies its PySide refcount guard

log = logging.getLogger("hallq.remote_control")

APPS = {"kiosk": "kiosk.__main__", "caller": "caller.__main__", "display": "display.__main__"}
MAX_LINE = 64 * 1024
_TAGS = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A label's text without rich-text markup, lines joined by spaces."""
    text = _TAGS.sub(" ", text.replace("<br>", "\n")).replace("&nbsp;", " ")
    return " ".join(text.split())


def window_slug(title: str) -> str:
    """ "评价 Evaluation" → "evaluation": a file name that says which screen it is."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(w for w in words if w != "hallq")


def _windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()]


def _visible_in(window: QWidget, kind: type[QWidget]) -> list[Any]:
    return [w for w in window.findChildren(kind) if w.isVisibleTo(window)]


def button_text(button: QAbstractButton) -> str:
    """What a button says: its own text and the labels laid inside it."""
    parts = [button.text(), *(label.text() for label in button.findChildren(QLabel))]
    return plain(" ".join(p for p in parts if p))


class Announcements(QObject):
    """Every call the hall's voice started to say in this process (number, window name)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[dict[str, str]] = []
        self._followed: set[int] = set()
        original = voice.Announcer.announce_call
        heard = self

        def announce_call(
            announcer: voice.Announcer, number: str, window_name: str, *, recall: bool = False
        ) -> bool:
            heard.follow(announcer)
            return original(announcer, number, window_name, recall=recall)

        # Wrap, not change: the display calls the announcer exactly as it would without us.
        setattr(voice.Announcer, "announce_call", announce_call)  # noqa: B010

    def follow(self, announcer: voice.Announcer) -> None:
        if id(announcer) not in self._followed:
            self._followed.add(id(announcer))
            announcer.voice_started.connect(self._started)

    def _started(self, item: voice.Announcement) -> None:
        self.said.append({"kind": item.kind, "text": item.text})


class RemoteControl(QObject):
    """Serves the commands below on 127.0.0.1 (one JSON object per line, one answer per line).

    - ``{"cmd": "screens"}``: each visible window's title, labels and buttons (name, text,
      enabled) — what a person in front of the terminal reads;
    - ``{"cmd": "click", "name": N}`` / ``{"cmd": "click", "text": T}``: press the visible
      button with that object name, or the first whose text contains T;
    - ``{"cmd": "grab", "dir": D, "prefix": P}``: save each window as D/P-<n>.png;
    - ``{"cmd": "said"}``: the announcements the voice started.
    """

    def __init__(self, secret: str, heard: Announcements, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.secret = secret
        self.heard = heard
        self.server = QTcpServer(self)
        self.server.newConnection.connect(self._accept)
        self._buffers: dict[QTcpSocket, bytes] = {}

    def listen(self) -> int:
        if not self.server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), 0):
            raise OSError(f"remote control cannot listen: {self.server.errorString()}")
        return self.server.serverPort()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if not socket.peerAddress().isLoopback():
                socket.abort()
                continue
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QTcpSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QTcpSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        while b"\n" in data:
            line, data = data.split(b"\n", 1)
            answer = self.answer(line)
            socket.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        if len(data) > MAX_LINE:
            socket.abort()
            return
        self._buffers[socket] = data

    def answer(self, line: bytes) -> dict[str, Any]:
        """The answer to one request line."""
        try:
            request = json.loads(line)
        except ValueError:
            return {"ok": False, "error": "not JSON"}
        if not isinstance(request, dict) or not hmac.compare_digest(
            str(request.get("secret", "")), self.secret
        ):
            return {"ok": False, "error": "wrong secret"}
        command: Callable[[dict[str, Any]], dict[str, Any]] | None = {
            "screens": self.screens,
            "click": self.click,
            "grab": self.grab,
            "said": lambda _r: {"ok": True, "said": list(self.heard.said)},
        }.get(str(request.get("cmd")))
        if command is None:
            return {"ok": False, "error": f"unknown command {request.get('cmd')!r}"}
        return command(request)

    def screens(self, _request: dict[str, Any]) -> dict[str, Any]:
        shown = []
        for window in _windows():
            labels = [plain(label.text()) for label in _visible_in(window, QLabel)]
            buttons = [
                {"name": b.objectName(), "text": button_text(b), "enabled": b.isEnabled()}
                for b in _visible_in(window, QAbstractButton)
            ]
            shown.append(
                {
                    "title": window.windowTitle(),
                    "labels": [t for t in labels if t],
                    "buttons": buttons,
                }
            )
        return {"ok": True, "windows": shown}

    def click(self, request: dict[str, Any]) -> dict[str, Any]:
        name, text = request.get("name"), request.get("text")
        for window in _windows():
            for button in _visible_in(window, QAbstractButton):
                if (name and button.objectName() == name) or (text and text in button_text(button)):
                    if not button.isEnabled():
                        return {"ok": False, "error": "disabled"}
                    button.click()
                    return {"ok": True}
        return {"ok": False, "error": "no such button on screen"}

    def grab(self, request: dict[str, Any]) -> dict[str, Any]:
        folder = Path(str(request.get("dir", ".")))
        folder.mkdir(parents=True, exist_ok=True)
        prefix = str(request.get("prefix", "screen"))
        saved = []
        for n, window in enumerate(sorted(_windows(), key=lambda w: w.windowTitle()), start=1):
            path = folder / f"{prefix}-{window_slug(window.windowTitle()) or n}.png"
            if window.grab().save(str(path)):
                saved.append({"title": window.windowTitle(), "path": str(path)})
        return {"ok": True, "saved": saved}


def write_port_file(path: Path, port: int, secret: str) -> None:
    """Write port and secret readable by this user only, atomically."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"port": port, "secret": secret, "pid": os.getpid()}, f)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Run one terminal app with remote hands (see the module docstring)."""
    p = argparse.ArgumentParser(prog="python -m hallq.remote_control")
    p.add_argument("--app", choices=sorted(APPS), required=True)
    p.add_argument("--port-file", type=Path, required=True)
    p.add_argument("app_args", nargs=argparse.REMAINDER, help="-- then the app's own options")
    args = p.parse_args(argv)
    app_args = args.app_args[1:] if args.app_args[:1] == ["--"] else args.app_args
    # The app's own bootstrap reuses this QApplication (terminal.app.start_application).
    app = QApplication(sys.argv[:1])
    QGuiApplication.setDesktopFileName(f"hallq-{args.app}")
    heard = Announcements()
    secret = secrets.token_hex(16)
    control = RemoteControl(secret, heard, app)
    write_port_file(args.port_file, control.listen(), secret)
    module = __import__(APPS[args.app], fromlist=["main"])
    return int(module.main(app_args))


if __name__ == "__main__":
    sys.exit(main())
