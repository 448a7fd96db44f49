"""A running hall server with its console, two manager accounts and a signed-in browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hallserver.store import Store
from manage import accounts, records
from tests.support.server import HallServerProcess

ADMIN, SUPERVISOR, PASSWORD = "boss", "duty", "correct-horse"


@dataclass
class Console:
    server: HallServerProcess
    url: str  # http://127.0.0.1:PORT/manage


@pytest.fixture
def seed() -> Callable[[Store], None]:
    """What the hall's database holds before the server starts (a test module may override
    this fixture, e.g. with past days' tickets)."""
    return lambda store: None


@pytest.fixture
def console(tmp_path: Path, seed: Callable[[Store], None]) -> Iterator[Console]:
    server = HallServerProcess(db=tmp_path / "hall.db")
    server.pair_all()
    store = Store(server.db)
    seed(store)
    records.create(store.conn)
    now = dt.datetime.now(dt.UTC)
    digest = accounts.password_hash(PASSWORD)
    records.save_manager(store.conn, ADMIN, "admin", digest, now)
    records.save_manager(store.conn, SUPERVISOR, "supervisor", digest, now)
    store.close()
    server.start()
    assert server.proc is not None and server.proc.stdout is not None
    line = server.proc.stdout.readline()
    assert line.startswith("console on "), line
    try:
        yield Console(server, line.split()[-1].rstrip("/"))
    finally:
        server.kill()


def sign_in(page, console: Console, user: str = ADMIN, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(console.url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button.primary")


@pytest.fixture
def admin(page, console: Console):  # type: ignore[no-untyped-def]
    sign_in(page, console)
    page.wait_for_url(console.url + "/")
    return page
