"""Figures of any range of days, read from the tickets table on its covering index, and their
export as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

# Upper bounds (minutes) of the wait and handling distributions' buckets; the last is open.
BUCKETS_MIN = (5, 10, 15, 20, 30, 45, 60)
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
HALF_HOURS = tuple(f"{h:02d}:{m:02d}" for h in range(7, 20) for m in (0, 30))


@dataclass
class Report:
    since: dt.date
    until: dt.date
    totals: dict[str, Any]
    daily: list[dict[str, Any]]
    by_service: list[dict[str, Any]]
    by_window: list[dict[str, Any]]
    by_clerk: list[dict[str, Any]]
    wait_buckets: list[tuple[str, int]]
    handling_buckets: list[tuple[str, int]]
    heat: list[list[int]] = field(default_factory=list)  # weekday × half hour: arrivals


def _figures_sql(min_score: int) -> str:
    return (
        "COUNT(*) AS issued, "
        "SUM(status = 'done') AS served, "
        "SUM(status = 'no_show') AS no_show, "
        "CAST(ROUND(AVG(wait_s)) AS INTEGER) AS avg_wait_s, "
        "CAST(ROUND(AVG(CASE WHEN status = 'done' THEN service_s END)) AS INTEGER) "
        "AS avg_service_s, "
        "COUNT(score) AS evaluations, "
        f"SUM(score >= {int(min_score)}) AS satisfied, "
        "SUM(score <= 2) AS bad"
    )


def _rate(row: dict[str, Any]) -> dict[str, Any]:
    row["satisfaction_rate"] = (
        round((row["satisfied"] or 0) / row["evaluations"], 4) if row["evaluations"] else None
    )
    return row


def _buckets(counts: dict[int, int]) -> list[tuple[str, int]]:
    labels = []
    low = 0
    for high in BUCKETS_MIN:
        labels.append(f"{low}–{high}")
        low = high
    labels.append(f"≥{low}")
    return [(label, counts.get(i, 0)) for i, label in enumerate(labels)]


def _bucket_sql(column: str) -> str:
    cases = " ".join(f"WHEN {column} < {high * 60} THEN {i}" for i, high in enumerate(BUCKETS_MIN))
    return f"CASE {cases} ELSE {len(BUCKETS_MIN)} END"


def build(
    conn: sqlite3.Connection,
    since: dt.date,
    until: dt.date,
    *,
    min_score: int = 3,
    clerk: str = "",
) -> Report:
    """The report of days since..until (both included)."""
    span = (since.isoformat(), until.isoformat())
    where = "day BETWEEN ? AND ?"
    figures = _figures_sql(min_score)
    q = conn.execute

    def rows(sql: str, *args: Any) -> list[dict[str, Any]]:
        return [_rate(dict(r)) for r in q(sql, (*span, *args))]

    totals = rows(f"SELECT {figures} FROM tickets WHERE {where}")[0]
    daily = rows(f"SELECT day, {figures} FROM tickets WHERE {where} GROUP BY day ORDER BY day")
    by_service = rows(
        f"SELECT service, {figures} FROM tickets WHERE {where} GROUP BY service ORDER BY service"
    )
    by_window = rows(
        f"SELECT window, {figures} FROM tickets WHERE {where} AND window IS NOT NULL "
        "GROUP BY window ORDER BY CAST(window AS INTEGER), window"
    )
    waits = dict(
        q(
            f"SELECT {_bucket_sql('wait_s')} AS b, COUNT(*) FROM tickets "
            f"WHERE {where} AND wait_s IS NOT NULL GROUP BY b",
            span,
        ).fetchall()
    )
    handling = dict(
        q(
            f"SELECT {_bucket_sql('service_s')} AS b, COUNT(*) FROM tickets "
            f"WHERE {where} AND status = 'done' GROUP BY b",
            span,
        ).fetchall()
    )
    heat = [[0] * len(HALF_HOURS) for _ in WEEKDAYS]
    first = int(HALF_HOURS[0][:2]) * 2
    for weekday, slot, count in q(
        "SELECT (CAST(strftime('%w', day) AS INTEGER) + 6) % 7 AS wd, "
        "CAST(substr(issued_at, 12, 2) AS INTEGER) * 2 + (substr(issued_at, 15, 2) >= '30') "
        f"AS slot, COUNT(*) FROM tickets WHERE {where} GROUP BY wd, slot",
        span,
    ):
        if 0 <= slot - first < len(HALF_HOURS):
            heat[weekday][slot - first] += count
    return Report(
        since=since,
        until=until,
        totals=totals,
        daily=daily,
        by_service=by_service,
        by_window=by_window,
        by_clerk=by_clerk(conn, since, until, min_score=min_score, clerk=clerk),
        wait_buckets=_buckets(waits),
        handling_buckets=_buckets(handling),
        heat=heat,
    )


def clerk_sessions(conn: sqlite3.Connection, since: dt.date, until: dt.date) -> list[list[str]]:
    """[window, clerk, clerk_name, from, to] of every sign-in overlapping the days."""
    open_: dict[str, list[str]] = {}
    out: list[list[str]] = []
    end = (until + dt.timedelta(days=1)).isoformat()
    start = (since - dt.timedelta(days=1)).isoformat()
    for kind, at, body in conn.execute(
        "SELECT type, at, body FROM events WHERE type IN ('window.opened', 'window.closed') "
        "AND at >= ? AND at < ? ORDER BY seq",
        (start, end),
    ).fetchall():
        data = json.loads(body)["data"]
        window = data["window"]
        if kind == "window.opened":
            open_[window] = [window, data["clerk"], data.get("clerk_name", ""), at, "9999"]
            out.append(open_[window])
        elif window in open_:
            open_.pop(window)[4] = at
    return out


def by_clerk(
    conn: sqlite3.Connection, since: dt.date, until: dt.date, *, min_score: int = 3, clerk: str = ""
) -> list[dict[str, Any]]:
    """Figures per clerk: a ticket counts for the clerk signed in at its window when called."""
    sessions = [s for s in clerk_sessions(conn, since, until) if not clerk or s[1] == clerk]
    if not sessions:
        return []
    figures = _figures_sql(min_score)
    sql = (
        "WITH s AS (SELECT value ->> 0 AS window, value ->> 1 AS clerk, value ->> 2 AS name, "
        "value ->> 3 AS start, value ->> 4 AS stop FROM json_each(?)) "
        f"SELECT s.clerk, MAX(s.name) AS clerk_name, {figures} FROM tickets t "
        "JOIN s ON t.window = s.window AND t.called_at >= s.start AND t.called_at < s.stop "
        "WHERE t.day BETWEEN ? AND ? GROUP BY s.clerk ORDER BY s.clerk"
    )
    return [
        _rate(dict(r))
        for r in conn.execute(sql, (json.dumps(sessions), since.isoformat(), until.isoformat()))
    ]


# ----- export -----------------------------------------------------------------------------------
FIGURE_COLUMNS = (
    ("issued", "取号 Issued"),
    ("served", "办结 Served"),
    ("no_show", "过号 No-show"),
    ("avg_wait_s", "平均等候(秒) Avg wait (s)"),
    ("avg_service_s", "平均办理(秒) Avg handling (s)"),
    ("evaluations", "评价 Ratings"),
    ("satisfaction_rate", "满意率 Satisfaction"),
    ("bad", "差评 Bad reviews"),
)


def tables(report: Report) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as named tables (sheet name, header, rows): one source for CSV and XLSX."""
    head = [label for _, label in FIGURE_COLUMNS]

    def part(
        key: str, label: str, rows: list[dict[str, Any]]
    ) -> tuple[str, list[str], list[list[Any]]]:
        return label, [label, *head], [[r[key], *(r[k] for k, _ in FIGURE_COLUMNS)] for r in rows]

    return [
        ("合计 Totals", head, [[report.totals[k] for k, _ in FIGURE_COLUMNS]]),
        part("day", "日期 Day", report.daily),
        part("service", "业务 Service", report.by_service),
        part("window", "窗口 Window", report.by_window),
        part("clerk_name", "工作人员 Clerk", report.by_clerk),
        (
            "等候分布 Waits",
            ["分钟 Minutes", "人次 Tickets"],
            [list(b) for b in report.wait_buckets],
        ),
        (
            "办理分布 Handling",
            ["分钟 Minutes", "人次 Tickets"],
            [list(b) for b in report.handling_buckets],
        ),
        (
            "取号热力 Arrivals",
            ["星期 Weekday", *HALF_HOURS],
            [[f"周{d}", *row] for d, row in zip(WEEKDAYS, report.heat, strict=True)],
        ),
    ]


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"hallq {report.since.isoformat()} – {report.until.isoformat()}"])
    for title, head, rows in tables(report):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(head)
        writer.writerows(rows)
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook  # a heavy import, needed only when someone exports

    book = Workbook()
    book.remove(book.active)
    for title, head, rows in tables(report):
        sheet = book.create_sheet(title.split()[0])
        sheet.append(head)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
