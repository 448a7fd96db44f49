"""The manager console on a busy hall's 90 days and a busy today (about 3,000 tickets a day,
30 windows): each page's answer time, a 90-day report and its XLSX export, and call-next → the live
view's event and refreshed panels.  Targets: pages < 300 ms, 90-day report < 1 s, call on the
live view < 100 ms.

The history is written straight into the tables (as the server would have left it: tickets,
clerks' sign-ins as events); the server then runs on it with its console."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
import zoneinfo
from http.cookiejar import CookieJar
from pathlib import Path

from hallkit import HallServerProcess, big_hall

from hallserver.config import load_config
from hallserver.store import TICKET_COLUMNS, Store, event_body
from manage import accounts, records

DAYS, PER_DAY, WINDOWS = 90, 3000, 30
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def fill(db: Path, config: Path, today: dt.date) -> int:
    settings = load_config(config)
    services = [s.code for s in settings.services]
    rng = random.Random(7)
    store = Store(db)
    seq, order, rows, events = 0, 0, [], []
    for d in range(DAYS, -1, -1):  # … and today, already busy
        day = today - dt.timedelta(days=d)
        if day.isoweekday() > 5:
            continue
        opened = dt.datetime.combine(day, dt.time(8, 50), TZ)
        for w in range(1, WINDOWS + 1):
            seq += 1
            events.append(
                (
                    seq,
                    "window.opened",
                    opened,
                    {"window": str(w), "clerk": f"c{w}", "clerk_name": f"办事员{w}"},
                )
            )
        for i in range(PER_DAY):
            order += 1
            issued = dt.datetime.combine(day, dt.time(9), TZ) + dt.timedelta(
                seconds=rng.uniform(0, 8 * 3600)
            )
            wait = int(rng.expovariate(1 / 600))
            handling = int(rng.uniform(120, 1200))
            called = issued + dt.timedelta(seconds=wait)
            status = "no_show" if rng.random() < 0.05 else "done"
            score = (
                rng.choice([5] * 20 + [4] * 8 + [3] * 2 + [2, 1])
                if status == "done" and rng.random() < 0.4
                else None
            )
            finished = called + dt.timedelta(seconds=handling)
            t = dict.fromkeys(TICKET_COLUMNS)
            t.update(
                id=f"{day}-{i}",
                day=day.isoformat(),
                number=f"A{i:04d}",
                service=rng.choice(services),
                status=status,
                channel="normal",
                lane="normal",
                issued_at=issued.isoformat(),
                queued_at=issued.isoformat(),
                called_at=called.isoformat(),
                first_called_at=called.isoformat(),
                finished_at=finished.isoformat(),
                window=str(rng.randint(1, WINDOWS)),
                recalls=0,
                checkins=0,
                holder="张*",
                wait_s=wait,
                service_s=handling if status == "done" else 0,
                score=score,
                reasons="attitude" if score and score <= 2 else "",
                device="kiosk-1",
                ord=order,
            )
            rows.append(tuple(t[c] for c in TICKET_COLUMNS))
        closed = dt.datetime.combine(day, dt.time(17, 30), TZ)
        for w in range(1, WINDOWS + 1):
            seq += 1
            events.append((seq, "window.closed", closed, {"window": str(w)}))
    with store.transaction() as c:
        c.executemany(
            f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(TICKET_COLUMNS))})",
            rows,
        )
        c.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            [(s, k, at.isoformat(), event_body(s, k, at, data)) for s, k, at, data in events],
        )
    records.create(store.conn)
    records.save_manager(
        store.conn,
        "boss",
        "admin",
        accounts.password_hash("bench-password"),
        dt.datetime.now(dt.UTC),
    )
    store.close()
    return len(rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = big_hall(Path(tmp) / "big.toml", WINDOWS)
        db = Path(tmp) / "hall.db"
        today = dt.datetime.now(TZ).date()
        started = time.perf_counter()
        server = HallServerProcess(db=db, config=config)
        server.pair_all()
        n = fill(db, config, today)
        print(
            f"history: {n:,} tickets over {DAYS} days "
            f"({time.perf_counter() - started:.1f} s to write)"
        )
        started = time.perf_counter()
        server.start()
        assert server.proc is not None and server.proc.stdout is not None
        console = server.proc.stdout.readline().split()[-1].rstrip("/")
        print(f"server start with the console's indexes: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        with sqlite3.connect(db) as conn:
            while conn.execute("SELECT COUNT(*) FROM report_days").fetchone()[0] < DAYS:
                time.sleep(0.2)
        print(
            f"past {DAYS} days summed in the background: {time.perf_counter() - started:.1f} s "
            "(from 5 s after the start)"
        )
        try:
            run(server, console, today)
        finally:
            server.stop()


def run(server: HallServerProcess, console: str, today: dt.date) -> None:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"username": "boss", "password": "bench-password"}).encode()
    opener.open(console + "/login", form, timeout=30).read()

    def timed(path: str, runs: int = 7) -> tuple[float, float]:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            with opener.open(console + path, timeout=60) as answer:
                answer.read()
                assert answer.status == 200, path
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times), max(times)

    since = (today - dt.timedelta(days=DAYS)).isoformat()
    pages = {
        "实时 live": "/",
        "live panels (per event)": "/live/panels",
        "工作人员 staff (today)": "/staff",
        "设备 devices": "/devices",
        "报表 reports (7 days)": "/reports",
        "好差评 cases (90 days, open)": "/cases",
        "审计 audit": "/audit",
        "账号 accounts": "/accounts",
        "配置 configuration": "/config",
        "配置 TOML export": "/config.toml",
        "报表 reports (90 days)": f"/reports?since={since}&until={today}",
        "XLSX export (90 days)": f"/reports.xlsx?since={since}&until={today}",
        "CSV export (90 days)": f"/reports.csv?since={since}&until={today}",
        "staff figures (90 days)": f"/staff?since={since}&until={today}",
    }
    print(f"{'page':34} {'median ms':>10} {'max ms':>8}")
    for name, path in pages.items():
        median, worst = timed(path)
        print(f"{name:34} {median:10.0f} {worst:8.0f}")

    # call-next → the console's event stream → refreshed panels
    server.sign_in("1")
    stream = opener.open(console + "/live/stream", timeout=30)
    assert stream.readline().startswith(b"event: hello")
    stream.readline(), stream.readline()
    delays, events = [], []
    for _ in range(20):
        server.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
        for _ in range(4):  # the event lines
            stream.readline()
        t0 = time.perf_counter()
        server.request("POST", "/windows/1/call-next", device="caller-1")
        while b"ticket.called" not in stream.readline():
            pass
        events.append((time.perf_counter() - t0) * 1000)
        with opener.open(console + "/live/panels", timeout=30) as answer:
            answer.read()
        delays.append((time.perf_counter() - t0) * 1000)
        server.request("POST", "/windows/1/finish", device="caller-1")
        for _ in range(4):
            stream.readline()
    delays.sort()
    print(
        "call-next → its event on the console's stream: "
        f"median {statistics.median(events):.0f} ms, max {max(events):.0f} ms"
    )
    print(
        "call-next → event on the console stream → panels fetched: "
        f"median {statistics.median(delays):.0f} ms, "
        f"max {delays[-1]:.0f} ms (20 calls)"
    )
    stream.close()


if __name__ == "__main__":
    main()
