"""`hallq-city serve`: the city console — every hall side by side and live, halls compared and
ranked over any period, one hall's report, every 差评 of the city, exports, and the city's
accounts (市级管理员 manages them, 查看 reads).  City users read: no page here changes anything in
a hall (each hall follows up its own 差评 in its own console).

Built on the hall console's shell (webshell/): the same look, charts, font, sign-in, sessions,
CSRF, accounts and audit pages; the accounts, sessions and audit live in the city database
(city/console_tables.py).  A city database that cannot be reached or refuses to write (its disk
full) is a clear 503 to try again later, never a half-done change: the pages that only read go
on while it refuses writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
from aiohttp import web

from webshell import pages, periods
from webshell.sessions import ME, Handler, Shell

from . import console_accounts as accounts
from . import console_reports as figures

HERE = Path(__file__).resolve().parent
ROOT = ""  # the city console has its own port: its pages sit at the root
COOKIE = "hallq_city"
DB_URL: web.AppKey[str] = web.AppKey("db_url", str)
TEMPLATES = pages.environment(HERE / "templates")


def _age(seconds: int) -> tuple[str, str]:
    """How long ago, in the largest whole unit, in Chinese and in English."""
    for unit, zh, en in ((86400, "天", "d"), (3600, "小时", "h"), (60, "分钟", "min")):
        if seconds >= unit:
            return f"{seconds // unit} {zh}", f"{seconds // unit} {en}"
    return f"{max(seconds, 0)} 秒", f"{max(seconds, 0)} s"


TEMPLATES.filters["age"] = _age
REFRESH_MS = 5000  # the halls' live panels are fetched again this often

# (path, 中文, English, what the role must be allowed): the navigation.
NAV = [
    ("/", "大厅", "Halls", "read"),
    ("/rankings", "排名", "Rankings", "read"),
    ("/reviews", "差评", "Bad reviews", "read"),
    ("/accounts", "账号", "Accounts", "accounts"),
    ("/audit", "审计", "Audit", "audit"),
]
MESSAGES = {
    "account_saved": "账号已保存 · Account saved",
    "account_removed": "账号已删除 · Account removed",
}
KEEP_EVERY_S = 600.0
log = logging.getLogger("hallq.city.console")


def store_of(request: web.Request) -> accounts.CityAccounts:
    return accounts.CityAccounts(request.app[DB_URL])


def render(request: web.Request, name: str, status: int = 200, **ctx: Any) -> web.Response:
    me = request.get(ME)
    body = TEMPLATES.get_template(name).render(
        root=ROOT,
        brand=("全市政务服务大厅", "City halls", "全市管理后台"),
        nav=[(p, zh, en) for p, zh, en, act in NAV if me and accounts.may(me["role"], act)],
        path=request.path,
        me=me,
        csrf=me["csrf"] if me else "",
        message=MESSAGES.get(request.query.get("done", ""), ""),
        roles=accounts.ROLES,
        **ctx,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


SHELL = Shell(ROOT, COOKIE, store_of, render, accounts.may, accounts.ROLES)

# The city database cannot answer now: no connection (refused, gone, shutting down, too many
# clients), a full disk (SQLSTATE 53100) or no memory, or a read-only standby refusing writes.
UNAVAILABLE = (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction)
UNAVAILABLE_ZH, UNAVAILABLE_EN = (
    "城市数据库暂不可用，请稍后再试",
    "The city database is unavailable, try again later",
)
RETRY_AFTER_S = 30


@web.middleware
async def unavailable(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request the city database could not serve: a 503 to try again (JSON for the .json
    routes, else a page) and one log line that names the route, never whom or what."""
    try:
        return await handler(request)
    except UNAVAILABLE as e:
        route = request.match_info.route.resource
        log.warning(
            "city database unavailable (%s%s): %s %s answered 503",
            f"SQLSTATE {e.sqlstate}: " if e.sqlstate else "",
            " ".join(str(e).split()),
            request.method,
            route.canonical if route else request.path,
        )
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    if request.path.endswith(".json"):
        error = {"code": "city_db_unavailable", "message": f"{UNAVAILABLE_ZH} · {UNAVAILABLE_EN}"}
        return web.json_response({"error": error}, status=503, headers=headers)
    response = render(request, "unavailable.html", 503, zh=UNAVAILABLE_ZH, en=UNAVAILABLE_EN)
    response.headers.update(headers)
    return response


async def _db(request: web.Request) -> psycopg.AsyncConnection[Any]:
    return await figures.connect(request.app[DB_URL])


def _period(request: web.Request, days: int) -> tuple[dt.date, dt.date]:
    return periods.period(request.query, dt.date.today(), days)


routes = web.RouteTableDef()


# ----- 大厅 Halls, live -------------------------------------------------------------------------
async def _halls(request: web.Request) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    async with await _db(request) as conn:
        halls = await figures.halls_now(conn, now)
    return {"halls": halls, "now": now, "every_ms": REFRESH_MS}


