"""TLS on the hall LAN: the terminal talks only to the server whose certificate it pinned, and
says so on screen and in its log when the server refuses it or shows another certificate."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtNetwork import QNetworkAccessManager
from pytestqt.qtbot import QtBot

from hallserver.tls import certificate_paths, server_certificate
from terminal.link import LinkState, ServerLink
from terminal.pinning import CertificatePin
from terminal.screens import FullScreenWindow, StatusOverlay
from tests.support.server import HallServerProcess


def _link(url: str, token: str, pin: CertificatePin | None = None) -> ServerLink:
    return ServerLink(url, token, QCoreApplication.instance(), reconnect_max_s=0.5, pin=pin)


def _screen(qtbot: QtBot, link: ServerLink) -> StatusOverlay:
    window = FullScreenWindow("kiosk", windowed=True, screen_size=(1280, 720))
    qtbot.addWidget(window)
    window.show_on_screen()
    overlay = StatusOverlay(window)
    overlay.follow(link)
    return overlay


def _wait_state(qtbot: QtBot, link: ServerLink, state: LinkState) -> None:
    qtbot.waitUntil(lambda: link.state == state, timeout=20000)


def test_the_pinned_certificate_is_accepted(
    qtbot: QtBot, tls_hall_server: HallServerProcess
) -> None:
    assert tls_hall_server.url.startswith("https://")
    link = _link(
        tls_hall_server.url,
        tls_hall_server.tokens["display-hall"],
        CertificatePin(tls_hall_server.fingerprint),
    )
    seen: list[int] = []
    link.event_received.connect(lambda e: seen.append(e["seq"]))
    with qtbot.waitSignal(link.resynced, timeout=15000):
        link.start()
    assert link.state == LinkState.ONLINE
    status, _ = tls_hall_server.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
    assert status == 201
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10000)  # the event stream is wss://
    link.stop()


def test_a_changed_certificate_is_refused_with_a_clear_screen(
    qtbot: QtBot, tls_hall_server: HallServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    link = _link(
        tls_hall_server.url, tls_hall_server.tokens["display-hall"]
    )  # learns at first contact
    overlay = _screen(qtbot, link)
    with qtbot.waitSignal(link.resynced, timeout=15000):
        link.start()
    first = tls_hall_server.fingerprint
    assert link.pin.fingerprint == first

    # The server comes back with another certificate (reinstalled, or a stranger in its place).
    tls_hall_server.kill()
    for path in certificate_paths(tls_hall_server.db):
        path.unlink()
    with caplog.at_level(logging.INFO, logger="hallq.link"):
        tls_hall_server.start(tls_hall_server.port)
        assert tls_hall_server.fingerprint != first
        _wait_state(qtbot, link, LinkState.CERTIFICATE_CHANGED)
    assert not link.online
    assert overlay.isVisible()
    assert overlay.primary.text() == "大厅服务器证书已更改，已拒绝连接"
    assert overlay.secondary.text() == "The hall server's certificate has changed: not connected"
    refusals = [r for r in caplog.records if "another TLS certificate" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.ERROR
    assert tls_hall_server.fingerprint in refusals[0].getMessage()
    assert link.pin.fingerprint == first  # the pin never follows the server by itself
    link.stop()


class _Stranger:
    """A TLS listener with a certificate of its own that records every byte a client sends."""

    def __init__(self, folder: Path) -> None:
        self.context = server_certificate(folder / "stranger.db", "stranger").ssl_context()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(5)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    while data := tls.recv(65536):
                        self.received += data
            except (ssl.SSLError, OSError):
                pass

    def close(self) -> None:
        self.sock.close()


def test_nothing_is_sent_to_a_server_with_another_certificate(qtbot: QtBot, tmp_path: Path) -> None:
    stranger = _Stranger(tmp_path)
    try:
        link = _link(
            f"https://127.0.0.1:{stranger.port}", "secret-token", CertificatePin("ab" * 32)
        )
        link.start()
        _wait_state(qtbot, link, LinkState.CERTIFICATE_CHANGED)
        qtbot.waitUntil(lambda: stranger.connections >= 2, timeout=10000)  # and it retries
        link.stop()
    finally:
        stranger.close()
    assert stranger.received == b""  # no request, no token: the handshake was abandoned


def test_no_tls_serves_plain_http_which_a_pinned_terminal_refuses(
    qtbot: QtBot, hall_server: HallServerProcess
) -> None:
    assert hall_server.url.startswith("http://")  # --no-tls
    plain = _link(hall_server.url, hall_server.tokens["display-hall"])
    with qtbot.waitSignal(plain.resynced, timeout=15000):
        plain.start()
    plain.stop()
    pinned = _link(hall_server.url, hall_server.tokens["display-hall"], CertificatePin("ab" * 32))
    pinned.start()
    _wait_state(qtbot, pinned, LinkState.CERTIFICATE_CHANGED)  # no downgrade to plain HTTP
    pinned.stop()


def test_a_replaced_token_is_refused_with_a_clear_screen_and_one_log_line(
    qtbot: QtBot, tls_hall_server: HallServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    link = _link(tls_hall_server.url, "a-token-replaced-since")
    overlay = _screen(qtbot, link)
    states: list[str] = []
    link.state_changed.connect(states.append)
    answers: list[object] = []
    link.findChild(QNetworkAccessManager).finished.connect(answers.append)
    with caplog.at_level(logging.INFO, logger="hallq.link"):
        link.start()
        _wait_state(qtbot, link, LinkState.TOKEN_REFUSED)
        qtbot.waitUntil(lambda: len(answers) >= 8, timeout=20000)  # retried: still one line
    assert overlay.isVisible()
    assert overlay.primary.text() == "本终端未获大厅服务器授权"
    assert overlay.secondary.text() == "The hall server refuses this terminal"
    lines = [r.getMessage() for r in caplog.records if r.name == "hallq.link"]
    refused = [line for line in lines if "refuses this terminal's token" in line]
    assert len(refused) == 1 and "401" in refused[0], lines
    assert states == [LinkState.TOKEN_REFUSED]
    link.stop()
