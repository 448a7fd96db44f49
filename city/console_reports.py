"""What the city console reads: every hall now, halls ranked over a period, one hall's report,
every 差评 of the city — from hallq_days (sums per hall, day and service) and hallq_ticket_rows
(one row per ticket: hallq_tickets' columns with the day and the seq of its latest event),
always on their (day, hall_id) / (hall_id, day) indexes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from hallserver.protocol import BAD_REVIEW_MAX_SCORE, EVALUATION_REASONS
from webshell import figures
from webshell.figures import BUCKETS_MIN, HALF_HOURS, WEEKDAYS, Table, bucket_labels, heat_span

from . import reports
from .console_tables import WAIT_BUCKET_S, WAIT_BUCKETS

MIN_SCORE = 3  # 满意: ★3 and above, as a hall's policy has it unless it says otherwise

# (key, 中文, English, best first: "asc" or "desc"): what halls can be ranked by.
RANKINGS = {
    "avg_wait_s": ("平均等候", "Mean wait", "asc"),
    "p90_wait_s": ("90% 等候", "P90 wait", "asc"),
    "satisfaction_rate": ("满意率", "Satisfaction", "desc"),
    "no_show_rate": ("过号率", "No-show rate", "asc"),
    "issued": ("取号", "Issued", "desc"),
    "served": ("办结", "Served", "desc"),
}

WORKING_WINDOW = dt.timedelta(minutes=30)
_SUMS = ", ".join(f"coalesce(sum({c}), 0)::bigint" for c in reports.COLUMNS)

# A group of tickets as the figures of a hall's report (FIGURE_COLUMNS of webshell.figures).
_TICKET_SUMS = f"""count(*), count(*) FILTER (WHERE status = 'done'),
    count(*) FILTER (WHERE status = 'no_show'), coalesce(sum(wait_s), 0), count(wait_s),
    coalesce(sum(handling_s) FILTER (WHERE status = 'done'), 0), count(score),
    count(*) FILTER (WHERE score >= {MIN_SCORE}),
    count(*) FILTER (WHERE score <= {BAD_REVIEW_MAX_SCORE})
"""


def _day_figures(sums: Sequence[Any]) -> dict[str, Any]:
    """The figures of summed day rows (reports.COLUMNS), with the 差评 (★1–2) among them."""
    levels = [int(v) for v in sums[-5:]]  # s1 … s5
    return {**reports.figures(sums, MIN_SCORE), "bad": sum(levels[:BAD_REVIEW_MAX_SCORE])}


def _ticket_figures(row: Sequence[Any]) -> dict[str, Any]:
    issued, served, no_show, wait_sum, waits, handling_sum, rated, satisfied, bad = (
        int(v) for v in row
    )
    return {
        "issued": issued,
        "served": served,
        "no_show": no_show,
        "avg_wait_s": round(wait_sum / waits) if waits else None,
        "avg_service_s": round(handling_sum / served) if served else None,
        "evaluations": rated,
        "satisfaction_rate": round(satisfied / rated, 4) if rated else None,
        "bad": bad,
    }


# ----- a hall's report: its tickets grouped ------------------------------------------------------
# grouping(window_id, wb, hb, wd, slot) of each grouping set: a bit for each column left out.
_BY_WINDOW, _BY_WAIT, _BY_HANDLING, _BY_HALF_HOUR = 0b01111, 0b10111, 0b11011, 0b11100


def _bucket_sql(column: str) -> str:
    cases = " ".join(f"WHEN {column} < {high * 60} THEN {i}" for i, high in enumerate(BUCKETS_MIN))
    return f"CASE {cases} ELSE {len(BUCKETS_MIN)} END"


def _day_groups(hall: str, day: str, tz: str) -> str:
    """One hall-day's report groups (the SQL expressions `hall`, `day` and `tz` name the hall,
    the day and the hall's time zone): its tickets per window, per wait bucket, per handling
    bucket, per weekday × half hour of the hall's own time, each row with `grp` (grouping() of
    those five columns: which group it is) and _TICKET_SUMS; one pass over the day's tickets,
    read on the key.  Asked a day at a time (LATERAL), the planner never reads every ticket of
    a hall for a few days it cannot count, nor sorts a year of tickets at once."""
    return f"""SELECT window_id, wb, hb, wd, slot, grouping(window_id, wb, hb, wd, slot) AS grp,
        {_TICKET_SUMS}
    FROM (SELECT window_id, status, wait_s, handling_s, score,
            CASE WHEN wait_s IS NOT NULL THEN {_bucket_sql("wait_s")} END AS wb,
            CASE WHEN status = 'done' THEN {_bucket_sql("handling_s")} END AS hb,
            extract(isodow FROM local)::int - 1 AS wd,
            extract(hour FROM local)::int * 2 + (extract(minute FROM local) >= 30)::int AS slot
        FROM (SELECT *, issued_at AT TIME ZONE {tz} AS local FROM hallq_ticket_rows
              WHERE hall_id = {hall} AND day = {day}) t) t
    GROUP BY GROUPING SETS ((window_id), (wb), (hb), (wd, slot))"""


_GROUP_COLUMNS = """window_id, wait_bucket, handling_bucket, weekday, slot, grp, issued, served,
    no_show, wait_sum, waits, handling_sum, rated, satisfied, bad"""

# One hall's report groups over a range: the kept days' groups plus those of the days not kept
# yet (today, yesterday until the keeper's next round) grouped from their tickets.
_HALL_GROUPS = f"""
WITH open_days AS (
    SELECT DISTINCT d.day FROM hallq_days d
    WHERE d.hall_id = %(hall)s AND d.day BETWEEN %(since)s AND %(until)s
    AND NOT EXISTS (SELECT 1 FROM hallq_console_kept_days k
                    WHERE k.hall_id = d.hall_id AND k.day = d.day)
)
SELECT window_id, wait_bucket, handling_bucket, weekday, slot, grp, sum(issued), sum(served),
    sum(no_show), sum(wait_sum), sum(waits), sum(handling_sum), sum(rated), sum(satisfied),
    sum(bad)
