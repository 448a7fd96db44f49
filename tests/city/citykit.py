"""Halls that feed a city database, and what the tests read back from the city."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from city.schema import init
from tests.support.server import SAMPLE, HallServerProcess


def city(url: str) -> str:
    with psycopg.connect(url) as conn:
        init(conn)
    return url


def hall_config(folder: Path, hall_id: str) -> Path:
    """The sample hall under another id (one city, several halls)."""
    path = folder / f"{hall_id}.toml"
    text = SAMPLE.read_text(encoding="utf-8")
    path.write_text(text.replace('id = "sample-hall"', f'id = "{hall_id}"', 1), encoding="utf-8")
    return path


def feeding_hall(folder: Path, url: str, hall_id: str = "sample-hall") -> HallServerProcess:
    folder.mkdir(parents=True, exist_ok=True)
    server = HallServerProcess(
        db=folder / "hall.db",
        config=hall_config(folder, hall_id),
        extra_args=["--city", url],
    )
    server.pair_all()
    return server


@contextmanager
def open_hall(folder: Path, url: str, hall_id: str = "sample-hall") -> Iterator[HallServerProcess]:
    """A running hall feeding the city, clerks signed in at windows 1 (A) and 4 (C)."""
    server = feeding_hall(folder, url, hall_id)
    server.start()
    try:
        server.sign_in("1")
        server.sign_in("4")
        yield server
    finally:
        server.kill()


def log_lines(hall: HallServerProcess) -> list[str]:
    """The server's stderr (its feed's too), read as it comes."""
    lines: list[str] = []
    stream = hall.proc.stderr if hall.proc else None
    assert stream is not None
    threading.Thread(target=lambda: lines.extend(stream), daemon=True).start()
    return lines


def wait_until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:.0f} s: {check}")
        time.sleep(0.1)


def query(url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, args).fetchall()


def city_seq(url: str, hall: str = "sample-hall") -> int:
    try:
        rows = query(url, "SELECT seq FROM hallq_feed WHERE hall_id = %s", hall)
    except psycopg.OperationalError:
        return -1
    return int(rows[0][0]) if rows else 0


def hall_seq(server: HallServerProcess) -> int:
    status, body = server.request("GET", "/health")
    assert status == 200
    return int(body["seq"])


def caught_up(url: str, server: HallServerProcess, hall: str = "sample-hall") -> bool:
    return city_seq(url, hall) == hall_seq(server)


def assert_exactly_once(url: str, server: HallServerProcess, hall: str = "sample-hall") -> None:
    """Every event of the hall, 1…seq, once: no gap, no duplicate, bodies as the hall holds them."""
    seq = hall_seq(server)
    rows = query(
        url,
        "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM hallq_events "
        "WHERE hall_id = %s",
        hall,
    )
    assert rows[0] == (seq, seq, 1, seq)


def run_tickets(server: HallServerProcess, n: int, windows: tuple[str, ...] = ("1", "4")) -> None:
    """n tickets through the windows: served and rated, some no-shows, one transfer."""
    services = {"1": "A", "4": "C"}
    for i in range(n):
        window = windows[i % len(windows)]
        status, body = server.request(
            "POST", "/tickets", {"service": services[window]}, device="kiosk-1"
        )
        assert status == 201, body
    for i in range(n):
        window = windows[i % len(windows)]
        caller = f"caller-{window}"
        status, body = server.request("POST", f"/windows/{window}/call-next", device=caller)
        assert status == 200, body
        ticket = body["ticket"]
        if i % 7 == 3:
            server.request("POST", f"/windows/{window}/no-show", device=caller)
            continue
        server.request("POST", f"/windows/{window}/start", device=caller)
        server.request("POST", f"/windows/{window}/finish", device=caller)
        score = 5 - i % 5
        body = {"score": score, "reasons": ["efficiency"] if score <= 2 else []}
        status, answer = server.request(
            "POST", f"/tickets/{ticket['id']}/evaluation", body, device=caller
        )
        assert status == 200, answer
