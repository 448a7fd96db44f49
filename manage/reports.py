"""Figures of any range of days, read from the tickets table on its covering index, and their
export tables (written as CSV and XLSX by webshell.figures)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hallserver.protocol import BAD_REVIEW_MAX_SCORE
from webshell.figures import (
    BUCKETS_MIN,
    HALF_HOURS,
    WEEKDAYS,
    Table,
    bucket_labels,
    heat_span,
    report_tables,
)

SIGN_IN_DAYS = 31


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
    heat_slots: tuple[str, ...] = ()  # the half hours the heat map's columns stand for


# A day's figures are kept as sums, so any range of days adds up exactly; closed days are
# summed once and kept (report_days), only today is read from the tickets every time.
SUMS = (
    "issued",
    "served",
    "no_show",
    "wait_sum",
    "wait_n",
    "service_sum",
    "evaluations",
    "satisfied",
    "bad",
)


def _sums_sql(min_score: int) -> str:
    return (
        "COUNT(*), SUM(status = 'done'), SUM(status = 'no_show'), SUM(wait_s), COUNT(wait_s), "
        "SUM(CASE WHEN status = 'done' THEN service_s END), COUNT(score), "
        f"SUM(score >= {int(min_score)}), SUM(score <= {BAD_REVIEW_MAX_SCORE})"
    )


def _sums(values: Sequence[Any]) -> list[int]:
    return [int(v or 0) for v in values]


def _add(into: list[int], more: Sequence[int]) -> list[int]:
    return [a + b for a, b in zip(into, more, strict=True)] if into else list(more)


def _figures(sums: Sequence[int]) -> dict[str, Any]:
    s = dict(zip(SUMS, sums, strict=True))
    return {
        "issued": s["issued"],
        "served": s["served"],
        "no_show": s["no_show"],
        "avg_wait_s": round(s["wait_sum"] / s["wait_n"]) if s["wait_n"] else None,
        "avg_service_s": round(s["service_sum"] / s["served"]) if s["served"] else None,
        "evaluations": s["evaluations"],
        "satisfaction_rate": (
            round(s["satisfied"] / s["evaluations"], 4) if s["evaluations"] else None
        ),
        "bad": s["bad"],
    }


def _bucket_sql(column: str) -> str:
    cases = " ".join(f"WHEN {column} < {high * 60} THEN {i}" for i, high in enumerate(BUCKETS_MIN))
    return f"CASE {cases} ELSE {len(BUCKETS_MIN)} END"


def day_part(
    conn: sqlite3.Connection, day: dt.date, sessions: list[list[str]], min_score: int
) -> dict[str, Any]:
    """One day's sums: in all, per service, window and clerk; wait and handling buckets;
    arrivals per half hour.  `sessions` are that day's clerk sign-ins (clerk_sessions)."""
    d, sums = day.isoformat(), _sums_sql(min_score)
    q = conn.execute
    per = {}
    for key in ("service", "window"):
        per[key] = {
            r[0]: _sums(r[1:])
            for r in q(
                f"SELECT {key}, {sums} FROM tickets WHERE day = ? AND {key} IS NOT NULL "
                f"GROUP BY {key}",
                (d,),
            )
        }
    clerks: dict[str, Any] = {}
    if sessions:
        for r in q(
            "WITH s AS (SELECT value ->> 1 AS window, value ->> 2 AS clerk, value ->> 3 AS name, "
            "value ->> 4 AS start, value ->> 5 AS stop FROM json_each(?)) "
            f"SELECT s.clerk, MAX(s.name), {sums} FROM s JOIN tickets t INDEXED BY tickets_report "
            "ON t.day = ? AND t.window = s.window AND t.called_at >= s.start "
            "AND t.called_at < s.stop GROUP BY s.clerk",
            (json.dumps(sessions), d),
        ):
            clerks[r[0]] = [r[1], _sums(r[2:])]
    buckets = {}
    for name, column, extra in (
        ("wait", "wait_s", "wait_s IS NOT NULL"),
        ("handling", "service_s", "status = 'done'"),
    ):
        counts = dict(
            q(
                f"SELECT {_bucket_sql(column)} AS b, COUNT(*) FROM tickets "
                f"WHERE day = ? AND {extra} GROUP BY b",
                (d,),
            ).fetchall()
        )
        buckets[name] = [counts.get(i, 0) for i in range(len(BUCKETS_MIN) + 1)]
    heat = [0] * len(HALF_HOURS)
    for slot, count in q(
        "SELECT CAST(substr(issued_at, 12, 2) AS INTEGER) * 2 "
        "+ (substr(issued_at, 15, 2) >= '30') AS slot, COUNT(*) FROM tickets "
        "WHERE day = ? GROUP BY slot",
        (d,),
    ):
        heat[slot] += count
    totals: list[int] = []
    for s in per["service"].values():
        totals = _add(totals, s)
    return {
        "totals": totals or [0] * len(SUMS),
        "service": per["service"],
        "window": per["window"],
        "clerk": clerks,
        **buckets,
        "heat": heat,
    }


def first_day(conn: sqlite3.Connection) -> dt.date | None:
    """The day of the hall's first ticket."""
    row = conn.execute("SELECT MIN(day) FROM tickets").fetchone()
    return dt.date.fromisoformat(row[0]) if row and row[0] else None


def kept_parts(
    conn: sqlite3.Connection, since: dt.date, until: dt.date, min_score: int
) -> dict[str, dict[str, Any]]:
    return {
        day: json.loads(body)
        for day, body in conn.execute(
            "SELECT day, body FROM report_days WHERE day BETWEEN ? AND ? AND min_score = ?",
            (since.isoformat(), until.isoformat(), min_score),
        )
    }


