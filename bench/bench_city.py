"""The city level on one PostgreSQL here (issue 15): ingest, catch-up, a city report, feed cost.

Targets: ingest ≥ 50,000 events/s (100 halls × a busy day of 20,000 tickets); a hall offline a
whole busy day current again in < 60 s; a report over 100 halls × 30 days in < 2 s; the feed
costing a hall < 5% of its issue throughput.  Events are made in the hall's own shapes
(hallserver.store.event_body, the ticket view of GET /tickets/{id}).
Usage: .venv/bin/python bench/bench_city.py [ingest-city|ingest|catchup|report|feed-cost ...]
       [--halls 100] [--tickets 20000] [--workers 4] [--rounds 6]
ingest-city times the city's side (the feeds' reading of the bodies done first, as on each
hall's own machine); ingest times it end to end, every feed's work on this machine too.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import multiprocessing
import os
import queue
import random
import sqlite3
import statistics
import tempfile
import threading
import time
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from bench_issue import run as issue_run
from hallkit import running_hall

from city import reports
from city.feed import BATCH, NICE, Feed, HallLog
from city.ingest import Batch, EventRow, Ingest
from city.schema import init
from hallserver.store import Store, event_body
from tests.support.postgres import running_cluster

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 1)
SERVICES = "ABCDEFGHJKLM"
_READY: Any = None  # the feeders start storing together (a Barrier, set before they fork)


def busy_day(tickets: int, seed: int, day: dt.date = DAY) -> Iterator[EventRow]:
    """A hall's busy day as its log holds it: issued, called, started, finished, rated."""
    rng = random.Random(seed)
    opening = dt.datetime.combine(day, dt.time(9), TZ)
    span = 8 * 3600
    pending: list[tuple[dt.datetime, str, dict[str, object], dict[str, object]]] = []
    for i in range(tickets):
        issued = opening + dt.timedelta(seconds=span * i / tickets)
        service = SERVICES[i % len(SERVICES)]
        wait = rng.randint(60, 1800)
        handling = rng.randint(120, 900)
        window = str(1 + i % 60)
        called = issued + dt.timedelta(seconds=wait)
        started = called + dt.timedelta(seconds=20)
        finished = started + dt.timedelta(seconds=handling)
        score = rng.choice((5, 5, 5, 4, 4, 3, 2, 1))
        view: dict[str, object] = {
            "id": f"t{seed}-{i}",
            "number": f"{service}{i // len(SERVICES) + 1:03d}",
            "service": service,
            "matter": "",
            "status": "waiting",
            "channel": "normal",
            "issued_at": issued.isoformat(),
            "called_at": None,
            "window": None,
            "recalls": 0,
            "ahead": 12,
            "estimated_wait_s": 600,
            "holder": "张*",
            "started_at": None,
            "finished_at": None,
            "transferred_from": None,
            "target_window": None,
            "checkins": 0,
            "score": None,
            "wait_s": None,
            "service_s": 0,
        }
        pending.append((issued, "ticket.issued", dict(view), {}))
        view.update(status="called", called_at=called.isoformat(), window=window, ahead=None)
        view.update(estimated_wait_s=None, wait_s=wait)
        pending.append((called, "ticket.called", dict(view), {"window": window}))
        view.update(status="serving", started_at=started.isoformat())
        pending.append((started, "ticket.started", dict(view), {"window": window}))
        view.update(status="done", finished_at=finished.isoformat(), service_s=handling)
        pending.append((finished, "ticket.finished", dict(view), {"service_s": handling}))
        view.update(score=score)
        extra = {"window": window, "score": score, "reasons": [] if score > 2 else ["efficiency"]}
        pending.append((finished + dt.timedelta(seconds=5), "ticket.evaluated", view, extra))
    pending.sort(key=lambda e: e[0])
    for seq, (at, kind, view, extra) in enumerate(pending, start=1):
        yield (seq, kind, at.isoformat(), event_body(seq, kind, at, {"ticket": view, **extra}))


def _relabelled(day: list[EventRow], seed: int, hall: int) -> list[EventRow]:
    """Another hall's day from one made day: its own ticket ids (making each day afresh would
    measure the bench's JSON encoder, not the city)."""
    old, new = f'"t{seed}-', f'"t{hall}-'
    return [(seq, kind, at, body.replace(old, new)) for seq, kind, at, body in day]