@routes.get(ROOT + "/")
async def halls_page(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    return render(request, "halls.html", **await _halls(request))


@routes.get(ROOT + "/live/panels")
async def halls_panels(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    return render(request, "halls_panels.html", **await _halls(request))


@routes.get(ROOT + "/halls.json")
async def halls_json(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    return web.json_response({"halls": (await _halls(request))["halls"]}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# ----- 排名 Rankings ----------------------------------------------------------------------------
async def _ranking(request: web.Request) -> dict[str, Any]:
    since, until = _period(request, 30)
    by = request.query.get("by", "avg_wait_s")
    if by not in figures.RANKINGS:
        raise web.HTTPBadRequest(text=f"不能按此排名 · Cannot rank by {by!r}")
    async with await _db(request) as conn:
        halls, city = await figures.ranking(conn, since, until, by)
    return {"since": since, "until": until, "by": by, "halls": halls, "city": city}


@routes.get(ROOT + "/rankings")
async def rankings_page(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    r = await _ranking(request)
    chart = [
        (h["name"] or h["hall"], _chart_value(r["by"], h[r["by"]]))
        for h in r["halls"][:20]
        if h[r["by"]] is not None
    ]
    return render(request, "rankings.html", rankings=figures.RANKINGS, chart=chart, **r)


def _chart_value(key: str, value: float) -> float:
    """Minutes for waits, percent for rates, counts as they are (one decimal)."""
    if key.endswith("_s"):
        return round(value / 60, 1)
    if key.endswith("_rate"):
        return round(value * 100, 1)
    return value


@routes.get(ROOT + "/rankings.{kind:csv|xlsx}")
async def rankings_export(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    r = await _ranking(request)
    name = f"hallq-city-{r['since']}-{r['until']}"
    title = f"hallq 全市排名 City ranking {r['since']} – {r['until']} · {r['by']}"
    tables = figures.ranking_tables(r["halls"], r["city"])
    return await SHELL.export(request, "ranking_exported", name, title, tables, by=r["by"])


# ----- 一个大厅 One hall's report ----------------------------------------------------------------
async def _hall_report(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    since, until = _period(request, 7)
    async with await _db(request) as conn:
        halls = {h["id"]: h for h in await figures.hall_list(conn)}
        hall = halls.get(request.match_info["hall"])
        if hall is None:
            raise web.HTTPNotFound(text="没有该大厅 · No such hall")
        return hall, await figures.hall_report(conn, hall, since, until)


@routes.get(ROOT + "/halls/{hall}")
async def hall_page(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    hall, r = await _hall_report(request)
    return render(
        request,
        "hall.html",
        h=hall,
        r=r,
        daily=[(d["day"][5:], d["issued"]) for d in r["daily"]],
        weekdays=figures.WEEKDAYS,
        service_name=lambda row: row["service"],
        window_name=lambda row: row["window"],
    )


@routes.get(ROOT + "/halls/{hall}/report.{kind:csv|xlsx}")
async def hall_export(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    hall, r = await _hall_report(request)
    name = f"hallq-{hall['id']}-{r['since']}-{r['until']}"
    title = f"hallq {hall['name'] or hall['id']} {r['since']} – {r['until']}"
    return await SHELL.export(request, "report_exported", name, title, figures.report_tables(r))


# ----- 差评 Bad reviews of every hall ------------------------------------------------------------
async def _reviews(request: web.Request) -> dict[str, Any]:
    since, until = _period(request, 30)
    hall = request.query.get("hall", "")
    score_text = request.query.get("score", "")
    if score_text not in ("", "1", "2"):
        raise web.HTTPBadRequest(text="评价为 1 或 2 星 · The rating filter is ★1 or ★2")
    async with await _db(request) as conn:
        halls = await figures.hall_list(conn)
        total, rows = await figures.bad_reviews(
            conn, since, until, hall=hall, score=int(score_text) if score_text else None
        )
    return {
        "since": since,
        "until": until,
        "hall": hall,
        "score": score_text,
        "halls": halls,
        "total": total,
        "rows": rows,
    }


@routes.get(ROOT + "/reviews")
async def reviews_page(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    return render(request, "reviews.html", **await _reviews(request))


@routes.get(ROOT + "/reviews.{kind:csv|xlsx}")
async def reviews_export(request: web.Request) -> web.Response:
    SHELL.require(request, "read")
    r = await _reviews(request)
    name = f"hallq-city-bad-reviews-{r['since']}-{r['until']}"
    title = f"hallq 全市差评 City bad reviews {r['since']} – {r['until']}"
    tables = figures.review_tables(r["rows"])
    return await SHELL.export(request, "reviews_exported", name, title, tables, hall=r["hall"])


# ----- the app ----------------------------------------------------------------------------------
async def keep_waits(url: str, every_s: float = KEEP_EVERY_S) -> None:
    """Keep the closed hall-days' waits (after start, then every few minutes), so a P90 over
    months reads histograms; pages are right without it, only slower."""
    while True:
        try:
            async with await figures.connect(url) as conn:
                kept = await figures.keep_closed_days(conn)
            if kept:
                log.info("kept the waits of %d closed hall-days", kept)
        except psycopg.Error as e:
            log.warning("keeping closed days' waits failed: %s", " ".join(str(e).split()))
        await asyncio.sleep(every_s)


def make_app(url: str) -> web.Application:
    app = web.Application(middlewares=[unavailable, SHELL.guard])
    app[DB_URL] = url
    app.add_routes(SHELL.routes())
    app.add_routes(routes)
    pages.add_static(app, ROOT)

    async def keeper(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(keep_waits(url))
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(keeper)
    return app
