"""The city console's pages over a city of 100 halls × 30 days (issue 15: a city report or
ranking answers in < 2 s).

The city is built as bench_city builds it — every hall's busy day (20,000 tickets, about 100,000
events) through the real ingest, then 29 more days of day rows — plus what the console reads
beyond the day rows: 29 more busy days of hall-000 through the real ingest (its report reads a
month of real tickets, its closed days' report groups kept by the keeper itself) and, for the
other halls' 29 days, their kept wait histograms (what the console's keeper makes of closed
days; those days have no ticket rows here, so no report groups either).  Each page is
asked over HTTP, signed in, as the browser asks it (median and max of 5).  "Halls now" is timed
on the busy day itself (the page asks for today, which holds no bench tickets).
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
from bench_city import BATCH, DAY, bench_ingest, bench_report, busy_day

from city import console_accounts, console_tables
from city.console import make_app
from city.console_reports import halls_now, keep_closed_days
from city.ingest import Ingest
from city.schema import init
from tests.support.postgres import running_cluster
from webshell.accounts import password_hash

TIMES = 5


def _line(name: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {name:<44} {statistics.median(times) * 1000:7.0f} ms median "
        f"(max {max(times) * 1000:.0f} ms){extra}"
    )


def _month_of_one_hall(url: str, tickets: int) -> None:
    """hall-000's 29 days before the busy day, through the ingest (seq after the city's)."""
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn:
        ingest = Ingest(conn, "hall-000")
        seq = ingest.position()
        for back in range(29, 0, -1):
            rows = [
                (seq + s, k, at, body)
                for s, k, at, body in busy_day(tickets, 1000 + back, DAY - dt.timedelta(days=back))
            ]
            for i in range(0, len(rows), BATCH):
                ingest.store(rows[i : i + BATCH])
            seq += len(rows)
        (n,) = conn.execute(
            "SELECT count(*) FROM hallq_tickets WHERE hall_id = 'hall-000'"
        ).fetchone() or (0,)
    print(
        f"hall-000: 30 days, {n:,} tickets ({time.perf_counter() - t0:.0f} s to ingest 29 of them)"
    )


def _kept_waits(url: str, halls: int) -> None:
    """The other halls' 29 closed days as the keeper leaves them: 1,620 waits a day, 1–30 min."""
    with psycopg.connect(url) as conn:
        made = "FROM generate_series(1, %s - 1) h, generate_series(1, 29) d"
        hall = "format('hall-%%s', lpad(h::text, 3, '0'))"
        conn.execute(
            f"INSERT INTO hallq_console_kept_days SELECT {hall}, %s::date - d {made}", (DAY, halls)
        )
        conn.execute(
            f"INSERT INTO hallq_console_waits SELECT {hall}, %s::date - d, b, 27 {made}, "
            "generate_series(2, 61) b",
            (DAY, halls),
        )
        conn.commit()


async def _pages(url: str, halls: int) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        kept = await keep_closed_days(conn)
        print(
            f"keeper: {kept} closed hall-days kept (waits, report groups) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
    await console_accounts.CityAccounts(url).save("bench", "viewer", password_hash("bench-pass"))
    runner = web.AppRunner(make_app(url), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    first = DAY - dt.timedelta(days=29)
    period = f"since={first}&until={DAY}"
    before = f"since={first}&until={DAY - dt.timedelta(days=1)}"  # kept days (but hall-000's last)
    pages = [
        ("ranking by mean wait, 30 days", f"/rankings?{period}&by=avg_wait_s"),
        ("ranking by P90 wait, 30 days", f"/rankings?{period}&by=p90_wait_s"),
        ("ranking by P90 wait, the 29 days before", f"/rankings?{before}&by=p90_wait_s"),
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
        bench_ingest(url, args.halls, args.tickets, args.workers, read_first=False)
        bench_report(url, args.halls)
        with psycopg.connect(url) as conn:
            console_tables.create(conn)
        _month_of_one_hall(url, args.tickets)
        _kept_waits(url, args.halls)
        asyncio.run(_pages(url, args.halls))


if __name__ == "__main__":
    main()
