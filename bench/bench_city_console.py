"""The city console's pages over a city of 100 halls × 30 days (issue 15: a city report or
ranking answers in < 2 s).

The city is built as bench_city builds it — every hall's busy day (20,000 tickets, about 100,000
events) through the real ingest, then 29 more days of day rows — and each page is asked over
HTTP, signed in, as the browser asks it (median and max of 5).  "Halls now" is timed on the
busy day itself (the page asks for today, which holds no bench tickets).
Usage: .venv/bin/python bench/bench_city_console.py [--halls 100] [--tickets 20000] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
import zoneinfo

import aiohttp
import psycopg
from aiohttp import web
from bench_city import DAY, bench_ingest, bench_report

from city import console_accounts
from city.console import make_app
from city.console_reports import halls_now
from city.schema import init
from tests.support.postgres import running_cluster
from webshell.accounts import password_hash

TIMES = 5


def _line(name: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {name:<44} {statistics.median(times) * 1000:7.0f} ms median "
        f"(max {max(times) * 1000:.0f} ms){extra}"
    )


async def _pages(url: str, halls: int) -> None:
    with psycopg.connect(url) as conn:
        console_accounts.create(conn)
    await console_accounts.CityAccounts(url).save("bench", "viewer", password_hash("bench-pass"))
    runner = web.AppRunner(make_app(url), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    first = DAY - dt.timedelta(days=29)
    period = f"since={first}&until={DAY}"
    pages = [
        ("ranking by mean wait, 30 days", f"/rankings?{period}&by=avg_wait_s"),
        ("ranking by P90 wait, 30 days", f"/rankings?{period}&by=p90_wait_s"),
        ("ranking as XLSX, 30 days", f"/rankings.xlsx?{period}&by=satisfaction_rate"),
        ("one hall's report, 30 days", f"/halls/hall-000?{period}"),
        ("one hall's report as XLSX, 30 days", f"/halls/hall-000/report.xlsx?{period}"),
        ("差评 of every hall, 30 days (latest 500)", f"/reviews?{period}"),
        ("差评 of one hall, 30 days", f"/reviews?{period}&hall=hall-007"),
        ("halls page (today: no bench tickets)", "/"),
    ]
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            form = {"username": "bench", "password": "bench-pass"}
            async with http.post(base + "/login", data=form, allow_redirects=False) as r:
                assert r.status == 302, r.status
            print(f"city console pages over {halls} halls × 30 days (target < 2 s):")
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                noon = dt.datetime.combine(DAY, dt.time(12), zoneinfo.ZoneInfo("Asia/Shanghai"))
                times = []
                for _ in range(TIMES):
                    t0 = time.perf_counter()
                    now = await halls_now(conn, noon)
                    times.append(time.perf_counter() - t0)
                assert len(now) == halls and now[0]["issued"] > 0
                _line("halls now on the busy day (the live panel)", times)
            for name, path in pages:
                times = []
                for _ in range(TIMES):
                    t0 = time.perf_counter()
                    async with http.get(base + path, allow_redirects=False) as r:
                        body = await r.read()
                        assert r.status == 200, (path, r.status, body[:200])
                    times.append(time.perf_counter() - t0)
                _line(name, times, f", {len(body) / 1024:.0f} KiB")
    finally:
        await runner.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--halls", type=int, default=100)
    ap.add_argument("--tickets", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    with running_cluster() as cluster:
        url = cluster.create_database()
        with psycopg.connect(url) as conn:
            init(conn)
        bench_ingest(url, args.halls, args.tickets, args.workers)
        bench_report(url, args.halls)
        asyncio.run(_pages(url, args.halls))


if __name__ == "__main__":
    main()
