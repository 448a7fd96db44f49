"""What the console keeps of closed days — the waits as half-minute histograms, the tickets as a
hall's report groups them — gives the P90 and the report the tickets give."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import zoneinfo

import psycopg

from city import console_tables
from city.console_reports import hall_report, keep_closed_days, p90_waits
from city.ingest import EventRow, Ingest
from hallserver.store import event_body

from .citykit import city, query

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 30)


def finished_tickets(day: dt.date, waits: list[int], first_seq: int, tag: str) -> list[EventRow]:
    """One ticket.finished event a ticket, as the hall's log holds it."""
    rows = []
    for i, wait in enumerate(waits):
        issued = dt.datetime.combine(day, dt.time(9), TZ) + dt.timedelta(minutes=i)
        called = issued + dt.timedelta(seconds=wait)
        view = {
            "id": f"{tag}-{i}",
            "number": f"A{i + 1:03d}",
            "service": "A",
            "status": "done",
            "channel": "normal",
            "issued_at": issued.isoformat(),
            "called_at": called.isoformat(),
            "finished_at": (called + dt.timedelta(minutes=5)).isoformat(),
            "window": "1",
            "wait_s": wait,
            "service_s": 300,
            "score": None,
        }
        seq = first_seq + i
        at = called + dt.timedelta(minutes=5)
        rows.append(
            (
                seq,
                "ticket.finished",
                at.isoformat(),
                event_body(seq, "ticket.finished", at, {"ticket": view}),
            )
        )
    return sorted(rows, key=lambda r: r[2])


def test_closed_days_are_kept_and_the_p90_stays_what_the_tickets_say(city_db: str) -> None:
    url = city(city_db)
    with psycopg.connect(url) as conn:
        console_tables.create(conn)
        rng = random.Random(7)
        day_waits = [rng.randint(0, 3600) for _ in range(300)] + [20_000]  # one beyond 4 h
        next_waits = [rng.randint(0, 600) for _ in range(40)]
        ingest = Ingest(conn, "hall-a")
        ingest.register("甲大厅", "Asia/Shanghai")
        rows = finished_tickets(DAY, day_waits, 1, "d1")
        rows += finished_tickets(DAY + dt.timedelta(days=1), next_waits, len(rows) + 1, "d2")
        ingest.store(sorted(rows, key=lambda r: r[0]))

    def expected(first: dt.date, last: dt.date) -> int:
        (p,) = query(
            url,
            "SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY wait_s) FROM hallq_ticket_rows "
            "WHERE day BETWEEN %s AND %s",
            first,
            last,
        )[0]
        return (min(p // 30, console_tables.WAIT_BUCKETS) + 1) * 30

    async def look() -> tuple[dict[str | None, int], dict[str | None, int], int]:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            both = await p90_waits(conn, DAY, DAY + dt.timedelta(days=1))
            one = await p90_waits(conn, DAY, DAY, "hall-a")
            return both, one, await keep_closed_days(conn)

    last = DAY + dt.timedelta(days=1)
    before, one_before, kept = asyncio.run(look())
    assert before == {"hall-a": expected(DAY, last), None: expected(DAY, last)}
    assert one_before["hall-a"] == expected(DAY, DAY)
    assert kept == 1  # the first day is closed (the hall has sent the next); the next is not
    assert query(url, "SELECT hall_id, day FROM hallq_console_kept_days") == [("hall-a", DAY)]
    assert query(url, "SELECT sum(n) FROM hallq_console_waits") == [(len(day_waits),)]
    after, one_after, again = asyncio.run(look())
    assert (after, one_after, again) == (before, one_before, 0)


def mixed_tickets(day: dt.date, n: int, first_seq: int, rng: random.Random) -> list[EventRow]:
    """n tickets of a day as their last events: served or not come, at four windows, rated or
    not, issued from 08:30 to 17:30 (the heat map's half hours)."""
    rows = []
    for i in range(n):
        issued = dt.datetime.combine(day, dt.time(8, 30), TZ) + dt.timedelta(
            seconds=rng.randint(0, 9 * 3600)
        )
        wait = rng.randint(0, 5400)
        called = issued + dt.timedelta(seconds=wait)
        done = rng.random() < 0.85
        handling = rng.randint(30, 2400) if done else 0
        view = {
            "id": f"{day:%m%d}-{i}",
            "number": f"B{i + 1:03d}",
            "service": rng.choice("ABC"),
            "status": "done" if done else "no_show",
            "channel": "normal",
            "issued_at": issued.isoformat(),
            "called_at": called.isoformat(),
            "finished_at": (called + dt.timedelta(seconds=handling)).isoformat(),
            "window": str(rng.randint(1, 4)),
            "wait_s": wait,
            "service_s": handling,
            "score": rng.choice((None, 1, 2, 3, 4, 5)) if done else None,
        }
        kind = "ticket.finished" if done else "ticket.no_show"
        at = called + dt.timedelta(seconds=handling)
        rows.append((0, kind, at.isoformat(), event_body(0, kind, at, {"ticket": view})))
    rows.sort(key=lambda r: r[2])
    return [(first_seq + k, kind, at, body) for k, (_, kind, at, body) in enumerate(rows)]


def test_a_halls_report_over_kept_days_says_what_its_tickets_say(city_db: str) -> None:
    url = city(city_db)
    rng = random.Random(11)
    days = [DAY - dt.timedelta(days=k) for k in (3, 2, 1, 0)]
    with psycopg.connect(url) as conn:
        console_tables.create(conn)
        ingest = Ingest(conn, "hall-a")
        ingest.register("甲大厅", "Asia/Shanghai")
        seq = 1
        for day in days:
            rows = mixed_tickets(day, 400, seq, rng)
            ingest.store(rows)
            seq += len(rows)
    hall = {"id": "hall-a", "timezone": "Asia/Shanghai"}

    async def reports() -> list[dict[str, object]]:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return [
                await hall_report(conn, hall, since, until)
                for since, until in ((days[0], days[-1]), (days[1], days[2]), (days[-1],) * 2)
            ]

    async def keep() -> int:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await keep_closed_days(conn)

    from_tickets = asyncio.run(reports())
    assert from_tickets[0]["by_window"] and sum(map(sum, from_tickets[0]["heat"])) == 1600
    assert asyncio.run(keep()) == 3  # the last day is still open
    assert query(url, "SELECT count(DISTINCT day) FROM hallq_console_report_groups") == [(3,)]
    assert asyncio.run(reports()) == from_tickets
    # A city whose days were kept before the report's groups were: kept again, with them.
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE hallq_console_report_groups")
        conn.commit()
        console_tables.create(conn)
    assert query(url, "SELECT count(*) FROM hallq_console_kept_days") == [(0,)]
    assert asyncio.run(keep()) == 3
    assert asyncio.run(reports()) == from_tickets
