"""City reports: halls side by side over any period, read from hallq_days (on its indexes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg

COLUMNS = (
    "issued",
    "served",
    "no_show",
    "waiting",
    "waits",
    "wait_sum",
    "handling_sum",
    "s1",
    "s2",
    "s3",
    "s4",
    "s5",
)


def _avg(total: int, n: int) -> int | None:
    return round(total / n) if n else None


def figures(sums: Sequence[int], min_score: int = 3) -> dict[str, Any]:
    """The day figures of the hall's GET /stats, from summed hallq_days columns (COLUMNS)."""
    issued, served, no_show, waiting, waits, wait_sum, handling_sum, *levels = (
        int(v) for v in sums
    )
    evaluations = sum(levels)
    satisfied = sum(levels[min_score - 1 :])
    return {
        "issued": issued,
        "served": served,
        "no_show": no_show,
        "waiting": waiting,
        "avg_wait_s": _avg(wait_sum, waits),
        "avg_service_s": _avg(handling_sum, served),
        "evaluations": evaluations,
        "satisfaction_rate": round(satisfied / evaluations, 4) if evaluations else None,
    }


def halls(
    conn: psycopg.Connection, first: dt.date, last: dt.date, *, min_score: int = 3
) -> dict[str, dict[str, Any]]:
    """Every hall's figures over first…last (days inclusive), with `by_service`."""
    sums = ", ".join(f"sum({c})::bigint" for c in COLUMNS)
    rows = conn.execute(
        f"SELECT hall_id, service, {sums} FROM hallq_days WHERE day BETWEEN %s AND %s "
        "GROUP BY GROUPING SETS ((hall_id), (hall_id, service)) ORDER BY hall_id, service",
        (first, last),
    ).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for hall, service, *values in rows:
        if service is None:
            out.setdefault(hall, {"by_service": {}}).update(figures(values, min_score))
        else:
            out.setdefault(hall, {"by_service": {}})["by_service"][service] = figures(
                values, min_score
            )
    return out
