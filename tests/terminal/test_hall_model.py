"""The terminals' hall model against a real hall server (in process, its clock driven by the test).

Random days — issue (normal, green, appointment), call, recall, start, finish, no-show, transfer
to a service or a window, pause, resume, check-in, rating, sign in and out, time passing — go
through the server's HTTP API; the model then reads the server's own event stream and must
find the same window states as GET /windows and the same figures as GET /stats, for the hall
and for each window.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import zoneinfo
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hallserver.app import make_app
from hallserver.config import load_config
from hallserver.security import IdHasher, pin_hash, token_hash
from hallserver.service import HallService
from hallserver.store import Store
from terminal.figures import DayBook, DayFigures
from terminal.hall import HallInfo
from terminal.windows import WindowState, parse_time
from tests.support.server import CLERK_PIN, SAMPLE, clerk_for

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
OPENING = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
WINDOWS = ["1", "2", "3", "4"]
SERVICES = ["A", "B", "F", "G"]
SETTINGS = load_config(SAMPLE)

command = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(["normal", "green"])),
    st.tuples(st.just("appointment"), st.sampled_from(SERVICES), st.integers(-1800, 3600)),
    st.tuples(st.just("call-next"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("call-next"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("recall"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("start"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("finish"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("finish"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("no-show"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("transfer"), st.sampled_from(WINDOWS), st.sampled_from(SERVICES)),
    st.tuples(st.just("transfer-window"), st.sampled_from(WINDOWS), st.sampled_from(WINDOWS)),
    st.tuples(st.just("pause"), st.sampled_from(WINDOWS), st.sampled_from(["", "午休", "会议"])),
    st.tuples(st.just("resume"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("check-in"), st.integers(0, 100)),
    st.tuples(st.just("evaluate"), st.integers(0, 100), st.integers(1, 5)),
    st.tuples(st.just("sign-out"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("sign-in"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("wait"), st.integers(1, 900)),
)


class Hall:
    """The server in this process, a clock the test moves, and a client for each device."""

    def __init__(self, db: Path, satisfied_min_score: int) -> None:
        self.now = OPENING
        config = replace(
            SETTINGS, policy=replace(SETTINGS.policy, satisfied_min_score=satisfied_min_score)
        )
        store = Store(db)
        self.tokens: dict[str, str] = {}
        for device in ("kiosk-1", "manager-1", *(f"caller-{w}" for w in WINDOWS)):
            self.tokens[device] = f"t-{device}"
            store.set_token(device, token_hash(self.tokens[device]))
        digest = pin_hash(CLERK_PIN)
        for w in WINDOWS:
            store.set_clerk(clerk_for(w), f"窗口{w}办事员", digest)
        service = HallService(
            config, store, IdHasher(b"k" * 32), clock=lambda: self.now, ignore_hours=True
        )
        self.client = TestClient(TestServer(make_app(service), host="127.0.0.1"))
        self.tickets: list[str] = []
        self.appointments = 0

    async def call(self, method: str, path: str, device: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[device]}"}
        async with self.client.request(
            method, "/api/v1" + path, json=body, headers=headers
        ) as answer:
            return answer.status, await answer.json()

    async def run(self, cmd: tuple[Any, ...]) -> None:
        self.now += dt.timedelta(seconds=1)
        kind = cmd[0]
        if kind == "wait":
            self.now += dt.timedelta(seconds=cmd[1])
        elif kind == "issue":
            await self.issue({"service": cmd[1], "channel": cmd[2]}, "manager-1")
        elif kind == "appointment":
            self.appointments += 1
            code = f"YY{self.appointments:04d}"
            start = self.now + dt.timedelta(seconds=cmd[2])
            booking = {
                "code": code,
                "service": cmd[1],
                "slot_start": start.isoformat(),
                "slot_end": (start + dt.timedelta(minutes=30)).isoformat(),
            }
            await self.call("POST", "/appointments", "manager-1", booking)
            await self.issue({"appointment": code}, "kiosk-1")
        elif kind in ("check-in", "evaluate"):
            if self.tickets:
                ticket = self.tickets[cmd[1] % len(self.tickets)]
                if kind == "check-in":
                    await self.call("POST", f"/tickets/{ticket}/check-in", "kiosk-1")
                else:
                    rating = {"score": cmd[2], "reasons": ["efficiency"] if cmd[2] <= 2 else []}
                    await self.call("POST", f"/tickets/{ticket}/evaluation", "kiosk-1", rating)
        elif kind == "sign-in":
            await self.sign_in(cmd[1])
        elif kind == "sign-out":
            await self.call("DELETE", f"/windows/{cmd[1]}/session", "manager-1")
        else:
            window = cmd[1]
            body: dict[str, Any] = {}
            if kind == "transfer":
                body = {"service": cmd[2]}
            elif kind == "transfer-window":
                kind, body = "transfer", {"window": cmd[2]}
            elif kind == "pause":
                body = {"reason": cmd[2]}
            await self.call("POST", f"/windows/{window}/{kind}", f"caller-{window}", body)

    async def issue(self, body: dict[str, Any], device: str) -> None:
        status, answer = await self.call("POST", "/tickets", device, body)
        if status == 201:
            self.tickets.append(answer["ticket"]["id"])

    async def sign_in(self, window: str) -> None:
        body = {"clerk": clerk_for(window), "pin": CLERK_PIN}
        await self.call("POST", f"/windows/{window}/session", f"caller-{window}", body)

    async def events(self) -> list[dict[str, Any]]:
        _, health = await self.call("GET", "/health", "manager-1")
        got: list[dict[str, Any]] = []
        headers = {"Authorization": f"Bearer {self.tokens['manager-1']}"}
        async with self.client.ws_connect("/api/v1/events?since=0", headers=headers) as ws:
            while not got or got[-1]["seq"] < health["seq"]:
                msg = await asyncio.wait_for(ws.receive(), 10)
                assert msg.type == aiohttp.WSMsgType.TEXT
                got.append(json.loads(msg.data))
        return got


def window_as_served(view: dict[str, Any]) -> WindowState:
    state = WindowState(view["id"])
    state.load(view)
    return state


async def a_day(db: Path, commands: list[tuple[Any, ...]], satisfied_min_score: int) -> None:
    hall = Hall(db, satisfied_min_score)
    await hall.client.start_server()
    try:
        for w in WINDOWS:
            await hall.sign_in(w)
        for cmd in commands:
            await hall.run(cmd)
        _, hall_body = await hall.call("GET", "/hall", "manager-1")
        info = HallInfo.from_json(hall_body)
        assert info.satisfied_min_score == satisfied_min_score
        book = DayBook(info)
        windows = {w: WindowState(w) for w in info.windows}
        events = await hall.events()
        for event in events:
            book.count(event)
            for state in windows.values():
                state.apply(event)
        # Each event is counted once: the replay of a reconnect changes nothing.
        assert not any(book.count(event) for event in events)

        _, served = await hall.call("GET", "/windows", "manager-1")
        for view in served["windows"]:
            assert windows[view["id"]] == window_as_served(view), view["id"]

        day = OPENING.date()
        _, stats = await hall.call("GET", f"/stats?date={day.isoformat()}", "manager-1")
        assert book.figures(day).agrees_with(stats), (book.figures(day), stats)
        for window, figures in stats["by_window"].items():
            assert book.figures(day, window=window).agrees_with(figures), window
        for service, figures in stats["by_service"].items():
            assert book.figures(day, service=service).agrees_with(figures), service
    finally:
        await hall.client.close()


# A day that surely covers handling time over two windows and a wait from an appointment slot.
A_DAY = [
    ("issue", "A", "normal"),
    ("appointment", "B", 600),
    ("call-next", "1"),
    ("wait", 120),
    ("start", "1"),
    ("wait", 300),
    ("transfer", "1", "G"),
    ("call-next", "2"),
    ("wait", 200),
    ("finish", "2"),
    ("evaluate", 0, 2),
    ("wait", 900),
    ("call-next", "3"),
    ("no-show", "3"),
    ("check-in", 1),
    ("pause", "4", "午休"),
]


@example(commands=A_DAY, min_score=4)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(commands=st.lists(command, min_size=5, max_size=60), min_score=st.sampled_from([3, 4]))
def test_model_agrees_with_the_server(
    tmp_path_factory: Any, commands: list[tuple[Any, ...]], min_score: int
) -> None:
    db = tmp_path_factory.mktemp("hall") / "hall.db"
    asyncio.run(a_day(db, commands, min_score))


def test_figures_compare_every_stats_field() -> None:
    """A figure that differs is found (agrees_with is not vacuous)."""
    stats = {"date": "2026-11-23", "issued": 2, "served": 1, "avg_wait_s": 60, "evaluations": 2}
    stats |= {"satisfaction_rate": 0.5}
    same = DayFigures(issued=2, served=1, avg_wait_s=60, evaluations=2, satisfaction_rate=0.5)
    assert same.agrees_with(stats)
    assert replace(same, bad=1).agrees_with(stats)  # GET /stats does not count 差评
    assert not replace(same, avg_wait_s=61).agrees_with(stats)
    assert not replace(same, satisfaction_rate=1.0).agrees_with(stats)


def test_wait_counts_from_the_appointment_slot_when_it_is_later() -> None:
    info = HallInfo.from_json({"id": "h", "name": "h", "timezone": "Asia/Shanghai"})
    book = DayBook(info)
    issued, slot, called = (OPENING + dt.timedelta(minutes=m) for m in (0, 30, 45))
    ticket = {"id": "t", "service": "A", "status": "waiting", "issued_at": issued.isoformat()}
    ticket["slot_start"] = slot.isoformat()
    book.count(
        {"seq": 1, "type": "ticket.issued", "at": issued.isoformat(), "data": {"ticket": ticket}}
    )
    called_ticket = ticket | {"status": "called", "window": "1", "called_at": called.isoformat()}
    event = {"seq": 2, "type": "ticket.called", "at": called.isoformat()}
    book.count(event | {"data": {"ticket": called_ticket, "window": "1"}})
    assert book.figures(OPENING.date()).avg_wait_s == 15 * 60
    assert parse_time(ticket["slot_start"]) == slot
