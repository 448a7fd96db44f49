"""A simulated busy day through the real API, then every invariant checked on the event log.

60 windows, 20,000 citizens arriving with a morning and an afternoon peak, lognormal handling
times, recalls, no-shows (some check in again), transfers, green-channel citizens and ratings.
The simulation runs in steps of simulated time; within a step the requests go out concurrently,
as they would from 60 windows and 4 kiosks. Target (issue 3): completes in < 60 s.
`--keep hall.db` keeps a copy of the day's database (bench_replay.py replays it).
Usage: .venv/bin/python bench/bench_day.py [--tickets 20000] [--windows 60] [--keep PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from hallkit import HallServerProcess, api_post, running_hall

MIX = {
    "A": 4,
    "B": 20,
    "C": 18,
    "D": 15,
    "E": 8,
    "F": 10,
    "G": 12,
    "H": 2,
    "J": 2,
    "K": 5,
    "L": 1,
    "M": 3,
}
DAY_S = 9 * 3600
STEP_S = 5  # a free clerk looks at the queue counter every 5 simulated seconds


def arrivals(n: int, rng: random.Random) -> list[float]:
    """Arrival times (s after opening) following a two-peak intensity, n of them."""

    def intensity(t: float) -> float:
        h = t / 3600
        return 0.4 + math.exp(-((h - 1.5) ** 2) / 1.2) + 0.8 * math.exp(-((h - 6) ** 2) / 1.5)

    times: list[float] = []
    while len(times) < n:
        t = rng.uniform(0, DAY_S)
        if rng.uniform(0, 1.5) < intensity(t):
            times.append(t)
    return sorted(times)


@dataclass
class WindowSim:
    id: str
    token: str
    services: tuple[str, ...]
    free_at: float = 0.0
    current: str | None = None
    plan: list[tuple[float, str, dict]] = field(default_factory=list)  # (due, action, body)


class Day:
    """Citizens and clerks of one day, each acting at their simulated time."""

    def __init__(self, server: HallServerProcess, tickets: int, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        hall = server.request("GET", "/hall")[1]
        self.windows = [
            WindowSim(w["id"], server.tokens[f"caller-{w['id']}"], tuple(w["services"]))
            for w in hall["windows"]
        ]
        self.kiosks = [server.tokens[f"kiosk-{i}"] for i in range(1, 5)]
        self.manager = server.tokens["manager-1"]
        self.arrivals = arrivals(tickets, self.rng)
        self.checkins: list[tuple[float, str, str]] = []  # (due, ticket, service)
        self.waiting: Counter[str] = Counter()  # what the clerks see on their queue counters
        self.requests = 0
        self.issued: list[str] = []
        self.errors: Counter[str] = Counter()

    async def post(
        self, s: aiohttp.ClientSession, path: str, token: str, body: dict | None = None
    ) -> tuple[int, dict]:
        self.requests += 1
        status, data = await api_post(s, self.server, path, token, body)
        if status >= 300:
            self.errors[data["error"]["code"]] += 1
        return status, data

    async def issue(self, s: aiohttp.ClientSession, i: int) -> None:
        service = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        body: dict[str, object] = {"service": service}
        if self.rng.random() < 0.03:
            body["channel"] = "green"
            status, data = await self.post(s, "/tickets", self.manager, body)
        else:
            status, data = await self.post(s, "/tickets", self.kiosks[i % 4], body)
        assert status == 201, data
        self.issued.append(data["ticket"]["id"])
        self.waiting[service] += 1

    def handling(self) -> float:
        return self.rng.lognormvariate(math.log(80), 0.5)

    def acts(self, w: WindowSim, now: float) -> bool:
        """Whether the window's clerk does something now: a free clerk presses call-next when
        the queue counter shows someone waiting, a busy one takes the next step that is due."""
        if w.current is None:
            return now >= w.free_at and any(self.waiting[x] for x in w.services)
        return bool(w.plan) and w.plan[0][0] <= now

    async def act(self, s: aiohttp.ClientSession, w: WindowSim, now: float) -> None:
        if w.current is None:
            status, data = await self.post(s, f"/windows/{w.id}/call-next", w.token)
            assert status == 200, data
            t = data["ticket"]
            if t is None:
                return
            self.waiting[t["service"]] -= 1
            w.current = t["id"]
            roll = self.rng.random()
            if roll < 0.05:  # not there: two recalls, then 过号; some come back later
                w.plan = [
                    (now + 30, "recall", {}),
                    (now + 60, "recall", {}),
                    (now + 90, "no-show", {}),
                ]
                if self.rng.random() < 0.3:
                    self.checkins.append((now + 400, w.current, t["service"]))
            elif roll < 0.08:  # wrong queue: send to another service
                target = self.rng.choice(["C", "D", "F", "K"])
                w.plan = [(now + 60, "transfer", {"service": target})]
            else:
                took = self.handling()
                # /start is optional (API.md): half the clerks press it, half go straight on.
                w.plan = [(now + 10 + took, "finish", {})]
                if self.rng.random() < 0.5:
                    w.plan.insert(0, (now + 10, "start", {}))
            return
        while w.plan and w.plan[0][0] <= now:
            _, action, body = w.plan.pop(0)
            status, data = await self.post(s, f"/windows/{w.id}/{action}", w.token, body)
            assert status == 200, (action, data)
            if action == "transfer":
                self.waiting[body["service"]] += 1
            if action in ("finish", "no-show", "transfer"):
                if action == "finish" and self.rng.random() < 0.4:
                    score = self.rng.choices([5, 4, 3, 2, 1], [70, 20, 6, 3, 1])[0]
                    rating = {"score": score, "reasons": ["efficiency"] if score <= 2 else []}
                    await self.post(s, f"/tickets/{w.current}/evaluation", w.token, rating)
                w.current = None
                w.free_at = now

    def next_time(self, now: float, nxt: int) -> float:
        """Skip quiet stretches: jump to the next arrival, check-in or clerk action."""
        due = (
            [now + STEP_S]
            if any(
                w.current is None and any(self.waiting[x] for x in w.services) for w in self.windows
            )
            else []
        )
        if nxt < len(self.arrivals):
            due.append(self.arrivals[nxt])
        due += [at for at, _, _ in self.checkins]
        due += [w.plan[0][0] for w in self.windows if w.plan]
        return max(now + STEP_S, min(due)) if due else math.inf

    async def run(self) -> float:
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as s:
            for w in self.windows:
                status, data = await self.post(
                    s,
                    f"/windows/{w.id}/session",
                    w.token,
                    {"clerk": f"clerk-{w.id}", "pin": "1234"},
                )
                assert status == 200, data
            started = time.perf_counter()
            now, nxt = 0.0, 0
            while (now := self.next_time(now, nxt)) < math.inf:
                due = []
                while nxt < len(self.arrivals) and self.arrivals[nxt] <= now:
                    due.append(nxt)
                    nxt += 1
                await asyncio.gather(*[self.issue(s, i) for i in due])
                back = [(tid, svc) for at, tid, svc in self.checkins if at <= now]
                self.checkins = [c for c in self.checkins if c[0] > now]
                results = await asyncio.gather(
                    *[self.post(s, f"/tickets/{tid}/check-in", self.kiosks[0]) for tid, _ in back]
                )
                for (_, svc), (status, _) in zip(back, results, strict=True):
                    self.waiting[svc] += status == 200
                # Only the clerks who act (a task for each of 60 windows at every step would
                # cost this process more than their requests do).
                acting = [w for w in self.windows if self.acts(w, now)]
                await asyncio.gather(*[self.act(s, w, now) for w in acting])
            return time.perf_counter() - started


async def event_log(server: HallServerProcess, last: int) -> list[dict]:
    events: list[dict] = []
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(
            f"{server.url}/api/v1/events?since=0",
            headers={"Authorization": f"Bearer {server.tokens['manager-1']}"},
            max_msg_size=0,
        ) as ws,
    ):
        while len(events) < last:
            events.append(json.loads((await ws.receive()).data))
    return events


def check_invariants(events: list[dict], issued: list[str]) -> list[str]:
    """Every rule the hall promises, checked on the whole day's log."""
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "seq has a gap"
    holding: dict[str, str] = {}  # ticket → window currently calling it
    status: dict[str, str] = {}
    numbers: Counter[str] = Counter()
    plain_issue: dict[str, list[str]] = defaultdict(list)
    plain_called: dict[str, list[str]] = defaultdict(list)
    touched: set[str] = set()
    called_once: set[str] = set()
    for e in events:
        t = e["data"].get("ticket")
        if not t:
            continue
        tid = t["id"]
        kind = e["type"]
        if kind == "ticket.issued":
            numbers[t["number"]] += 1
            if t["channel"] == "normal":
                plain_issue[t["service"]].append(tid)
        elif kind == "ticket.called":
            assert tid not in holding, f"{t['number']} called by two windows at once"
            holding[tid] = e["data"]["window"]
            if t["channel"] == "normal" and tid not in called_once and tid not in touched:
                plain_called[t["service"]].append(tid)
            called_once.add(tid)
        elif kind in ("ticket.finished", "ticket.no_show", "ticket.transferred"):
            assert holding.pop(tid) == e["data"]["window"]
            if kind != "ticket.finished":
                touched.add(tid)
        elif kind == "ticket.checked_in":
            touched.add(tid)
        if kind != "ticket.evaluated":
            status[tid] = t["status"]
    assert set(status) == set(issued), "a ticket was lost"
    assert all(n == 1 for n in numbers.values()), "a number was given twice"
    assert not holding, "a ticket was left called at the end of the day"
    left = Counter(status.values())
    assert set(left) <= {"done", "no_show"}, left
    for service, order in plain_issue.items():
        firsts = [tid for tid in plain_called[service] if tid not in touched]
        expected = [tid for tid in order if tid in set(firsts)]
        if firsts != expected:
            i = next(i for i, (a, b) in enumerate(zip(firsts, expected, strict=True)) if a != b)
            raise AssertionError(
                f"FIFO broken in service {service} at call {i}: "
                f"{firsts[i - 1 : i + 3]} vs {expected[i - 1 : i + 3]}"
            )
    return [f"{k}={v}" for k, v in sorted(left.items())]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=20_000)
    ap.add_argument("--windows", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="copy the day's database here")
    args = ap.parse_args()
    with running_hall(windows=args.windows) as server:
        day = Day(server, args.tickets, args.seed)
        client_cpu, server_cpu = _cpu_s(), _cpu_s(server)
        took = asyncio.run(day.run())
        client_s = sum(_cpu_s()) - sum(client_cpu)
        server_user, server_sys = (b - a for a, b in zip(server_cpu, _cpu_s(server), strict=True))
        print(
            f"simulated day: {args.tickets} tickets, {args.windows} windows, "
            f"{day.requests} requests in {took:.1f} s ({day.requests / took:,.0f} req/s)"
        )
        print(
            f"CPU during the day: hall server {server_user + server_sys:.1f} s "
            f"(user {server_user:.1f} s, system {server_sys:.1f} s), "
            f"this bench {client_s:.1f} s"
        )
        print("expected refusals:", dict(day.errors) or "none")
        last = server.request("GET", "/health")[1]["seq"]
        t0 = time.perf_counter()
        events = asyncio.run(event_log(server, last))
        outcome = check_invariants(events, day.issued)
        print(
            f"invariants hold over {len(events)} events "
            f"(replayed and checked in {time.perf_counter() - t0:.1f} s): " + ", ".join(outcome)
        )
        stats = server.request("GET", "/stats", device="manager-1")[1]
        # Real seconds, not simulated ones: the day is compressed about a thousandfold.
        print(
            f"stats: issued={stats['issued']} served={stats['served']} "
            f"no_show={stats['no_show']} avg_wait_s={stats['avg_wait_s']} "
            f"avg_service_s={stats['avg_service_s']} "
            f"satisfaction={stats['satisfaction_rate']}"
        )
        if args.keep:
            keep_copy(server, args.keep)


def _cpu_s(server: HallServerProcess | None = None) -> tuple[float, float]:
    """CPU seconds (user, system) used so far by this process, or by the hall server's."""
    if server is None:
        use = resource.getrusage(resource.RUSAGE_SELF)
        return use.ru_utime, use.ru_stime
    assert server.proc is not None
    fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def keep_copy(server: HallServerProcess, path: Path) -> None:
    """The day's database copied while the server holds it (SQLite's online backup)."""
    path.unlink(missing_ok=True)
    src, dst = sqlite3.connect(server.db), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    print(f"the day's database kept in {path}")


if __name__ == "__main__":
    main()
