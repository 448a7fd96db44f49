"""Restart on a database holding 1,000,000 events, then memory with 200 open WebSockets.

Targets (issue 3): serving again in < 2 s; RSS with 200 open WebSockets < 150 MB.
The database is filled directly: ten past days of finished tickets (about 20,000 a day) with
their events, and a morning in progress today (waiting, called and finished tickets).
Usage: .venv/bin/python bench/bench_restart.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import tempfile
import time
import zoneinfo
from pathlib import Path

import aiohttp
from hallkit import HallServerProcess

from hallserver.domain.tickets import Lane, Status, Ticket
from hallserver.store import Store, event_body, ticket_row

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
SERVICES = "ABCDEFGHJKLM"


def fill(db: Path, n_events: int) -> int:
    """Write n_events events and the tickets behind them; returns the waiting count today."""
    store = Store(db, synchronous="OFF")
    rng = random.Random(1)
    today = dt.datetime.now(TZ).date()
    per_ticket = 5  # issued, called, started, finished, evaluated
    n_tickets = n_events // per_ticket
    days = 10
    seq = 0
    waiting = 0
    with store.transaction() as c:
        events, tickets = [], []
        for i in range(n_tickets):
            day = today - dt.timedelta(days=days - i * (days + 1) // n_tickets)
            is_today = day == today
            at = dt.datetime.combine(day, dt.time(9), TZ) + dt.timedelta(seconds=i % 30000)
            service = SERVICES[i % len(SERVICES)]
            status = Status.DONE
            if is_today and i % 3 == 0:
                status = Status.WAITING
                waiting += 1
            t = Ticket(
                id=f"t{i:08d}",
                day=day,
                number=f"{service}{i % 2000 + 1:03d}",
                service=service,
                issued_at=at,
                order=i + 1,
                status=status,
                lane=Lane.NORMAL if status is Status.WAITING else Lane.NONE,
                wait_s=rng.randint(0, 1800),
                service_s=rng.randint(60, 900),
                score=rng.choice([None, 5, 4, 3]),
            )
            tickets.append(ticket_row(t))
            view = {"id": t.id, "number": t.number, "service": service, "status": str(status)}
            kinds = (
                ["ticket.issued"]
                if status is Status.WAITING
                else [
                    "ticket.issued",
                    "ticket.called",
                    "ticket.started",
                    "ticket.finished",
                    "ticket.evaluated",
                ]
            )
            for kind in kinds:
                seq += 1
                events.append(
                    (
                        seq,
                        kind,
                        at.isoformat(),
                        event_body(seq, kind, at, {"ticket": view, "window": "1"}),
                    )
                )
            if len(events) > 50_000:
                c.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
                events.clear()
        while seq < n_events:
            seq += 1
            at = dt.datetime.now(TZ)
            events.append(
                (
                    seq,
                    "device.status",
                    at.isoformat(),
                    event_body(seq, "device.status", at, {"device": "kiosk-1", "state": "ok"}),
                )
            )
        c.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
        marks = ", ".join("?" * len(tickets[0]))
        c.executemany(f"INSERT INTO tickets VALUES ({marks})", tickets)
        c.execute("INSERT OR REPLACE INTO meta VALUES ('day', ?)", (today.isoformat(),))
    store.close()
    return waiting


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def open_sockets(url: str, token: str, n: int, pid: int) -> tuple[float, float]:
    before = rss_mb(pid)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
        sockets = []
        for _ in range(n):
            sockets.append(
                await s.ws_connect(
                    f"{url}/api/v1/events", headers={"Authorization": f"Bearer {token}"}
                )
            )
        await asyncio.sleep(1)
        during = rss_mb(pid)
        for ws in sockets:
            await ws.close()
    return before, during


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--sockets", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = HallServerProcess(db=Path(tmp) / "hall.db")
        server.pair_all()
        t0 = time.perf_counter()
        waiting = fill(server.db, args.events)
        size = server.db.stat().st_size / 2**20
        print(
            f"database: {args.events:,} events, {size:,.0f} MB, filled in "
            f"{time.perf_counter() - t0:.1f} s; {waiting} tickets waiting today"
        )
        for attempt in range(3):
            t0 = time.perf_counter()
            server.start()
            status, health = server.request("GET", "/health")
            took = time.perf_counter() - t0
            # seq may grow past the fill: on start the hall raises 电子监察 alerts for long waits.
            assert status == 200 and health["seq"] >= args.events, health
            _, queues = server.request("GET", "/queues", device="manager-1")
            assert sum(q["waiting"] for q in queues["queues"]) == waiting
            print(
                f"start {attempt + 1}: process start → serving /health in {took:.2f} s "
                f"(seq {health['seq']:,}, queues rebuilt)"
            )
            if attempt < 2:
                server.stop()
        assert server.proc is not None
        before, during = asyncio.run(
            open_sockets(server.url, server.tokens["display-hall"], args.sockets, server.proc.pid)
        )
        print(
            f"server RSS: {before:.0f} MB idle, {during:.0f} MB with {args.sockets} open WebSockets"
        )
        server.stop()
        print(
            json.dumps(
                {
                    "events": args.events,
                    "serving_s": round(took, 2),
                    "rss_mb_with_sockets": round(during),
                }
            )
        )


if __name__ == "__main__":
    main()