FROM (
    SELECT {_GROUP_COLUMNS} FROM hallq_console_report_groups
    WHERE hall_id = %(hall)s AND day BETWEEN %(since)s AND %(until)s
    UNION ALL
    SELECT g.* FROM open_days o
    CROSS JOIN LATERAL ({_day_groups("%(hall)s", "o.day", "%(tz)s::text")}) g
) groups
GROUP BY window_id, wait_bucket, handling_bucket, weekday, slot, grp
"""


# ----- waits: P90 from half-minute histograms ----------------------------------------------------
_BUCKET = f"least(wait_s / {WAIT_BUCKET_S}, {WAIT_BUCKETS})"

# The closed days of each hall (it has sent events of a later day) not kept yet, oldest first:
# their waits' histograms and their report groups.
_KEEP = f"""
WITH closed AS (
    SELECT d.hall_id, d.day FROM (SELECT DISTINCT hall_id, day FROM hallq_days) d
    JOIN hallq_halls h USING (hall_id) JOIN hallq_feed f USING (hall_id)
    WHERE d.day < (f.last_event_at AT TIME ZONE h.timezone)::date
    AND NOT EXISTS (SELECT 1 FROM hallq_console_kept_days k
                    WHERE k.hall_id = d.hall_id AND k.day = d.day)
    ORDER BY d.day LIMIT %s
), kept AS (
    INSERT INTO hallq_console_kept_days SELECT hall_id, day FROM closed
    ON CONFLICT DO NOTHING RETURNING hall_id, day
), waits AS (
    INSERT INTO hallq_console_waits (hall_id, day, bucket, n)
    SELECT t.hall_id, t.day, {_BUCKET}, count(*) FROM kept
    JOIN hallq_ticket_rows t ON t.hall_id = kept.hall_id AND t.day = kept.day
    WHERE t.wait_s IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT DO NOTHING
), groups AS (
    INSERT INTO hallq_console_report_groups (hall_id, day, {_GROUP_COLUMNS})
    SELECT kept.hall_id, kept.day, g.* FROM kept JOIN hallq_halls h ON h.hall_id = kept.hall_id
    CROSS JOIN LATERAL ({_day_groups("kept.hall_id", "kept.day", "h.timezone")}) g
)
SELECT count(*) FROM kept
"""

# Every hall's (and, as NULL, the city's) P90 wait over a range: the kept days' histograms plus
# the days not kept yet (today, yesterday until the keeper's next round) read from the tickets.
_P90 = f"""
WITH open_days AS (
    SELECT DISTINCT d.hall_id, d.day FROM hallq_days d
    WHERE d.day BETWEEN %(since)s AND %(until)s {{hall}}
    AND NOT EXISTS (SELECT 1 FROM hallq_console_kept_days k
                    WHERE k.hall_id = d.hall_id AND k.day = d.day)
), waits AS (
    SELECT hall_id, bucket, n FROM hallq_console_waits d
    WHERE d.day BETWEEN %(since)s AND %(until)s {{hall}}
    UNION ALL
    SELECT o.hall_id, t.bucket, count(*) FROM open_days o CROSS JOIN LATERAL (
        SELECT {_BUCKET} AS bucket FROM hallq_ticket_rows t
        WHERE t.hall_id = o.hall_id AND t.day = o.day AND t.wait_s IS NOT NULL
        OFFSET 0  -- on the key, an open day at a time (as a hall's report groups)
    ) t GROUP BY 1, 2
), summed AS (
    SELECT hall_id, bucket, sum(n) AS n FROM waits
    GROUP BY GROUPING SETS ((hall_id, bucket), (bucket))
), running AS (
    SELECT hall_id, bucket, sum(n) OVER (PARTITION BY hall_id ORDER BY bucket) AS upto,
        sum(n) OVER (PARTITION BY hall_id) AS total
    FROM summed
)
SELECT hall_id, (min(bucket) + 1) * {WAIT_BUCKET_S} FROM running WHERE upto >= 0.9 * total
GROUP BY hall_id
"""


async def keep_closed_days(conn: psycopg.AsyncConnection[Any], chunk: int = 500) -> int:
    """Keep the waits of every closed hall-day not kept yet (a chunk per transaction)."""
    done = 0
    while True:
        row = await (await conn.execute(_KEEP, (chunk,))).fetchone()
        if not row or not row[0]:
            return done
        done += int(row[0])


async def p90_waits(
    conn: psycopg.AsyncConnection[Any], since: dt.date, until: dt.date, hall: str = ""
) -> dict[str | None, int]:
    """P90 wait (seconds, the upper edge of its half minute) per hall and, under None, of all
    the halls asked for together."""
    sql = _P90.format(hall="AND d.hall_id = %(hall)s" if hall else "")
    args = {"since": since, "until": until, "hall": hall}
    return dict(await (await conn.execute(sql, args)).fetchall())


async def connect(url: str) -> psycopg.AsyncConnection[Any]:
    """A connection for the console's reads.  Without JIT: the queries here read kept rows and
    a few open days on their keys, thousands of rows, not millions, and the planner (which
    cannot tell how few days are open) compiled them for 0.1–0.5 s to run them in less."""
    return await psycopg.AsyncConnection.connect(url, autocommit=True, options="-c jit=off")


async def hall_list(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT h.hall_id AS id, h.name, h.timezone, f.seq, f.last_event_at, f.received_at "
        "FROM hallq_halls h LEFT JOIN hallq_feed f USING (hall_id) ORDER BY h.hall_id"
    )
    return await cur.fetchall()


# ----- 大厅 Halls now ---------------------------------------------------------------------------
async def halls_now(conn: psycopg.AsyncConnection[Any], now: dt.datetime) -> list[dict[str, Any]]:
    """Each hall today (its own time zone): the age of its last event and of the city's last
    receipt, waiting now, windows serving now and windows at work (which called a ticket in the
    last WORKING_WINDOW: the city keeps tickets, not the windows' sign-ins), the day's figures."""
    halls = await hall_list(conn)
    for h in halls:
        h["day"] = now.astimezone(zoneinfo.ZoneInfo(h["timezone"])).date()
    ids, days = [h["id"] for h in halls], [h["day"] for h in halls]
    today = "JOIN unnest(%s::text[], %s::date[]) AS h (hall_id, day) USING (hall_id, day)"
    figures = {
        r[0]: _day_figures(r[1:])
        for r in await (
            await conn.execute(
                f"SELECT hall_id, {_SUMS} FROM hallq_days {today} GROUP BY hall_id", (ids, days)
            )
        ).fetchall()
    }
    windows = {
        hall: (serving, calling)
        for hall, serving, calling in await (
            await conn.execute(
                "SELECT hall_id, count(DISTINCT window_id) FILTER "
                "(WHERE status IN ('called', 'serving')), count(DISTINCT window_id) FILTER "
                f"(WHERE called_at > %s) FROM hallq_ticket_rows {today} "
                "WHERE status IN ('called', 'serving') OR called_at > %s GROUP BY hall_id",
                (now - WORKING_WINDOW, ids, days, now - WORKING_WINDOW),
            )
        ).fetchall()
    }
    empty = _day_figures([0] * len(reports.COLUMNS))
    out = []
    for h in halls:
        last, received = h["last_event_at"], h["received_at"]
        out.append(
            {
                "id": h["id"],
                "name": h["name"],
                "day": h["day"].isoformat(),
                "seq": h["seq"] or 0,
                "last_event_at": last.isoformat() if last else None,
                "last_event_s": int((now - last).total_seconds()) if last else None,
                "received_s": int((now - received).total_seconds()) if received else None,
                "busy_windows": windows.get(h["id"], (0, 0))[0],
                "calling_windows": windows.get(h["id"], (0, 0))[1],
                **figures.get(h["id"], empty),
            }
        )
    return out


# ----- 排名 Rankings ----------------------------------------------------------------------------
async def ranking(
    conn: psycopg.AsyncConnection[Any], since: dt.date, until: dt.date, by: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every hall's figures over since…until, best first by `by` (RANKINGS), and the city's."""
    rows = await (
        await conn.execute(
            f"SELECT hall_id, {_SUMS} FROM hallq_days WHERE day BETWEEN %s AND %s "
            "GROUP BY ROLLUP (hall_id)",
            (since, until),
        )
    ).fetchall()
    p90 = await p90_waits(conn, since, until)
    names = {h["id"]: h["name"] for h in await hall_list(conn)}
    halls, city = [], _day_figures([0] * len(reports.COLUMNS))
    for hall, *sums in rows:
        f = _day_figures(sums)
        f["p90_wait_s"] = p90.get(hall)
        f["no_show_rate"] = round(f["no_show"] / f["issued"], 4) if f["issued"] else None
        if hall is None:
            city = f
        else:
            halls.append({"hall": hall, "name": names.get(hall, hall), **f})
    key, (_, _, order) = by, RANKINGS[by]
    known = [h for h in halls if h[key] is not None]
    known.sort(key=lambda h: (h[key] if order == "asc" else -h[key], h["hall"]))
    ranked = known + sorted((h for h in halls if h[key] is None), key=lambda h: h["hall"])
    for place, h in enumerate(ranked, start=1):
        h["rank"] = place
    return ranked, city


def ranking_tables(halls: list[dict[str, Any]], city: dict[str, Any]) -> list[Table]:
    head = ["名次 Rank", "大厅 Hall", "编号 Id", "取号 Issued", "办结 Served", "过号 No-show",
            "过号率 No-show rate", "平均等候(秒) Mean wait (s)", "90% 等候(秒) P90 wait (s)",
            "评价 Ratings", "满意率 Satisfaction", "差评 Bad reviews"]  # fmt: skip
    keys = ("issued", "served", "no_show", "no_show_rate", "avg_wait_s", "p90_wait_s",
            "evaluations", "satisfaction_rate", "bad")  # fmt: skip
    rows = [[h["rank"], h["name"], h["hall"], *(h[k] for k in keys)] for h in halls]
    rows.append(["", "全市 City", "", *(city[k] for k in keys)])
    return [("排名 Ranking", head, rows)]


# ----- 一个大厅的报表 One hall's report ----------------------------------------------------------
async def hall_report(
    conn: psycopg.AsyncConnection[Any], hall: dict[str, Any], since: dt.date, until: dt.date
) -> dict[str, Any]:
    """The sections of the hall console's 报表 that the city holds: totals, tickets per day, per
    service, per window, wait and handling distributions, arrivals by weekday × half hour (in
    the hall's own time zone).  Per clerk stays in the hall: the city has no clerk names."""
    hid, tz = hall["id"], hall["timezone"]
    span = (hid, since, until)

    async def rows(
        sql: str, args: Sequence[Any] | Mapping[str, Any] = span
    ) -> list[tuple[Any, ...]]:
        return await (await conn.execute(sql, args)).fetchall()

    # One snapshot for every section, so they agree (a batch stored meanwhile is in all or
    # none) and the days open at the start are the days whose tickets are grouped.
    async with conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        in_days = "FROM hallq_days WHERE hall_id = %s AND day BETWEEN %s AND %s"
        daily = [
            {"day": d.isoformat(), **_day_figures(s)}
            for d, *s in await rows(f"SELECT day, {_SUMS} {in_days} GROUP BY day ORDER BY day")
        ]
        totals = _day_figures((await rows(f"SELECT {_SUMS} {in_days}"))[0])
        totals["p90_wait_s"] = (await p90_waits(conn, since, until, hid)).get(hid)
        by_service = [
            {"service": s, **_day_figures(v)}
            for s, *v in await rows(
                f"SELECT service, {_SUMS} {in_days} GROUP BY service ORDER BY service"
            )
        ]
        # Per window, the two distributions, the heat map: kept days' groups and open days' tickets.
        grouped = await rows(_HALL_GROUPS, {"hall": hid, "since": since, "until": until, "tz": tz})
    by_window = []
    counts: dict[str, list[int]] = {k: [0] * (len(BUCKETS_MIN) + 1) for k in ("wait", "handling")}
    heat = [[0] * len(HALF_HOURS) for _ in WEEKDAYS]
    for window, wb, hb, weekday, slot, group, *sums in grouped:
        if group == _BY_WINDOW and window is not None:
            by_window.append({"window": window, **_ticket_figures(sums)})
        elif group == _BY_WAIT and wb is not None:
            counts["wait"][wb] = int(sums[0])
        elif group == _BY_HANDLING and hb is not None:
            counts["handling"][hb] = int(sums[0])
        elif group == _BY_HALF_HOUR:
            heat[weekday][slot] += int(sums[0])
    by_window.sort(key=lambda r: (len(r["window"]), r["window"]))
    buckets = {k: list(zip(bucket_labels(), v, strict=True)) for k, v in counts.items()}
    lo, hi = heat_span(heat)
    return {
        "since": since,
        "until": until,
        "totals": totals,
        "daily": daily,
        "by_service": by_service,
        "by_window": by_window,
        "wait_buckets": buckets["wait"],
        "handling_buckets": buckets["handling"],
        "heat": [row[lo:hi] for row in heat],
        "heat_slots": HALF_HOURS[lo:hi],
    }


def report_tables(report: dict[str, Any]) -> list[Table]:
    groups = [
        ("日期 Day", "day", report["daily"]),
        ("业务 Service", "service", report["by_service"]),
        ("窗口 Window", "window", report["by_window"]),
    ]
    return figures.report_tables(
        report["totals"],
        groups,
        report["wait_buckets"],
        report["handling_buckets"],
        report["heat_slots"],
        report["heat"],
    )


# ----- 差评 Bad reviews ---------------------------------------------------------------------------
async def bad_reviews(
    conn: psycopg.AsyncConnection[Any],
    since: dt.date,
    until: dt.date,
    *,
    hall: str = "",
    score: int | None = None,
    limit: int = 500,
) -> tuple[int, list[dict[str, Any]]]:
    """Every ★1–2 rating of the days in the city, newest first (at most `limit`), with the
    reasons its evaluation event carried; and how many there are in all."""
    where = ["t.day BETWEEN %s AND %s", f"t.score <= {BAD_REVIEW_MAX_SCORE}"]
    args: list[Any] = [since, until]
    if hall:
        where.append("t.hall_id = %s")
        args.append(hall)
    if score is not None:
        where.append("t.score = %s")
        args.append(score)
    cond = " AND ".join(where)
    # How many, from the day rows (their ★ counts are these tickets' scores).
    bad = range(1, BAD_REVIEW_MAX_SCORE + 1)
    if score is not None and score not in bad:
        raise ValueError(f"not a bad review's score: {score}")
    levels = f"s{score}" if score else " + ".join(f"s{i}" for i in bad)
    day_cond = "day BETWEEN %s AND %s" + (" AND hall_id = %s" if hall else "")
    (total,) = await (
        await conn.execute(
            f"SELECT coalesce(sum({levels}), 0) FROM hallq_days WHERE {day_cond}",
            [since, until, *([hall] if hall else [])],
        )
    ).fetchone() or (0,)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT t.hall_id AS hall, h.name AS hall_name, t.day, t.number, t.service, "
        "t.window_id AS window, t.score, t.finished_at AT TIME ZONE h.timezone AS finished_at, "
        "e.data -> 'reasons' AS reasons "
        "FROM hallq_ticket_rows t JOIN hallq_halls h USING (hall_id) "
        "LEFT JOIN hallq_events e ON e.hall_id = t.hall_id AND e.seq = t.seq "
        f"AND e.type = 'ticket.evaluated' WHERE {cond} "
        "ORDER BY t.day DESC, t.finished_at DESC, t.hall_id LIMIT %s",
        [*args, limit],
    )
    rows = await cur.fetchall()
    for r in rows:
        r["reasons"] = "、".join(EVALUATION_REASONS.get(c, c) for c in r["reasons"] or []) or "—"
        r["day"] = r["day"].isoformat()
        finished = r["finished_at"]
        r["finished_at"] = finished.isoformat() if finished else None
    return int(total), rows


def review_tables(rows: list[dict[str, Any]]) -> list[Table]:
    head = ["大厅 Hall", "编号 Id", "日期 Day", "号码 Ticket", "业务 Service", "窗口 Window",
            "评价 Rating", "原因 Reasons", "办结 Finished"]  # fmt: skip
    keys = ("hall_name", "hall", "day", "number", "service", "window", "score", "reasons",
            "finished_at")  # fmt: skip
    return [("差评 Bad reviews", head, [[r[k] for k in keys] for r in rows])]
