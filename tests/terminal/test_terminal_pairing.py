"""The terminal's side of pairing: where its token is kept, which token it starts with, and
what it does when the server refuses it (against a real hall server over TLS)."""

from __future__ import annotations

import stat
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject
from pytestqt.qtbot import QtBot

from terminal.i18n import Text
from terminal.link import LinkState, ServerLink
from terminal.pairing import PairingScreen, TerminalPairing, TokenFile, token_file_for
from terminal.pinning import CertificatePin, state_file_for
from terminal.screens import FullScreenWindow, StatusOverlay
from tests.support.server import HallServerProcess


def test_the_token_is_kept_beside_the_pin_readable_by_its_user_alone(tmp_path: Path) -> None:
    path = token_file_for(state_file_for("kiosk-3"))
    assert path == state_file_for("kiosk-3").with_name("kiosk-3.token")
    tokens = TokenFile(path)
    assert tokens.read() is None
    tokens.keep("abc")
    assert tokens.read() == "abc" and stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens.keep("def")  # a new pairing replaces it whole
    assert tokens.read() == "def" and [p.name for p in path.parent.iterdir()] == ["kiosk-3.token"]
    tokens.drop()
    tokens.drop()
    assert tokens.read() is None


def _pairing(
    server: HallServerProcess, path: Path, configured: str | None, parent: QObject | None = None
) -> TerminalPairing:
    """Parented to a test's window, it ends with the test (no retries into later tests)."""
    return TerminalPairing(
        "kiosk",
        "test-pc",
        TokenFile(path),
        CertificatePin(server.fingerprint),
        configured=configured,
        parent=parent or QCoreApplication.instance(),
    )


def test_a_refused_kept_token_is_dropped_and_the_configured_one_tried(
    qtbot: QtBot, tls_hall_server: HallServerProcess, tmp_path: Path
) -> None:
    s = tls_hall_server
    tokens = tmp_path / "kiosk.token"
    TokenFile(tokens).keep("a-token-revoked-long-ago")
    pairing = _pairing(s, tokens, configured=s.tokens["kiosk-1"])
    assert pairing.token == "a-token-revoked-long-ago"  # what pairing gave wins over the config
    link = ServerLink(s.url, pairing.token or "", QCoreApplication.instance(), pin=pairing.pin)
    pairing.watch(link)
    link.start()
    qtbot.waitUntil(lambda: link.state == LinkState.ONLINE, timeout=20000)
    assert not tokens.exists() and pairing.code is None  # no pairing was needed
    link.stop()


def test_a_refused_token_brings_the_pairing_code_up_over_the_windows(
    qtbot: QtBot, tls_hall_server: HallServerProcess, tmp_path: Path
) -> None:
    s = tls_hall_server
    window = FullScreenWindow("caller", windowed=True, screen_size=(800, 480))
    qtbot.addWidget(window)
    window.show_on_screen()
    pairing = _pairing(s, tmp_path / "caller.token", configured="not-a-token", parent=window)
    pairing.cover(window)
    link = ServerLink(s.url, "not-a-token", QCoreApplication.instance(), pin=pairing.pin)
    pairing.watch(link)
    link.start()
    qtbot.waitUntil(lambda: pairing.code is not None, timeout=20000)
    screen = window.findChild(PairingScreen)
    assert screen is not None and screen.isVisible()
    code = pairing.code or ""
    assert screen.code.text() == f"{code[:3]} {code[3:]}"
    assert "本终端未获大厅服务器授权" in screen.status.text()
    # The app raises its own overlay when its page changes: the code stays on top.
    overlay = StatusOverlay(window)
    overlay.show_message(Text("正在连接大厅服务器…"))
    qtbot.waitUntil(lambda: window.children()[-1] is screen, timeout=5000)
    overlay.raise_()
    qtbot.waitUntil(lambda: window.children()[-1] is screen, timeout=5000)
    link.stop()