def _ingest_halls(
    url: str, halls: list[int], tickets: int, read_first: bool
) -> tuple[int, float, float]:
    """One feeder process: its halls one after the other; (events, start, end) of the storing,
    wall-clock times (every feeder makes its halls' days before any feeder starts storing).
    `read_first`: the bodies are read before the clock starts, as each hall's own machine
    reads its own (city/ingest.py's Batch), so only the city's side is timed."""
    day = list(busy_day(tickets, halls[0]))
    read = {
        hall: [Batch.of(rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)]
        for hall in (halls if read_first else [])
        for rows in [_relabelled(day, halls[0], hall)]
    }
    with psycopg.connect(url) as conn:
        assert _READY is not None
        _READY.wait()
        start = time.time()
        for hall in halls:
            ingest = Ingest(conn, f"hall-{hall:03d}")
            ingest.register(f"{hall}号大厅", "Asia/Shanghai")
            if read_first:
                for batch in read.pop(hall):
                    ingest.store_batch(batch)
            else:
                rows = _relabelled(day, halls[0], hall)
                for i in range(0, len(rows), BATCH):
                    ingest.store(rows[i : i + BATCH])
    return len(day) * len(halls), start, time.time()


def bench_ingest(url: str, halls: int, tickets: int, workers: int, read_first: bool) -> None:
    share = [list(range(w, halls, workers)) for w in range(workers)]
    global _READY
    forking = multiprocessing.get_context("fork")
    _READY = forking.Barrier(workers)  # inherited by the feeders forked below
    with forking.Pool(workers) as pool:
        done = pool.starmap(_ingest_halls, [(url, s, tickets, read_first) for s in share])
    events = sum(e for e, _, _ in done)
    wall = max(end for _, _, end in done) - min(start for _, start, _ in done)
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT count(*) FROM hallq_events").fetchone()
        rows = conn.execute("SELECT count(*) FROM hallq_tickets").fetchone()
        size = conn.execute(
            "SELECT pg_total_relation_size('hallq_events_2026_12')::float / count(*) "
            "FROM hallq_events"
        ).fetchone()
    assert stored == (events,) and rows == (halls * tickets,), (stored, rows)
    side = "the city's side (bodies read first, as on the halls)" if read_first else "end to end"
    print(
        f"ingest, {side}: {halls} halls × {tickets:,} tickets = {events:,} events, {workers} "
        f"feeders: the whole city-day in {wall:.1f} s = {events / wall:,.0f} events/s "
        f"sustained (target ≥ 50,000/s); {size[0] if size else 0:.0f} bytes an event on disk "
        "with its key"
    )


