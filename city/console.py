"""`hallq-city serve`: the city's read-only page, every hall side by side (and the same as JSON).

Read-only and without accounts until the manager console's accounts (manage/) can be shared:
it listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import jinja2
import psycopg
from aiohttp import web

from . import reports

DB_URL: web.AppKey[str] = web.AppKey("db_url", str)
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("city", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

_HALLS = """
SELECT h.hall_id, h.name, h.timezone, f.seq, f.last_event_at, f.received_at
FROM hallq_halls h LEFT JOIN hallq_feed f USING (hall_id) ORDER BY h.hall_id
"""
_BUSY_WINDOWS = """
SELECT count(DISTINCT window_id) FROM hallq_ticket_rows
WHERE hall_id = %s AND day = %s AND status IN ('called', 'serving')
"""


async def halls_now(url: str, now: dt.datetime) -> list[dict[str, Any]]:
    """Each hall today (its own time zone): feed age, waiting, busy windows, the day's figures."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        halls = await (await conn.execute(_HALLS)).fetchall()
        out = []
        for hall_id, name, tz, seq, last_at, received_at in halls:
            today = now.astimezone(zoneinfo.ZoneInfo(tz)).date()
            figures = await _day(conn, hall_id, today)
            busy = await (await conn.execute(_BUSY_WINDOWS, (hall_id, today))).fetchone()
            out.append(
                {
                    "id": hall_id,
                    "name": name,
                    "day": today.isoformat(),
                    "seq": seq or 0,
                    "last_event_at": last_at.isoformat() if last_at else None,
                    "received_s": int((now - received_at).total_seconds()) if received_at else None,
                    "busy_windows": busy[0] if busy else 0,
                    **figures,
                }
            )
    return out


async def _day(conn: psycopg.AsyncConnection, hall: str, day: dt.date) -> dict[str, Any]:
    sums = ", ".join(f"coalesce(sum({c}), 0)::bigint" for c in reports.COLUMNS)
    row = await (
        await conn.execute(
            f"SELECT {sums} FROM hallq_days WHERE hall_id = %s AND day = %s", (hall, day)
        )
    ).fetchone()
    assert row is not None
    return reports.figures(row)


async def page(request: web.Request) -> web.Response:
    now = dt.datetime.now(dt.UTC)
    halls = await halls_now(request.app[DB_URL], now)
    html = TEMPLATES.get_template("halls.html").render(halls=halls, now=now)
    return web.Response(text=html, content_type="text/html")


async def halls_json(request: web.Request) -> web.Response:
    return web.json_response(
        {"halls": await halls_now(request.app[DB_URL], dt.datetime.now(dt.UTC))}
    )


def make_app(url: str) -> web.Application:
    app = web.Application()
    app[DB_URL] = url
    app.add_routes([web.get("/", page), web.get("/halls.json", halls_json)])
    return app
