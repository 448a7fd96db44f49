"""The city console on a city database that refuses writes (its disk full) or is gone (stopped):
every write answers a clear 503 — a page, or JSON for the .json routes — and keeps nothing half
done, the pages that only read go on while the disk is full, one log line a refusal names no
one, and once the database is back the same requests work.  Real PostgreSQL, real disk, real
Chromium; screenshots in var/screenshots/city/."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest

from tests.support.postgres import PostgresCluster, SmallDisk

from .citykit import query
from .test_console import ADMIN, PASSWORD, SHOTS, VIEWER, csrf, serving, sign_in

pytestmark = pytest.mark.slow

NEWCOMER = "district-9"
REFUSED = "城市数据库暂不可用"


def fill_up(url: str) -> None:
    """The disk is full; the console's audit and session tables take rows (the smallest there
    are) until their last page is full too and they must grow: from then on PostgreSQL refuses
    every new row of them with SQLSTATE 53100."""
    fillers = {
        "hallq_console_audit": (
            "INSERT INTO hallq_console_audit (account, action) VALUES ('', '')",
            (),
        ),
        "hallq_console_sessions": (
            "INSERT INTO hallq_console_sessions (token_hash, account, csrf, expires_at) "
            "VALUES (%s, %s, '', now() + interval '1 day')",
            (VIEWER,),
        ),
    }
    with psycopg.connect(url, autocommit=True) as conn:
        for table, (sql, args) in fillers.items():
            for _ in range(100_000):
                try:
                    params = (secrets.token_hex(32), *args) if "%s" in sql else args
                    conn.execute(sql, params)
                except psycopg.errors.DiskFull:
                    break
            else:
                raise AssertionError(f"{table} never met the full disk")


def audit_rows(url: str) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in query(
            url,
            "SELECT account, action, subject FROM hallq_console_audit WHERE action <> '' "
            "ORDER BY id",
        )
    ]


def refusals(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "city database unavailable" in line]


def test_a_full_city_disk_refuses_every_console_write_with_a_503_and_keeps_the_reads(
    small_disk_cluster: tuple[PostgresCluster, SmallDisk],
    tmp_path: Path,
    chromium,
    page,  # type: ignore[no-untyped-def]
) -> None:
    cluster, disk = small_disk_cluster
    log = tmp_path / "console.log"
    url = cluster.create_database()
    with serving(url, log) as console:
        sign_in(page, console)
        page.wait_for_url(console + "/")
        token = csrf(page)
        # A fresh WAL segment first, so the writes below meet the tables' disk_full, not a WAL
        # that cannot grow (which stops PostgreSQL: tests/city/test_faults.py).
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_switch_wal()")
            conn.execute("CHECKPOINT")
        disk.fill()
        fill_up(url)
        before = audit_rows(url)

        # Reading goes on.
        for path in ("/", "/live/panels", "/halls.json", "/rankings", "/reviews", "/accounts"):
            assert page.request.get(console + path).status == 200, path
        assert page.request.get(console + "/audit").status == 200

        # An export is audited before it leaves: refused, no file.
        export = page.request.get(console + "/rankings.csv")
        assert export.status == 503
        assert export.headers["content-type"].startswith("text/html")
        assert REFUSED in export.text() and "The city database is unavailable" in export.text()
        assert int(export.headers["retry-after"]) > 0
        # An account change and its audit row: neither.
        form = {"csrf": token, "username": NEWCOMER, "role": "viewer", "password": PASSWORD}
        assert page.request.post(console + "/accounts", form=form).status == 503
        assert query(url, "SELECT name FROM hallq_console_accounts ORDER BY name") == [
            (ADMIN,),
            (VIEWER,),
        ]
        remove = page.request.post(console + f"/accounts/{VIEWER}/remove", form={"csrf": token})
        assert remove.status == 503
        assert query(url, "SELECT count(*) FROM hallq_console_accounts") == [(2,)]
        # Signing out is recorded first: refused, still signed in.
        assert page.request.post(console + "/logout", form={"csrf": token}).status == 503
        assert page.request.get(console + "/rankings").status == 200
        # Signing in needs a session row: refused, no cookie.
        other = chromium.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
        try:
            tablet = other.new_page()
            sign_in(tablet, console, VIEWER)
            tablet.wait_for_selector("section.unavailable")
            assert REFUSED in tablet.content()
            assert not [c for c in other.cookies() if c["name"] == "hallq_city"]
        finally:
            other.close()
        # In the browser: the account form answers the 503 page, inside the console.
        page.goto(console + "/accounts")
        page.fill("form.form input[name=username]", NEWCOMER)
        page.fill("form.form input[name=password]", PASSWORD)
        page.click("form.form button.primary")
        page.wait_for_selector("section.unavailable")
        assert "账号" in page.locator("header nav").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "unavailable-disk-full-1920.png"))
        assert audit_rows(url) == before  # nothing half-written

        lines = refusals(log)
        assert len(lines) == 6, lines  # one a refused request
        assert all("SQLSTATE 53100" in line and "No space left" in line for line in lines)
        assert any("POST /accounts/{name}/remove answered 503" in line for line in lines)
        text = log.read_text()
        assert "Traceback" not in text
        for personal in (NEWCOMER, VIEWER, ADMIN, PASSWORD, token):
            assert personal not in text

        disk.free()
        assert page.request.get(console + "/rankings.csv").status == 200
        assert page.request.post(console + "/accounts", form=form).ok
        assert audit_rows(url)[len(before) :] == [
            (ADMIN, "ranking_exported", audit_rows(url)[len(before)][2]),
            (ADMIN, "account_saved", NEWCOMER),
        ]
        assert query(url, "SELECT role FROM hallq_console_accounts WHERE name = %s", NEWCOMER) == [
            ("viewer",)
        ]


def test_a_stopped_city_database_is_a_503_page_or_json_and_the_session_outlives_it(
    postgres_cluster: PostgresCluster,
    tmp_path: Path,
    page,  # type: ignore[no-untyped-def]
) -> None:
    log = tmp_path / "console.log"
    url = postgres_cluster.create_database()
    with serving(url, log) as console:
        sign_in(page, console)
        page.wait_for_url(console + "/")
        tab = page.context.new_page()  # the same session, while the live page stays open
        postgres_cluster.stop()
        # The live page says so when its panels come back refused (every 5 s).
        page.wait_for_selector("#link.paused", timeout=20_000)
        assert page.locator("#link").inner_text() == "暂不可用 Unavailable"
        page.screenshot(path=str(SHOTS / "unavailable-halls-live-1920.png"))

        answer = tab.request.get(console + "/halls.json")
        assert answer.status == 503
        assert answer.json()["error"]["code"] == "city_db_unavailable"
        assert REFUSED in answer.json()["error"]["message"]
        tab.goto(console + "/rankings")
        assert (
            tab.locator("section.unavailable h1").inner_text() == "城市数据库暂不可用，请稍后再试"
        )
        tab.screenshot(path=str(SHOTS / "unavailable-stopped-1920.png"))
        lines = refusals(log)
        assert len(lines) >= 3 and all("Connection refused" in line for line in lines), lines
        assert "GET /rankings answered 503" in lines[-1]

        postgres_cluster.start()  # the same port
        page.wait_for_selector("#link.open", timeout=20_000)  # the live page by itself
        tab.goto(console + "/rankings")  # the same session: nothing was lost
        assert tab.url == console + "/rankings"
        assert tab.locator("section.unavailable").count() == 0
        assert tab.request.get(console + "/halls.json").json() == {"halls": []}


def test_a_city_database_turned_read_only_refuses_the_changes_and_keeps_the_reads(
    city_db: str,
    tmp_path: Path,
    page,  # type: ignore[no-untyped-def]
) -> None:
    """As a standby does after a fail-over, until it is promoted."""
    log = tmp_path / "console.log"
    with serving(city_db, log) as console:
        sign_in(page, console)
        page.wait_for_url(console + "/")
        token = csrf(page)
        name = query(city_db, "SELECT current_database()")[0][0]
        with psycopg.connect(city_db, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        for path in ("/", "/rankings", "/reviews", "/accounts", "/audit", "/halls.json"):
            assert page.request.get(console + path).status == 200, path
        form = {"csrf": token, "username": NEWCOMER, "role": "viewer", "password": PASSWORD}
        refused = page.request.post(console + "/accounts", form=form)
        assert refused.status == 503 and REFUSED in refused.text()
        assert page.request.get(console + "/reviews.xlsx").status == 503
        lines = refusals(log)
        assert len(lines) == 2 and all("SQLSTATE 25006" in line for line in lines), lines
        with psycopg.connect(city_db, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")  # promoted
            conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        assert page.request.post(console + "/accounts", form=form).ok
        assert query(city_db, "SELECT count(*) FROM hallq_console_accounts") == [(3,)]