def bench_catchup(url: str, tickets: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "hall.db"
        Store(db).close()  # the hall's own schema
        conn = sqlite3.connect(db)
        with conn:
            conn.executemany(
                "INSERT INTO events (seq, type, at, body) VALUES (?, ?, ?, ?)",
                busy_day(tickets, 999),
            )
        last = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
        conn.close()
        hall_log = HallLog(db)
        feed = Feed(
            hall_log, url, "hall-offline", "离线大厅", "Asia/Shanghai", io.StringIO(), queue.Queue()
        )
        runner = threading.Thread(target=feed.run)
        t0 = time.perf_counter()
        runner.start()
        with psycopg.connect(url, autocommit=True) as pg:
            while True:
                row = pg.execute("SELECT seq FROM hallq_feed WHERE hall_id = 'hall-offline'")
                got = row.fetchone()
                if got and got[0] == last:
                    break
                time.sleep(0.05)
        took = time.perf_counter() - t0
        feed.ended.set()
        runner.join()
        hall_log.close()
    print(
        f"catch-up: a hall offline a whole busy day ({last:,} events) current again in "
        f"{took:.1f} s (target < 60 s)"
    )


def bench_report(url: str, halls: int) -> None:
    """30 days of every hall: the real day from `ingest` plus 29 days of day rows made here
    (a report reads hallq_days only: its cost is the day rows, not the tickets behind them)."""
    with psycopg.connect(url) as conn:
        conn.execute(
            """
            INSERT INTO hallq_days (hall_id, day, service, issued, served, no_show, waiting,
                waits, wait_sum, handling_sum, s1, s2, s3, s4, s5)
            SELECT format('hall-%%s', lpad(h::text, 3, '0')), %s::date - d, s, 1667, 1500, 120,
                0, 1620, 1620 * (300 + (h * d) %% 600), 1500 * 420, 20, 30, 100, 400, 700
            FROM generate_series(0, %s - 1) h, generate_series(1, 29) d,
                unnest(string_to_array('A,B,C,D,E,F,G,H,J,K,L,M', ',')) s
            ON CONFLICT DO NOTHING
            """,
            (DAY, halls),
        )
        conn.commit()
        rows = conn.execute("SELECT count(*) FROM hallq_days").fetchone()
        conn.execute("ANALYZE hallq_days")
        first = DAY - dt.timedelta(days=29)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            out = reports.halls(conn, first, DAY)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        one = conn.execute(
            "SELECT service, count(*), avg(wait_s) FROM hallq_ticket_rows "
            "WHERE hall_id = 'hall-000' AND day = %s GROUP BY service",
            (DAY,),
        ).fetchall()
        drill = time.perf_counter() - t0
    assert len(out) == halls and one
    print(
        f"report: {len(out)} halls × 30 days ({rows[0] if rows else 0:,} day rows) side by side "
        f"with by-service figures in {statistics.median(times) * 1000:.0f} ms median "
        f"(max {max(times) * 1000:.0f} ms; target < 2 s); one hall's day from its "
        f"{sum(r[1] for r in one):,} ticket rows in {drill * 1000:.0f} ms"
    )


def bench_feed_cost(url: str, tickets: int, rounds: int) -> None:
    """bench_issue on a hall without and with the feed, alternated (ABAB…, the order swapped
    every other round) so that the machine's own noise falls on both alike."""
    rates: dict[str, list[float]] = {"without": [], "with": []}
    shares: list[float] = []  # the feed's CPU time against the hall server's, in the runs with it
    runs = [("without", []), ("with", ["--city", url])]
    for i in range(rounds):
        for name, extra in runs if i % 2 == 0 else runs[::-1]:
            with running_hall(extra_args=extra) as server:
                print(f"  round {i + 1}, bench_issue {name} the city feed:")
                token = server.tokens["manager-1"]
                assert server.proc is not None
                before = _cpu_s(server.proc.pid), [_cpu_s(c) for c in _children(server.proc.pid)]
                rates[name].append(asyncio.run(issue_run(server.url, token, 32, tickets)))
                if name == "with":
                    time.sleep(1.0)  # the feed stores the last batch
                    hall = _cpu_s(server.proc.pid) - before[0]
                    feed = sum(_cpu_s(c) for c in _children(server.proc.pid)) - sum(before[1])
                    shares.append(feed / hall)
                    print(f"  CPU: hall server {hall:.1f} s, its feed {feed:.1f} s")
    mean = {k: statistics.fmean(v) for k, v in rates.items()}
    spread = {k: statistics.stdev(v) if len(v) > 1 else 0.0 for k, v in rates.items()}
    cost = (mean["without"] - mean["with"]) / mean["without"]
    error = (spread["without"] ** 2 + spread["with"] ** 2) ** 0.5 / rounds**0.5 / mean["without"]
    print(
        f"feed cost over {rounds} alternated rounds of {tickets:,} tickets: without "
        f"{mean['without']:,.0f} ± {spread['without']:,.0f} tickets/s (mean ± sd; "
        f"{min(rates['without']):,.0f}–{max(rates['without']):,.0f}), with the feed "
        f"{mean['with']:,.0f} ± {spread['with']:,.0f} "
        f"({min(rates['with']):,.0f}–{max(rates['with']):,.0f}) → {cost:+.1%} ± {error:.1%} "
        "(standard error of the difference; target < 5%); the feed's CPU time "
        f"{statistics.fmean(shares):.1%} of the hall server's (runs {min(shares):.1%}–"
        f"{max(shares):.1%}), at nice {NICE} below it"
    )


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(c) for c in text.split()]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "parts", nargs="*", default=["ingest-city", "ingest", "catchup", "report", "feed-cost"]
    )
    ap.add_argument("--halls", type=int, default=100)
    ap.add_argument("--tickets", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=6, help="feed-cost: rounds of both runs")
    args = ap.parse_args()
    with running_cluster() as cluster:

        def city_db() -> str:
            url = cluster.create_database()
            with psycopg.connect(url) as conn:
                init(conn)
            return url

        url = ""  # the city-day stored last (the report's first day)
        for part, read_first in (("ingest-city", True), ("ingest", False)):
            if part in args.parts or ("report" in args.parts and read_first and not url):
                url = city_db()
                bench_ingest(url, args.halls, args.tickets, args.workers, read_first)
        if "report" in args.parts:
            bench_report(url, args.halls)
        if "catchup" in args.parts:
            bench_catchup(url or city_db(), args.tickets)
        if "feed-cost" in args.parts:
            bench_feed_cost(city_db(), 10_000, args.rounds)


if __name__ == "__main__":
    main()
