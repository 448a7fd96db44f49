"""The apps as an installer meets them: started as programs, they say on screen and in one log
line what is wrong — a replaced token, a server that is not there."""

from __future__ import annotations

import socket
from pathlib import Path

from hallq.processes import Child, wait_for
from hallq.terminals import RemoteError, RemoteTerminal
from tests.support.server import HallServerProcess
from tests.support.terminals import start_terminal


def _screen(remote: RemoteTerminal) -> str:
    if not remote.ready():
        return ""
    try:
        return remote.text()
    except RemoteError:
        return ""


def _log(child: Child) -> str:
    return child.log_path.read_text(encoding="utf-8", errors="replace")


def test_the_kiosk_with_a_replaced_token_says_so_on_screen_and_in_its_log(
    tls_hall_server: HallServerProcess, tmp_path: Path
) -> None:
    stale = tls_hall_server.tokens["kiosk-1"]
    tls_hall_server.pair_all()  # pairing again replaces every token: the kiosk's is now refused
    url = tls_hall_server.url
    child, remote = start_terminal("kiosk", tmp_path, "--server", url, "--token", stale)
    try:
        refusal = "本终端未获大厅服务器授权"
        wait_for(lambda: refusal in _screen(remote), 60, "for the refusal screen", child=child)
        wait_for(lambda: "refuses this terminal's token" in _log(child), 10, "for the log line")
    finally:
        child.stop()
    lines = [line for line in _log(child).splitlines() if "hallq." in line]
    refused = [line for line in lines if "refuses this terminal's token" in line]
    assert len(refused) == 1 and " ERROR hallq.link: " in refused[0] and "401" in refused[0]


def test_the_caller_without_a_server_shows_why_instead_of_a_black_screen(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{closed.getsockname()[1]}"
    child, remote = start_terminal("caller", tmp_path, "--server", url, "--token", "t")
    try:
        unreachable = "无法连接大厅服务器"
        wait_for(lambda: unreachable in _screen(remote), 60, "for that screen", child=child)
        assert "Cannot reach the hall server" in _screen(remote)
        wait_for(lambda: "unreachable" in _log(child), 10, "for the log line")
    finally:
        child.stop()
    log = _log(child)
    assert f"WARNING hallq.link: hall server {url} unreachable" in log
    assert "not a caller" not in log
