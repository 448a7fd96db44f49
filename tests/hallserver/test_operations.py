"""What a hall's IT meets: tokens minted and revoked while the server runs, PIN guessing, one
server per database, stopping on SIGTERM, WebSockets that leave or never read, a full disk."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import aiohttp
import pytest

from hallserver.security import new_token, token_hash
from hallserver.store import Store
from tests.support.server import (
    ROOT,
    SAMPLE,
    HallOnSmallDisk,
    HallServerProcess,
    clerk_for,
    run_command,
)

KIOSKS = ("kiosk-1", "kiosk-2")


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return run_command("hallserver.cli", *args)


def _mint(db: Path, device: str) -> str:
    """A token written by another process, as `hallq-server token` does."""
    token = new_token()
    store = Store(db)
    store.set_token(device, token_hash(token))
    store.close()
    return token


async def _get_many(url: str, token: str, n: int) -> list[int]:
    async with aiohttp.ClientSession() as s:

        async def one() -> int:
            headers = {"Authorization": f"Bearer {token}"}
            async with s.get(f"{url}/api/v1/queues", headers=headers) as r:
                await r.read()
                return r.status

        return list(await asyncio.gather(*(one() for _ in range(n))))


def test_fresh_tokens_work_at_once_under_concurrency(hall_server: HallServerProcess) -> None:
    """20 tokens minted while the server runs, each met by 16 concurrent first requests."""
    statuses: list[int] = []
    for i in range(20):
        token = _mint(hall_server.db, KIOSKS[i % 2])
        statuses += asyncio.run(_get_many(hall_server.url, token, 16))
    assert statuses == [200] * 320


def test_a_revoked_token_is_refused_on_its_next_request(hall_server: HallServerProcess) -> None:
    for _ in range(5):
        old = hall_server.tokens["kiosk-1"]
        assert asyncio.run(_get_many(hall_server.url, old, 4)) == [200] * 4
        hall_server.tokens["kiosk-1"] = _mint(hall_server.db, "kiosk-1")
        assert asyncio.run(_get_many(hall_server.url, old, 4)) == [401] * 4
        assert hall_server.request("GET", "/queues", device="kiosk-1")[0] == 200


def test_a_second_server_on_the_same_database_exits_with_one_line(
    hall_server: HallServerProcess,
) -> None:
    r = _serve("--config", str(SAMPLE), "--db", str(hall_server.db), "--port", "0", "--no-zeroconf")
    assert r.returncode == 1 and r.stdout == "", r.stdout
    assert r.stderr.count("\n") == 1 and "already served by hallq-server pid" in r.stderr
    assert str(hall_server.db) in r.stderr
    assert hall_server.request("GET", "/health")[0] == 200


async def _sign_in_burst(url: str, token: str, pins: list[str]) -> list[int]:
    async with aiohttp.ClientSession() as s:

        async def one(pin: str) -> int:
            async with s.post(
                f"{url}/api/v1/windows/3/session",
                json={"clerk": clerk_for("3"), "pin": pin},
                headers={"Authorization": f"Bearer {token}"},
            ) as r:
                await r.read()
                return r.status

        return list(await asyncio.gather(*(one(p) for p in pins)))


def test_pin_guessing_at_once_is_locked_out_and_the_lock_survives_a_restart(
    hall_server: HallServerProcess,
) -> None:
    token = hall_server.tokens["caller-3"]
    wrong = asyncio.run(_sign_in_burst(hall_server.url, token, [f"{n:04d}" for n in range(60)]))
    assert wrong.count(403) == 5 and wrong.count(429) == 55
    assert asyncio.run(_sign_in_burst(hall_server.url, token, ["1234"])) == [429]
    hall_server.restart(hard=True)
    assert asyncio.run(_sign_in_burst(hall_server.url, token, ["1234"])) == [429]
    # Another window is not locked by window 3's guesses.
    hall_server.sign_in("4")


def test_sigterm_stops_within_two_seconds_with_50_websockets_open(
    hall_server: HallServerProcess,
) -> None:
    async def scenario() -> tuple[float, list[int | None]]:
        token = hall_server.tokens["display-hall"]
        async with aiohttp.ClientSession() as s:
            sockets = [
                await s.ws_connect(
                    f"{hall_server.url}/api/v1/events",
                    headers={"Authorization": f"Bearer {token}"},
                )
                for _ in range(50)
            ]
            closed = [asyncio.create_task(ws.receive(timeout=10)) for ws in sockets]
            assert hall_server.proc is not None
            started = time.monotonic()
            hall_server.proc.terminate()
            code = await asyncio.to_thread(hall_server.proc.wait, 15)
            took = time.monotonic() - started
            assert code == 0
            await asyncio.gather(*closed)
            return took, [ws.close_code for ws in sockets]

    took, codes = asyncio.run(scenario())
    assert codes == [1001] * 50  # going away: the terminals reconnect to the restarted server
    assert took < 2.0, f"took {took:.1f} s"


def test_websockets_that_come_and_go_leak_no_task(hall_server: HallServerProcess) -> None:
    async def come_and_go() -> None:
        token = hall_server.tokens["display-hall"]
        async with aiohttp.ClientSession() as s:
            for _ in range(100):
                ws = await s.ws_connect(
                    f"{hall_server.url}/api/v1/events",
                    headers={"Authorization": f"Bearer {token}"},
                )
                await ws.close()

    asyncio.run(come_and_go())
    hall_server.sign_in("1")  # events after the goodbyes: nobody left to send them to
    assert hall_server.proc is not None and hall_server.proc.stderr is not None
    hall_server.proc.terminate()
    assert hall_server.proc.wait(10) == 0
    assert "Task was destroyed but it is pending" not in hall_server.proc.stderr.read()


def test_a_reader_too_slow_is_closed_with_its_own_code(hall_server: HallServerProcess) -> None:
    """A client that stops reading is closed with 4000 once 1,000 events wait for it; when it
    reads again it finds that close frame (not a dropped connection, 1006)."""
    lazy = socket.socket()
    lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lazy.connect(("127.0.0.1", hall_server.port))
    lazy.sendall(
        (
            f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"
            f"\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {hall_server.tokens['display-hall']}\r\n\r\n"
        ).encode()
    )

    async def flood() -> None:
        headers = {"Authorization": f"Bearer {hall_server.tokens['manager-1']}"}
        async with aiohttp.ClientSession(headers=headers) as s:

            async def post(i: int) -> None:
                async with s.post(
                    f"{hall_server.url}/api/v1/devices/me/status",
                    json={"state": "ok", "detail": f"{i:04d}" + "x" * 400},
                ) as r:
                    assert r.status == 200

            for start in range(0, 2_400, 16):
                await asyncio.gather(*(post(i) for i in range(start, start + 16)))

    asyncio.run(flood())
    lazy.settimeout(10)
    received = b""
    while chunk := lazy.recv(1 << 20):
        received += chunk
    lazy.close()
    assert b"\x88\x20\x0f\xa0too slow: reconnect with since" in received


def test_spec_drift_allow_null_required_bodies(hall_server: HallServerProcess) -> None:
    status, body = hall_server.request("PATCH", "/tickets", {}, device="manager-1")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"
    req = urllib.request.Request(hall_server.url + "/api/v1/tickets", method="PATCH")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(req, timeout=10)
    assert "POST" in answer.value.headers.get("Allow", "")
    status, body = hall_server.request(
        "POST", "/tickets", {"service": "A", "matter": None}, device="manager-1"
    )
    assert (status, body["error"]["code"]) == (400, "invalid_field")
    assert "null" in body["error"]["message"]
    _, spec = hall_server.request("GET", "/openapi.json")
    paths = {p.removeprefix("/api/v1"): ops for p, ops in spec["paths"].items()}
    assert paths["/tickets"]["post"]["requestBody"]["required"] is True
    assert paths["/windows/{w}/session"]["post"]["requestBody"]["required"] is True
    assert paths["/windows/{w}/pause"]["post"]["requestBody"]["required"] is False
    assert "400" in paths["/windows/{w}/pause"]["post"]["responses"]


def test_a_malformed_request_is_one_warning_line(hall_server: HallServerProcess) -> None:
    for garbage in (
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n",
    ):
        with socket.create_connection(("127.0.0.1", hall_server.port)) as raw:
            raw.sendall(garbage)
            assert raw.recv(4096).split(b"\r\n")[0].endswith(b" 400 Bad Request")
    assert hall_server.proc is not None and hall_server.proc.stderr is not None
    hall_server.proc.terminate()
    assert hall_server.proc.wait(10) == 0
    log = hall_server.proc.stderr.read()
    assert "Traceback" not in log and "ERROR" not in log, log
    assert log.count("WARNING aiohttp.server: malformed HTTP request from 127.0.0.1") == 2, log


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("hallserver.cli", "hallq-server"),
        ("devices.cli", "hallq-devices"),
        ("hallq.cli", "hallq"),
        ("kiosk", "hallq-kiosk"),
        ("caller", "hallq-caller"),
        ("display", "hallq-display"),
    ],
)
def test_every_command_tells_its_version(module: str, name: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", module, "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 0 and r.stdout.strip() == f"{name} {version('hallq')}", r.stderr


def test_server_help_lists_its_subcommands() -> None:
    r = _serve("--help")
    assert r.returncode == 0
    for tool in ("token", "clerk", "stats", "export"):
        assert f"hallq-server {tool}" in r.stdout


def test_disk_full_answers_503_loses_nothing_and_recovers(tmp_path: Path) -> None:
    small = HallOnSmallDisk(tmp_path)
    proc = small.start()
    assert proc.stdout is not None and proc.stderr is not None
    server = HallServerProcess(db=small.disk / "hall.db", tokens=small.seed.tokens, proc=proc)
    try:
        server.url = proc.stdout.readline().split()[-1]
        acknowledged: list[str] = []

        def issue() -> tuple[int, dict[str, object]]:
            status, body = server.request("POST", "/tickets", {"service": "A"}, device="manager-1")
            if status == 201:
                acknowledged.append(body["ticket"]["id"])
            return status, body

        for _ in range(5):
            assert issue()[0] == 201
        small.inside(proc.pid, f"cat /dev/zero > {small.disk}/filler")
        answers = [issue() for _ in range(40)]
        refused = [body for status, body in answers if status == 503]
        assert refused, [s for s, _ in answers]
        assert {b["error"]["code"] for b in refused} == {"disk_full"}  # type: ignore[index]
        assert all(status in (201, 503) for status, _ in answers)
        # Writes beside the hall's commands (a kiosk's photo) say the same, not 500.
        status, body = server.request(
            "PUT",
            f"/tickets/{acknowledged[0]}/photo",
            raw=b"\xff\xd8\xff\xe0" + bytes(512 * 1024),
            device="kiosk-1",
            headers={"Content-Type": "image/jpeg"},
        )
        assert (status, body["error"]["code"]) == (503, "disk_full"), (status, body)
        assert proc.poll() is None and server.request("GET", "/health")[0] == 200

        small.inside(proc.pid, f"rm {small.disk}/filler")
        assert issue()[0] == 201  # recovered by itself, no restart
        stored = small.inside(
            proc.pid,
            f"{sys.executable} -c \"import sqlite3; c = sqlite3.connect('{small.disk}/hall.db');"
            "print(' '.join(r[0] for r in c.execute('SELECT id FROM tickets')))\"",
        ).split()
        assert set(acknowledged) <= set(stored) and len(stored) == len(acknowledged)
        _, queues = server.request("GET", "/queues", device="manager-1")
        waiting = next(q for q in queues["queues"] if q["service"] == "A")["waiting"]
        assert waiting == len(acknowledged)
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_start_on_a_full_disk_is_refused_with_one_line(tmp_path: Path) -> None:
    small = HallOnSmallDisk(tmp_path)
    proc = small.start(full=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and out == "", (out, err)
    assert err.count("\n") == 1 and "the disk is full" in err, err


def test_a_database_in_a_read_only_folder_says_so(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    HallServerProcess(db=db).pair_all()
    for leftover in tmp_path.glob("h.db-*"):
        leftover.unlink()
    r = run_command(
        "hallserver.cli",
        "--config",
        str(SAMPLE),
        "--db",
        str(db),
        "--port",
        "0",
        "--no-zeroconf",
        read_only=tmp_path,
    )
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"the folder {tmp_path} is on a read-only file system" in r.stderr
    assert "not a usable hallq database" not in r.stderr


def test_device_status_text_is_bounded_plain_text(hall_server: HallServerProcess) -> None:
    def status(detail: str) -> tuple[int, object]:
        return hall_server.request(
            "POST", "/devices/me/status", {"state": "degraded", "detail": detail}, device="kiosk-1"
        )

    for markup in ("<b>打印机缺纸</b>", '<img src="x">', "缺纸\x1b[31m", "x" * 501):
        code, body = status(markup)
        assert (code, body["error"]["code"]) == (400, "invalid_field"), markup  # type: ignore[index]
    assert status("打印机缺纸 Paper out (80%)")[0] == 200


def test_half_sent_requests_are_closed(tmp_path: Path) -> None:
    server = HallServerProcess(db=tmp_path / "hall.db", extra_args=["--request-timeout", "1"])
    server.pair_all()
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as headers_only:
            headers_only.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow:")
            headers_only.settimeout(30)
            assert headers_only.recv(4096) == b""  # closed by the server, no answer
        with socket.create_connection(("127.0.0.1", server.port)) as half_body:
            half_body.sendall(
                b"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer " + server.tokens["manager-1"].encode() + b"\r\n"
                b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"service":'
            )
            half_body.settimeout(30)
            answer = half_body.recv(4096)
            assert answer.split(b"\r\n")[0].endswith(b" 408 Request Timeout"), answer
            assert b'"request_timeout"' in answer
        assert server.request("GET", "/health")[0] == 200
    finally:
        server.kill()


def test_an_unknown_clerk_costs_the_same_scrypt_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hallserver import signin
    from hallserver.security import pin_hash

    checked: list[str] = []
    real = signin.pin_matches

    def counting(pin: str, stored: str) -> bool:
        checked.append(stored)
        return real(pin, stored)

    monkeypatch.setattr(signin, "pin_matches", counting)
    store = Store(tmp_path / "hall.db")

    async def write(fn: Callable[..., object], *args: object) -> object:
        return fn(*args)

    async def scenario() -> list[bool]:
        guard = signin.SignInGuard(store, write)
        known = pin_hash("2468")
        answers = []
        for stored, pin in ((None, "0000"), (known, "1111"), (known, "2468")):
            at = await guard.begin("1")
            assert at is not None
            answers.append(await guard.check("1", at, pin, stored))
        guard.close()
        return answers

    # "0000" is the decoy's own PIN: an unknown clerk is refused even with it.
    assert asyncio.run(scenario()) == [False, False, True]
    assert len(checked) == 3 and checked[0].startswith("scrypt$")
    # The two failures stay counted (and stored); the right PIN's attempt is forgotten.
    assert [window for window, _ in store.pin_attempts_since(0)] == ["1", "1"]