def keep_parts(conn: sqlite3.Connection, parts: dict[str, dict[str, Any]], min_score: int) -> None:
    """Keep closed days' sums (on the writer): they no longer change."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT OR REPLACE INTO report_days VALUES (?, ?, ?)",
            [(day, min_score, json.dumps(p)) for day, p in parts.items()],
        )


def build(
    conn: sqlite3.Connection,
    since: dt.date,
    until: dt.date,
    *,
    today: dt.date,
    min_score: int = 3,
) -> tuple[Report, dict[str, dict[str, Any]]]:
    """The report of days since..until (both included), and the closed days' sums that were
    not kept yet (for `keep_parts`)."""
    parts = kept_parts(conn, since, until, min_score)
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    missing = [d for d in days if d.isoformat() not in parts or d >= today]
    fresh: dict[str, dict[str, Any]] = {}
    if missing:
        sessions: dict[str, list[list[str]]] = {}
        for piece in clerk_sessions(conn, min(missing), max(missing)):
            sessions.setdefault(piece[0], []).append(piece)
        for d in missing:
            part = day_part(conn, d, sessions.get(d.isoformat(), []), min_score)
            parts[d.isoformat()] = part
            if d < today:
                fresh[d.isoformat()] = part
    return _merge(since, until, parts), fresh


def _merge(since: dt.date, until: dt.date, parts: dict[str, dict[str, Any]]) -> Report:
    totals: list[int] = []
    groups: dict[str, dict[str, list[int]]] = {"service": {}, "window": {}, "clerk": {}}
    names: dict[str, str] = {}
    wait = [0] * (len(BUCKETS_MIN) + 1)
    handling = list(wait)
    heat = [[0] * len(HALF_HOURS) for _ in WEEKDAYS]
    daily = []
    for day in sorted(parts):
        p = parts[day]
        if not p["totals"][0]:
            continue
        totals = _add(totals, p["totals"])
        daily.append({"day": day, **_figures(p["totals"])})
        for key in ("service", "window"):
            for k, sums in p[key].items():
                groups[key][k] = _add(groups[key].get(k, []), sums)
        for k, (name, sums) in p["clerk"].items():
            names[k] = name
            groups["clerk"][k] = _add(groups["clerk"].get(k, []), sums)
        wait = _add(wait, p["wait"])
        handling = _add(handling, p["handling"])
        row = heat[dt.date.fromisoformat(day).weekday()]
        heat[dt.date.fromisoformat(day).weekday()] = _add(row, p["heat"])
    lo, hi = heat_span(heat)

    def rows(key: str, order: Any = None) -> list[dict[str, Any]]:
        out = [{key: k, **_figures(v)} for k, v in groups[key].items()]
        return sorted(out, key=order or (lambda r: r[key]))

    by_clerk = rows("clerk")
    for r in by_clerk:
        r["clerk_name"] = names[r["clerk"]]
    labels = bucket_labels()
    return Report(
        since=since,
        until=until,
        totals=_figures(totals or [0] * len(SUMS)),
        daily=daily,
        by_service=rows("service"),
        by_window=rows("window", lambda r: (len(r["window"]), r["window"])),
        by_clerk=by_clerk,
        wait_buckets=list(zip(labels, wait, strict=True)),
        handling_buckets=list(zip(labels, handling, strict=True)),
        heat=[row[lo:hi] for row in heat],
        heat_slots=HALF_HOURS[lo:hi],
    )


def clerk_sessions(conn: sqlite3.Connection, since: dt.date, until: dt.date) -> list[list[str]]:
    """[day, window, clerk, clerk_name, from, to] of every sign-in, cut into one piece per day
    of since..until (a window may stay signed in overnight; a sign-in older than SIGN_IN_DAYS
    before the range is not looked for)."""
    open_: dict[str, list[str]] = {}
    spans: list[list[str]] = []
    start = (since - dt.timedelta(days=SIGN_IN_DAYS)).isoformat()
    end = (until + dt.timedelta(days=1)).isoformat()
    for kind, at, body in conn.execute(
        "SELECT type, at, body FROM events WHERE type IN ('window.opened', 'window.closed') "
        "AND at >= ? AND at < ? ORDER BY seq",
        (start, end),
    ):
        data = json.loads(body)["data"]
        window = data["window"]
        if kind == "window.opened":
            open_[window] = [window, data["clerk"], data.get("clerk_name", ""), at, "9999"]
            spans.append(open_[window])
        elif window in open_:
            open_.pop(window)[4] = at
    pieces = []
    for window, clerk, name, start, stop in spans:
        first = max(since, dt.date.fromisoformat(start[:10]))
        last = min(until, dt.date.fromisoformat(stop[:10]) if stop != "9999" else until)
        day = first
        while day <= last:
            pieces.append([day.isoformat(), window, clerk, name, start, stop])
            day += dt.timedelta(days=1)
    return pieces


# ----- export -----------------------------------------------------------------------------------
def tables(report: Report) -> list[Table]:
    """The report as named tables (sheet name, header, rows): one source for CSV and XLSX."""
    groups = [
        ("日期 Day", "day", report.daily),
        ("业务 Service", "service", report.by_service),
        ("窗口 Window", "window", report.by_window),
        ("工作人员 Clerk", "clerk_name", report.by_clerk),
    ]
    return report_tables(
        report.totals,
        groups,
        report.wait_buckets,
        report.handling_buckets,
        report.heat_slots,
        report.heat,
    )
