"""The demo's side of the remote hands (`hallq.remote_control`): press, read, grab, listen."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

TIMEOUT_S = 10.0


class RemoteError(RuntimeError):
    """The terminal's remote control refused a request or did not answer."""


class RemoteTerminal:
    """One running terminal app, driven through its loopback remote control."""

    def __init__(self, device: str, port_file: Path) -> None:
        self.device = device
        self.port_file = port_file
        self._port = 0
        self._secret = ""

    def ready(self) -> bool:
        """The app is up and listening (its port file is written)."""
        if self._port:
            return True
        try:
            info = json.loads(self.port_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        self._port, self._secret = int(info["port"]), str(info["secret"])
        return True

    def call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send one command; the answer as a dict (``ok`` False carries ``error``)."""
        if not self.ready():
            raise RemoteError(f"{self.device}: not running yet")
        request = json.dumps({"cmd": cmd, "secret": self._secret, **fields}, ensure_ascii=False)
        try:
            with socket.create_connection(("127.0.0.1", self._port), timeout=TIMEOUT_S) as s:
                s.sendall(request.encode() + b"\n")
                data = b""
                while not data.endswith(b"\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        except OSError as exc:
            raise RemoteError(f"{self.device}: {exc}") from exc
        if not data:
            raise RemoteError(f"{self.device}: no answer to {cmd}")
        answer: dict[str, Any] = json.loads(data)
        if answer.get("error") == "wrong secret":
            raise RemoteError(f"{self.device}: the remote control refused our secret")
        return answer

    def windows(self) -> list[dict[str, Any]]:
        """Each visible window: title, labels, buttons."""
        return list(self.call("screens")["windows"])

    def text(self) -> str:
        """Everything the terminal's screens say, as one string (labels and buttons)."""
        parts: list[str] = []
        for window in self.windows():
            parts.extend(window["labels"])
            parts.extend(b["text"] for b in window["buttons"])
        return " | ".join(parts)

    def buttons(self) -> list[dict[str, Any]]:
        return [b for window in self.windows() for b in window["buttons"]]

    def click(self, *, name: str | None = None, text: str | None = None) -> bool:
        """Press a visible, enabled button (by object name, or text it contains)."""
        return bool(self.call("click", name=name, text=text).get("ok"))

    def grab(self, folder: Path, prefix: str) -> list[Path]:
        """Save each of the terminal's windows as a PNG; the paths written."""
        answer = self.call("grab", dir=str(folder), prefix=prefix)
        return [Path(item["path"]) for item in answer.get("saved", [])]

    def said(self) -> list[dict[str, str]]:
        """The announcements this terminal's voice started (displays with a speaker)."""
        return list(self.call("said")["said"])
