"""Reports add up days' sums: a range read from kept days equals the one computed afresh."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hallserver.store import TICKET_COLUMNS, Store, event_body
from manage import records, reports

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.date(2026, 11, 23)


def _ticket(day: dt.date, n: int, window: str, wait: int, took: int, score: int | None):
    issued = dt.datetime.combine(day, dt.time(9, 10 * n), TZ)
    called = issued + dt.timedelta(seconds=wait)
    row = dict.fromkeys(TICKET_COLUMNS)
    row.update(
        id=f"{day}-{n}",
        day=day.isoformat(),
        number=f"A{n:03d}",
        service="A" if n % 2 else "B",
        status="done",
        channel="normal",
        lane="normal",
        issued_at=issued.isoformat(),
        called_at=called.isoformat(),
        window=window,
        recalls=0,
        checkins=0,
        wait_s=wait,
        service_s=took,
        score=score,
        ord=n,
    )
    return tuple(row[c] for c in TICKET_COLUMNS)


def test_kept_days_add_up_to_the_same_report(tmp_path: Path) -> None:
    store = Store(tmp_path / "hall.db")
    records.create(store.conn)
    rows, events = [], []
    for i, day in enumerate((MONDAY, MONDAY + dt.timedelta(days=1))):
        opened = dt.datetime.combine(day, dt.time(8, 30), TZ)
        events.append(
            (
                2 * i + 1,
                "window.opened",
                opened,
                {"window": "1", "clerk": "zw", "clerk_name": "张伟"},
            )
        )
        closed = dt.datetime.combine(day, dt.time(17), TZ)
        events.append((2 * i + 2, "window.closed", closed, {"window": "1"}))
        rows += [_ticket(day, n, "1", 300 * n, 600, [5, 1, None, 4][n % 4]) for n in range(1, 5)]
    with store.transaction() as c:
        marks = ", ".join("?" * len(TICKET_COLUMNS))
        c.executemany(f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) VALUES ({marks})", rows)
        c.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            [(s, k, at.isoformat(), event_body(s, k, at, d)) for s, k, at, d in events],
        )
    today = MONDAY + dt.timedelta(days=7)
    first, fresh = reports.build(store.conn, MONDAY, today, today=today)
    assert set(fresh) == {(MONDAY + dt.timedelta(days=i)).isoformat() for i in range(7)}
    reports.keep_parts(store.conn, fresh, 3)
    again, none = reports.build(store.conn, MONDAY, today, today=today)
    assert none == {} and again == first
    assert first.totals["issued"] == 8 and first.totals["served"] == 8
    assert first.totals["avg_wait_s"] == 750 and first.totals["satisfaction_rate"] == round(
        4 / 6, 4
    )
    assert [(r["clerk"], r["clerk_name"], r["issued"]) for r in first.by_clerk] == [
        ("zw", "张伟", 8)
    ]
    waits = {label: n for label, n in first.wait_buckets if n}
    assert waits == {"5–10": 2, "10–15": 2, "15–20": 2, "20–30": 2}  # 5, 10, 15, 20 min
    assert sum(first.heat[0]) == 4 and sum(first.heat[1]) == 4  # Monday and Tuesday
    assert json.loads(json.dumps(fresh))  # kept as JSON
