"""Faults: kill -9, restarts, concurrent call-next, slow WebSocket clients, broken files,
tokens issued while running, zeroconf discovery on loopback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest

from tests.support.server import ROOT, SAMPLE, HallServerProcess

MANAGER = "manager-1"


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallserver.cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )


def test_restart_keeps_everything_and_numbers_continue(hall_server: HallServerProcess) -> None:
    hall_server.sign_in("1")
    for _ in range(3):
        hall_server.request("POST", "/tickets", {"service": "A"}, device=MANAGER)
    _, called = hall_server.request("POST", "/windows/1/call-next", device="caller-1")
    hall_server.sign_in("2")
    _, paused = hall_server.request(
        "POST", "/windows/2/pause", {"reason": "午间休息", "minutes": 60}, device="caller-2"
    )
    _, before = hall_server.request("GET", "/health")
    hall_server.restart(hard=True)
    _, after = hall_server.request("GET", "/health")
    assert after["seq"] == before["seq"]
    _, windows = hall_server.request("GET", "/windows", device=MANAGER)
    w1 = next(w for w in windows["windows"] if w["id"] == "1")
    assert w1["status"] == "open" and w1["current"]["id"] == called["ticket"]["id"]
    w2 = next(w for w in windows["windows"] if w["id"] == "2")
    assert w2["status"] == "paused" and w2["back_at"] == paused["window"]["back_at"] is not None
    _, queues = hall_server.request("GET", "/queues", device=MANAGER)
    assert next(q for q in queues["queues"] if q["service"] == "A")["waiting"] == 2
    status, body = hall_server.request("POST", "/tickets", {"service": "A"}, device=MANAGER)
    assert body["ticket"]["number"] == "A004"
    status, body = hall_server.request("POST", "/windows/1/finish", device="caller-1")
    assert status == 200 and body["ticket"]["status"] == "done"
    _, health = hall_server.request("GET", "/health")
    assert health["seq"] == before["seq"] + 2


def test_kill_9_under_load_loses_nothing_answered(hall_server: HallServerProcess) -> None:
    """Clients issue tickets flat out; the server is killed mid-stream. Every ticket whose 201
    reached a client must exist after the restart, and the event log must stay gapless."""
    answered: list[str] = []
    stop = threading.Event()

    def client(service: str) -> None:
        while not stop.is_set():
            try:
                status, body = hall_server.request(
                    "POST", "/tickets", {"service": service}, device=MANAGER
                )
            except OSError:
                return
            if status == 201:
                answered.append(body["ticket"]["id"])

    threads = [threading.Thread(target=client, args=(s,)) for s in "ABCD"]
    for t in threads:
        t.start()
    while len(answered) < 200:
        time.sleep(0.01)
    hall_server.kill()
    stop.set()
    for t in threads:
        t.join(10)
    hall_server.restart()
    missing = [
        tid
        for tid in answered
        if hall_server.request("GET", f"/tickets/{tid}", device=MANAGER)[0] != 200
    ]
    assert missing == []
    _, health = hall_server.request("GET", "/health")
    events = asyncio.run(_events(hall_server, 0, health["seq"]))
    assert [e["seq"] for e in events] == list(range(1, health["seq"] + 1))
    numbers = [e["data"]["ticket"]["number"] for e in events if e["type"] == "ticket.issued"]
    assert len(numbers) == len(set(numbers)) >= len(answered)


async def _events(
    server: HallServerProcess, since: int, count: int, device: str = MANAGER
) -> list[dict]:
    got: list[dict] = []
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(
            f"{server.url}/api/v1/events?since={since}",
            headers={"Authorization": f"Bearer {server.tokens[device]}"},
        ) as ws,
    ):
        while len(got) < count:
            msg = await asyncio.wait_for(ws.receive(), 10)
            got.append(json.loads(msg.data))
    return got


def test_many_windows_pressing_call_next_at_once(hall_server: HallServerProcess) -> None:
    windows = ["1", "2", "3"]
    for w in windows:
        hall_server.sign_in(w)
    for _ in range(30):
        hall_server.request("POST", "/tickets", {"service": "B"}, device=MANAGER)

    async def press(session: aiohttp.ClientSession, window: str) -> tuple[int, dict]:
        async with session.post(
            f"{hall_server.url}/api/v1/windows/{window}/call-next",
            headers={"Authorization": f"Bearer {hall_server.tokens[f'caller-{window}']}"},
        ) as r:
            return r.status, await r.json()

    async def day() -> list[tuple[int, dict]]:
        results = []
        async with aiohttp.ClientSession() as s:
            for _ in range(12):
                # Each window presses twice at once (a key bounce): one call, one `busy`.
                batch = await asyncio.gather(*[press(s, w) for w in windows for _ in range(2)])
                results.extend(batch)
                await asyncio.gather(
                    *[
                        s.post(
                            f"{hall_server.url}/api/v1/windows/{w}/finish",
                            headers={
                                "Authorization": f"Bearer {hall_server.tokens[f'caller-{w}']}"
                            },
                        )
                        for w in windows
                    ]
                )
        return results

    results = asyncio.run(day())
    called = [b["ticket"]["id"] for s, b in results if s == 200 and b["ticket"]]
    busy = [b for s, b in results if s == 409]
    assert len(called) == 30 and len(set(called)) == 30  # every ticket called exactly once
    assert all(b["error"]["code"] == "busy" for b in busy)
    per_round = [results[i : i + 6] for i in range(0, len(results), 6)]
    for batch in per_round[:10]:
        assert sum(1 for s, _ in batch if s == 200) == 3


def test_slow_websocket_client_does_not_stall_the_hall(hall_server: HallServerProcess) -> None:
    async def scenario() -> tuple[int, float]:
        async with aiohttp.ClientSession() as s:
            lazy = await s.ws_connect(  # connects and never reads
                f"{hall_server.url}/api/v1/events?since=0",
                headers={"Authorization": f"Bearer {hall_server.tokens['display-hall']}"},
            )
            started = time.monotonic()
            for i in range(300):
                await (
                    await s.post(
                        f"{hall_server.url}/api/v1/devices/me/status",
                        json={"state": "ok", "detail": "x" * 400 + str(i)},
                        headers={"Authorization": f"Bearer {hall_server.tokens[MANAGER]}"},
                    )
                ).read()
            took = time.monotonic() - started
            got = await _events(hall_server, 0, 300)
            await lazy.close()
            return len(got), took

    received, took = asyncio.run(scenario())
    assert received == 300
    assert took < 60  # not a speed target: it only proves the server never waited on the reader


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[hall]\nid = 'x'\n", "missing"),
        ("not toml = = =", "not valid TOML"),
        (
            SAMPLE.read_text(encoding="utf-8").replace('kind = "specialized"', 'kind = "vip"', 1),
            "windows[6].kind",
        ),
        (
            SAMPLE.read_text(encoding="utf-8").replace("[policy]\n", "[policy]\nspeed = 3\n"),
            "policy.speed: unknown key",
        ),
        (
            SAMPLE.read_text(encoding="utf-8").replace('window = "11"', 'window = "99"'),
            "devices[12].window",
        ),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, content: str, fragment: str) -> None:
    cfg = tmp_path / "hall.toml"
    cfg.write_text(content, encoding="utf-8")
    r = _serve("--config", str(cfg), "--db", str(tmp_path / "h.db"), "--port", "0", "--no-zeroconf")
    assert r.returncode == 2
    line = r.stderr.strip()
    assert "\n" not in line and str(cfg) in line and fragment in line, line


def test_corrupt_or_unwritable_database_stops_start_up(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    r = _serve("--config", str(SAMPLE), "--db", str(corrupt), "--port", "0", "--no-zeroconf")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "not a usable hallq database" in r.stderr
    missing = tmp_path / "nowhere" / "h.db"
    r = _serve("--config", str(SAMPLE), "--db", str(missing), "--port", "0", "--no-zeroconf")
    assert r.returncode == 1 and "does not exist" in r.stderr
    r = _serve("--config", str(SAMPLE), "--db", str(tmp_path), "--port", "0", "--no-zeroconf")
    assert r.returncode == 1 and "is a directory" in r.stderr


def test_unwritable_database(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        # root ignores file modes: make the folder read-only through a read-only bind instead
        db = tmp_path / "h.db"
        HallServerProcess(db=db).pair_all()
        r = subprocess.run(
            [
                "unshare",
                "-rm",
                "sh",
                "-c",
                f"mount --bind -o ro {tmp_path} {tmp_path} && exec "
                f"{sys.executable} -m hallserver.cli --config {SAMPLE} --db {db} "
                "--port 0 --no-zeroconf",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
        if "mount" in r.stderr and "hallq" not in r.stderr:
            pytest.fail(f"could not make a read-only mount: {r.stderr}")
    else:
        db = tmp_path / "h.db"
        HallServerProcess(db=db).pair_all()
        tmp_path.chmod(0o500)
        db.chmod(0o400)
        r = _serve("--config", str(SAMPLE), "--db", str(db), "--port", "0", "--no-zeroconf")
        tmp_path.chmod(0o700)
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip().count("\n") == 0 and str(db) in r.stderr


def test_token_issued_while_running_replaces_the_old_one(hall_server: HallServerProcess) -> None:
    old = hall_server.tokens["kiosk-2"]
    r = _serve("token", "--config", str(SAMPLE), "--db", str(hall_server.db), "--device", "kiosk-2")
    assert r.returncode == 0
    new = r.stdout.strip()
    assert "\n" not in new and len(new) >= 40
    hall_server.tokens["kiosk-2"] = new
    assert hall_server.request("GET", "/queues", device="kiosk-2")[0] == 200
    hall_server.tokens["kiosk-2"] = old
    deadline = time.monotonic() + 10
    while hall_server.request("GET", "/queues", device="kiosk-2")[0] != 401:
        assert time.monotonic() < deadline, "the revoked token still works"
        time.sleep(0.2)
    r = _serve("token", "--config", str(SAMPLE), "--db", str(hall_server.db), "--device", "ghost")
    assert r.returncode == 2 and "ghost" in r.stderr


def test_cli_stats_and_export(hall_server: HallServerProcess, tmp_path: Path) -> None:
    hall_server.sign_in("9")
    hall_server.request(
        "POST",
        "/tickets",
        {"service": "K", "id_number": "11010519491231002X", "name": "张三"},
        device="kiosk-1",
    )
    hall_server.request("POST", "/windows/9/call-next", device="caller-9")
    hall_server.request("POST", "/windows/9/finish", device="caller-9")
    r = _serve("stats", "--config", str(SAMPLE), "--db", str(hall_server.db))
    assert r.returncode == 0 and json.loads(r.stdout)["served"] == 1
    out = tmp_path / "day.csv"
    r = _serve("export", "--config", str(SAMPLE), "--db", str(hall_server.db), "--out", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert r.returncode == 0 and text.startswith("number,service") and "K001" in text
    assert "张三" not in text and "11010519491231002X" not in text and "张*" not in text


def test_zeroconf_discovery_on_loopback(tmp_path: Path) -> None:
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    server = HallServerProcess(db=tmp_path / "hall.db")
    server.pair_all()
    server.extra_args = []
    # Start without --no-zeroconf: the advert goes to 127.0.0.1 only (the bound host).
    args = [
        sys.executable,
        "-m",
        "hallserver.cli",
        "--config",
        str(SAMPLE),
        "--db",
        str(server.db),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        found: dict[str, object] = {}
        seen = threading.Event()

        class Listener(ServiceListener):
            def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                info = zc.get_service_info(type_, name, timeout=3000)
                # Other halls may be advertised on loopback at the same time: find ours by port.
                if info and info.properties.get(b"hall") == b"sample-hall" and info.port == port:
                    found.update(
                        port=info.port, props=info.properties, addresses=info.parsed_addresses()
                    )
                    seen.set()

            def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                self.add_service(zc, type_, name)

            def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                pass

        zc = Zeroconf(interfaces=["127.0.0.1"])
        try:
            ServiceBrowser(zc, "_hallq._tcp.local.", Listener())
            assert seen.wait(15), "the hall was not found over zeroconf"
        finally:
            zc.close()
        assert found["port"] == port and "127.0.0.1" in found["addresses"]  # type: ignore[operator]
        props = found["props"]
        assert props[b"api"] == b"v1" and props[b"name"] == "示例市政务服务中心".encode()  # type: ignore[index]
        # HTTPS by default: the advert names the certificate terminals are to pin.
        assert props[b"tls"] == server.fingerprint.encode()  # type: ignore[index]
    finally:
        proc.terminate()
        assert proc.wait(15) == 0
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
