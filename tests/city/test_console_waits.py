"""P90 waits from the kept half-minute histograms of closed days agree with the tickets."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import zoneinfo

import psycopg

from city import console_tables
from city.console_reports import keep_closed_days, p90_waits
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
