"""Group commit: many commands in one transaction, each stored as it left the hall, and a
kill -9 in the middle of a group losing nothing that was answered."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import aiohttp

from hallserver.domain.tickets import Status
from hallserver.store import CHUNK_ROWS, GroupCommit, Store
from tests.hallserver.domainkit import Clock, issue, make_hall
from tests.support.server import HallServerProcess

MANAGER = "manager-1"
RANK = {"waiting": 0, "called": 1, "serving": 2, "done": 3}


def test_a_group_stores_each_row_as_its_command_left_it(tmp_path: Path) -> None:
    hall, clock = make_hall(), Clock()
    store = Store(tmp_path / "hall.db")
    group = GroupCommit()
    first = issue(hall, clock, "A")
    group.add(hall.take_changes())
    hall.sign_in("1", "clerk-1", "窗口1办事员", clock.now)
    hall.call_next("1", clock.advance(5))
    # The call was made in memory after the issue joined the group, and is not in the group:
    # the issue's commit must not carry it (nothing answered for it, no event for it stored).
    store.write(group, hall.day)
    stored = store.ticket(first)
    assert stored is not None and stored.status is Status.WAITING and stored.window is None
    assert store.events_after(0, 10) == [(1, group.events[0][3])]
    # A later command in the same group replaces the row the earlier one left.
    later = GroupCommit()
    later.add(hall.take_changes())
    hall.finish("1", clock.advance(60))
    later.add(hall.take_changes())
    store.write(later, hall.day)
    stored = store.ticket(first)
    assert stored is not None and stored.status is Status.DONE
    assert [seq for seq, _ in store.events_after(0, 10)] == [1, 2, 3, 4]


def test_a_group_larger_than_one_statement_is_stored_whole_and_updated_in_place(
    tmp_path: Path,
) -> None:
    hall, clock = make_hall(), Clock()
    store = Store(tmp_path / "hall.db")
    group = GroupCommit()
    ids = [issue(hall, clock, "B") for _ in range(CHUNK_ROWS + 45)]  # 256 + 32 + 8 + 4 + 1
    group.add(hall.take_changes())
    store.write(group, hall.day)
    rowids = dict(store.conn.execute("SELECT id, rowid FROM tickets").fetchall())
    assert sorted(rowids) == sorted(ids)
    assert store.events_after(0, 10_000, limit=10_000)[-1][0] == len(ids)
    hall.sign_in("1", "clerk-1", "窗口1办事员", clock.now)
    hall.call_next("1", clock.advance(5))
    again = GroupCommit()
    again.add(hall.take_changes())
    store.write(again, hall.day)
    assert dict(store.conn.execute("SELECT id, rowid FROM tickets").fetchall()) == rowids
    called = store.conn.execute("SELECT id FROM tickets WHERE status = 'called'").fetchall()
    assert [r[0] for r in called] == [ids[0]]
    day = store.conn.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()[0]
    assert day == dt.date(2026, 11, 23).isoformat()


async def _day_until_killed(server: HallServerProcess, answers: int) -> dict[str, str]:
    """Kiosk tickets and three windows calling and finishing, all at once, until `answers`
    2xx have come back; then kill -9. Returns each ticket's newest answered status."""
    answered: dict[str, str] = {}
    count = 0
    killed = asyncio.Event()

    async def post(s: aiohttp.ClientSession, path: str, device: str, body: object = None) -> dict:
        nonlocal count
        headers = {"Authorization": f"Bearer {server.tokens[device]}"}
        async with s.post(f"{server.url}/api/v1{path}", json=body, headers=headers) as r:
            data = await r.json()
            if r.status < 300 and data.get("ticket"):
                t = data["ticket"]
                if RANK[t["status"]] >= RANK.get(answered.get(t["id"], "waiting"), 0):
                    answered[t["id"]] = t["status"]
                count += 1
                if count >= answers and not killed.is_set():
                    killed.set()
                    server.kill()
            return data

    async def kiosk(s: aiohttp.ClientSession, service: str) -> None:
        while not killed.is_set():
            await post(s, "/tickets", MANAGER, {"service": service})

    async def window(s: aiohttp.ClientSession, w: str) -> None:
        while not killed.is_set():
            if (await post(s, f"/windows/{w}/call-next", f"caller-{w}")).get("ticket"):
                await post(s, f"/windows/{w}/finish", f"caller-{w}")

    async with aiohttp.ClientSession() as s:
        tasks = [kiosk(s, service) for service in "ABFG" * 4] + [window(s, w) for w in "123"]
        await asyncio.gather(*tasks, return_exceptions=True)
    return answered


async def _event_log(server: HallServerProcess, count: int) -> list[dict]:
    got: list[dict] = []
    headers = {"Authorization": f"Bearer {server.tokens[MANAGER]}"}
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(f"{server.url}/api/v1/events?since=0", headers=headers) as ws,
    ):
        while len(got) < count:
            got.append(json.loads((await asyncio.wait_for(ws.receive(), 10)).data))
    return got


def test_kill_9_in_the_middle_of_groups_keeps_every_answer_and_rows_agree_with_events(
    hall_server: HallServerProcess,
) -> None:
    for w in "123":
        hall_server.sign_in(w)
    answered = asyncio.run(_day_until_killed(hall_server, 400))
    hall_server.restart()
    for tid, status in answered.items():
        code, body = hall_server.request("GET", f"/tickets/{tid}", device=MANAGER)
        assert code == 200 and RANK[body["ticket"]["status"]] >= RANK[status], (tid, status)
    # What is stored is what the log says: no row carries a change whose event was not
    # written (a command not yet committed when the server died).
    _, health = hall_server.request("GET", "/health")
    events = asyncio.run(_event_log(hall_server, health["seq"]))
    assert [e["seq"] for e in events] == list(range(1, health["seq"] + 1))
    last = {e["data"]["ticket"]["id"]: e["data"]["ticket"] for e in events if "ticket" in e["data"]}
    assert set(answered) <= set(last)
    for tid, told in last.items():
        _, body = hall_server.request("GET", f"/tickets/{tid}", device=MANAGER)
        assert (body["ticket"]["status"], body["ticket"]["window"]) == (
            told["status"],
            told["window"],
        ), tid
