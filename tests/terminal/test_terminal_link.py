"""ServerLink against a real hall server: requests, errors, retries, exact replay, reconnect."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from terminal.link import Result, ServerLink
from tests.support.server import HallServerProcess


def _issue(server: HallServerProcess, service: str = "A") -> dict[str, Any]:
    status, body = server.request("POST", "/tickets", {"service": service}, device="kiosk-1")
    assert status == 201, body
    return body["ticket"]


def _server_seq(server: HallServerProcess) -> int:
    status, body = server.request("GET", "/health")
    assert status == 200
    return int(body["seq"])


class Recorder:
    """Collects what a link emits."""

    def __init__(self, link: ServerLink) -> None:
        self.seqs: list[int] = []
        self.events: list[dict[str, Any]] = []
        self.online: list[bool] = []
        self.resyncs = 0
        link.event_received.connect(self._event)
        link.online_changed.connect(self.online.append)
        link.resynced.connect(self._resynced)

    def _event(self, event: dict[str, Any]) -> None:
        self.seqs.append(event["seq"])
        self.events.append(event)

    def _resynced(self) -> None:
        self.resyncs += 1


def _link(url: str, token: str, **kwargs: Any) -> ServerLink:
    """A link owned by the application, as in the apps: never destroyed by the garbage
    collector on some other thread (a QObject destroyed off its thread crashes Qt)."""
    return ServerLink(url, token, QCoreApplication.instance(), **kwargs)


@pytest.fixture
def link(qtbot: QtBot, hall_server: HallServerProcess) -> Iterator[ServerLink]:
    link = _link(hall_server.url, hall_server.tokens["display-hall"], reconnect_max_s=0.5)
    yield link
    link.stop()


def _call(
    qtbot: QtBot, link: ServerLink, method: str, path: str, body: Any = None, **kwargs: Any
) -> Result:
    results: list[Result] = []
    link.request(method, path, body, callback=results.append, **kwargs)
    qtbot.waitUntil(lambda: bool(results), timeout=15000)
    return results[0]


def test_request_parses_json_and_errors(qtbot: QtBot, hall_server: HallServerProcess) -> None:
    kiosk = _link(hall_server.url + "/", hall_server.tokens["kiosk-1"])
    hall = _call(qtbot, kiosk, "GET", "/hall")
    assert hall.ok and hall.body["id"] == "sample-hall" and hall.error_code is None

    bad = _call(qtbot, kiosk, "POST", "/tickets", {"service": "Z"})
    assert (bad.ok, bad.status, bad.error_code) == (False, 422, "unknown_service")
    assert bad.message

    display = _link(hall_server.url, hall_server.tokens["display-hall"])
    denied = _call(qtbot, display, "POST", "/tickets", {"service": "A"})
    assert (denied.status, denied.error_code) == (403, "forbidden")


def test_same_idempotency_key_gives_the_same_ticket(
    qtbot: QtBot, hall_server: HallServerProcess
) -> None:
    kiosk = _link(hall_server.url, hall_server.tokens["kiosk-1"])
    first = _call(qtbot, kiosk, "POST", "/tickets", {"service": "B"}, idempotency_key="k-1")
    again = _call(qtbot, kiosk, "POST", "/tickets", {"service": "B"}, idempotency_key="k-1")
    assert first.status == 201 and again.status == 200
    assert first.body["ticket"]["id"] == again.body["ticket"]["id"]


def test_network_error_and_timeout(qtbot: QtBot) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    refused = _call(qtbot, _link(f"http://127.0.0.1:{port}", "t"), "GET", "/hall")
    assert (refused.status, refused.ok, refused.error_code) == (0, False, "network")

    # A server that accepts the connection and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        slow = _call(qtbot, _link(url, "t"), "GET", "/hall", timeout_ms=300)
    assert (slow.status, slow.error_code) == (0, "timeout")


def test_retries_resend_the_same_request_until_the_server_is_back(
    qtbot: QtBot, hall_server: HallServerProcess
) -> None:
    kiosk = _link(hall_server.url, hall_server.tokens["kiosk-1"])
    port = hall_server.port
    hall_server.kill()
    results: list[Result] = []
    kiosk.request(
        "POST",
        "/tickets",
        {"service": "C"},
        idempotency_key="retry-1",
        retries=8,
        callback=results.append,
    )
    hall_server.start(port)
    qtbot.waitUntil(lambda: bool(results), timeout=20000)
    assert results[0].status == 201
    again = _call(qtbot, kiosk, "POST", "/tickets", {"service": "C"}, idempotency_key="retry-1")
    assert again.status == 200 and again.body["ticket"]["id"] == results[0].body["ticket"]["id"]


def test_http_errors_are_not_retried(qtbot: QtBot) -> None:
    """An HTTP answer means the server acted: only network failures are re-sent."""
    hits: list[str] = []

    class Busy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.headers.get("Idempotency-Key", ""))
            body = b'{"error": {"code": "busy", "message": "busy"}}'
            self.send_response(409)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        busy = _call(
            qtbot,
            _link(url, "t"),
            "POST",
            "/windows/1/call-next",
            {},
            idempotency_key="once",
            retries=3,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (busy.status, busy.error_code) == (409, "busy")
    assert hits == ["once"]


def test_live_events_arrive_once_in_order(
    qtbot: QtBot, hall_server: HallServerProcess, link: ServerLink
) -> None:
    _issue(hall_server)  # before the link starts: not replayed (start() begins at "now")
    seen = Recorder(link)
    with qtbot.waitSignal(link.resynced, timeout=10000):
        link.start()
    assert link.online and seen.online == [True]
    start = link.last_seq
    tickets = [_issue(hall_server, s) for s in "ABC"]
    qtbot.waitUntil(lambda: len(seen.seqs) == 3, timeout=10000)
    assert seen.seqs == [start + 1, start + 2, start + 3]
    assert [e["data"]["ticket"]["number"] for e in seen.events] == [t["number"] for t in tickets]
    assert all(e["type"] == "ticket.issued" for e in seen.events)


def test_start_since_replays_the_backlog_then_resyncs(
    qtbot: QtBot, hall_server: HallServerProcess, link: ServerLink
) -> None:
    for _ in range(30):
        _issue(hall_server)
    seen = Recorder(link)
    resync_at: list[int] = []
    link.resynced.connect(lambda: resync_at.append(len(seen.seqs)))
    with qtbot.waitSignal(link.resynced, timeout=10000):
        link.start(since=0)
    assert seen.seqs == list(range(1, 31))
    assert resync_at == [30]  # resynced once, after the whole replay
    assert not link.replaying


def test_replay_is_exact_across_kill_9_and_restart(
    qtbot: QtBot, hall_server: HallServerProcess, link: ServerLink
) -> None:
    seen = Recorder(link)
    with qtbot.waitSignal(link.resynced, timeout=10000):
        link.start()
    first = link.last_seq + 1
    for _ in range(5):
        _issue(hall_server)
    qtbot.waitUntil(lambda: len(seen.seqs) == 5, timeout=10000)

    for _round in range(2):
        with qtbot.waitSignal(link.online_changed, timeout=10000) as lost:
            hall_server.restart(hard=True)
            # Issued while this terminal is offline: must come back through the replay.
            for _ in range(7):
                _issue(hall_server, "D")
        assert lost.args == [False]
        with qtbot.waitSignal(link.resynced, timeout=20000):
            pass
        assert link.online
        for _ in range(3):
            _issue(hall_server, "E")
        expected = _server_seq(hall_server)
        qtbot.waitUntil(lambda expected=expected: link.last_seq == expected, timeout=10000)

    assert seen.seqs == list(range(first, _server_seq(hall_server) + 1))  # no gap, no duplicate
    assert seen.online == [True, False, True, False, True]


def test_stop_then_start_again_replays_what_was_missed(
    qtbot: QtBot, hall_server: HallServerProcess, link: ServerLink
) -> None:
    seen = Recorder(link)
    with qtbot.waitSignal(link.resynced, timeout=10000):
        link.start()
    _issue(hall_server)
    qtbot.waitUntil(lambda: len(seen.seqs) == 1, timeout=10000)
    link.stop()
    assert not link.online
    missed = [_issue(hall_server)["number"] for _ in range(4)]
    with qtbot.waitSignal(link.resynced, timeout=10000):
        link.start()
    assert [e["data"]["ticket"]["number"] for e in seen.events[1:]] == missed
    assert len(set(seen.seqs)) == len(seen.seqs) == 5


def test_a_server_on_a_new_database_is_followed_from_its_end(
    qtbot: QtBot, hall_server: HallServerProcess, tmp_path: Any
) -> None:
    link = _link(hall_server.url, hall_server.tokens["display-hall"], reconnect_max_s=0.5)
    with qtbot.waitSignal(link.resynced, timeout=10000):
        link.start(since=500)  # ahead of this server's log (e.g. it was reinstalled)
    assert link.last_seq == _server_seq(hall_server)
    seen = Recorder(link)
    _issue(hall_server)
    qtbot.waitUntil(lambda: len(seen.seqs) == 1, timeout=10000)
    link.stop()
