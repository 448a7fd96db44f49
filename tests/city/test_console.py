"""The city console on a real PostgreSQL fed by real halls, in a real headless Chromium:
every hall live, rankings, one hall's report, every 差评, exports read back; accounts and
roles (市级管理员 manages accounts, 查看 reads, nobody acts on a hall), sign-in and lockout.
Screenshots of every page at 1920×1080 and 1024×768 land in var/screenshots/city/."""

from __future__ import annotations

import contextlib
import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import psycopg
import pytest

from tests.support.server import ROOT

from .citykit import caught_up, city, feeding_hall, query, run_tickets, wait_until

ADMIN, VIEWER, PASSWORD = "city-boss", "city-eye", "correct-horse"
SHOTS = ROOT / "var" / "screenshots" / "city"


def hallq_city(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "city.cli", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@contextmanager
def serving(url: str, log: Path | None = None) -> Iterator[str]:
    """The city console on the city database `url` (its log in `log`), with an admin and a
    viewer added by the CLI; its address."""
    url = city(url)
    for user, role in ((ADMIN, "admin"), (VIEWER, "viewer")):
        done = hallq_city(
            "user", "add", "--db", url, "--user", user, "--role", role, password=PASSWORD
        )
        assert done.returncode == 0, done.stderr
    with contextlib.ExitStack() as stack:
        stderr = stack.enter_context(log.open("w")) if log else None
        proc = subprocess.Popen(
            [sys.executable, "-m", "city.cli", "serve", "--db", url, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=ROOT,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("listening on "), line
            yield line.split()[-1]
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def console(city_db: str) -> Iterator[str]:
    """The city console on a fresh city database, with an admin and a viewer."""
    with serving(city_db) as address:
        yield address


def sign_in(page, url: str, user: str = ADMIN, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button.primary")


def csrf(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("input[name=csrf]").first.get_attribute("value"))


def test_the_first_account_comes_from_the_command_line_with_the_password_on_stdin(
    city_db: str,
) -> None:
    assert hallq_city("init", "--db", city_db).returncode == 0
    url = city_db
    short = hallq_city("user", "add", "--db", url, "--user", "chief", password="short")
    assert short.returncode == 2 and "至少 8 位" in short.stderr and "8 characters" in short.stderr
    bad_name = hallq_city("user", "add", "--db", url, "--user", "a b", password=PASSWORD)
    assert bad_name.returncode == 2 and "Username" in bad_name.stderr
    role = hallq_city("user", "add", "--db", url, "--user", "chief", "--role", "mayor")
    assert role.returncode == 2
    assert query(url, "SELECT count(*) FROM hallq_console_accounts") == [(0,)]
    ok = hallq_city("user", "add", "--db", url, "--user", "chief", password=PASSWORD)
    assert ok.returncode == 0, ok.stderr
    rows = query(url, "SELECT name, role, password_hash FROM hallq_console_accounts")
    assert rows[0][:2] == ("chief", "admin") and rows[0][2].startswith("scrypt$")
    assert PASSWORD not in rows[0][2]
    assert query(url, "SELECT account, action, subject FROM hallq_console_audit") == [
        ("", "account_saved", "chief")
    ]


def test_sign_in_locks_after_five_wrong_passwords_and_signs_out_everywhere(
    console: str,
    city_db: str,
    chromium,
    page,  # type: ignore[no-untyped-def]
) -> None:
    assert page.goto(console + "/rankings") is not None
    assert page.url == console + "/login"  # nothing without signing in
    for _ in range(5):
        sign_in(page, console, password="wrong-password")
        assert (
            "用户名或密码错误" in page.content() and "Wrong username or password" in page.content()
        )
    sign_in(page, console)  # the right password, but locked now
    assert page.url == console + "/login"
    with psycopg.connect(city_db) as conn:  # five minutes later
        conn.execute(
            "UPDATE hallq_console_accounts SET locked_until = now() WHERE name = %s", (ADMIN,)
        )
    sign_in(page, console)
    page.wait_for_url(console + "/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hallq_city")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    other = chromium.new_context(viewport={"width": 1024, "height": 768})
    try:
        tablet = other.new_page()
        sign_in(tablet, console)
        tablet.wait_for_url(console + "/")
        page.click("text=全部退出 Everywhere")
        page.wait_for_url(console + "/login")
        tablet.goto(console + "/reviews")
        assert tablet.url == console + "/login"  # signed out on the other device too
    finally:
        other.close()
    actions = [r[0] for r in query(city_db, "SELECT action FROM hallq_console_audit ORDER BY id")]
    assert actions.count("sign_in_refused") == 6 and "sign_out_everywhere" in actions


def test_a_viewer_reads_an_admin_manages_accounts_and_nobody_acts_on_a_hall(
    console: str,
    city_db: str,
    page,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(page, console, VIEWER)
    page.wait_for_url(console + "/")
    nav = page.locator("header nav").inner_text()
    assert "排名" in nav and "差评" in nav and "账号" not in nav and "审计" not in nav
    for path in ("/", "/rankings", "/reviews", "/halls.json"):
        answer = page.request.get(console + path)
        assert answer.status == 200, path
    for path in ("/accounts", "/audit"):
        assert page.request.get(console + path).status == 403, path
    token = csrf(page)
    refused = page.request.post(
        console + "/accounts",
        form={"csrf": token, "username": "intruder", "role": "admin", "password": PASSWORD},
    )
    assert refused.status == 403
    # No page of the city changes a hall: there is nothing to post to.
    for path in ("/halls/hall-east", "/halls/hall-east/windows/1/close", "/reviews"):
        assert page.request.post(console + path, form={"csrf": token}).status in (404, 405), path
    assert page.request.post(console + "/logout", form={}).status == 403  # no CSRF token
    page.click("text=退出 Sign out")

    sign_in(page, console, ADMIN)
    page.wait_for_url(console + "/")
    with psycopg.connect(city_db) as conn:  # the viewer's five wrong passwords
        conn.execute(
            "UPDATE hallq_console_accounts SET locked_until = now() + interval '5 minutes' "
            "WHERE name = %s",
            (VIEWER,),
        )
    page.click("header nav >> text=账号")
    assert "已锁定" in page.locator(f"tr[data-account={VIEWER}]").inner_text()
    assert "正常" in page.locator(f"tr[data-account={ADMIN}]").inner_text()
    page.fill("form.form input[name=username]", "district-9")
    page.select_option("form.form select[name=role]", "viewer")
    page.fill("form.form input[name=password]", "short")
    page.click("form.form button.primary")
    assert "密码至少 8 位" in page.content()
    page.fill("form.form input[name=username]", "district-9")
    page.select_option("form.form select[name=role]", "viewer")
    page.fill("form.form input[name=password]", PASSWORD)
    page.click("form.form button.primary")
    page.wait_for_selector("tr[data-account=district-9]")
    assert "查看" in page.locator("tr[data-account=district-9]").inner_text()
    page.once("dialog", lambda d: d.accept())
    page.click("tr[data-account=district-9] button.danger")
    page.wait_for_selector("text=账号已删除")
    assert page.locator("tr[data-account=district-9]").count() == 0
    cross = page.request.post(
        console + "/accounts/city-eye/remove",
        form={"csrf": csrf(page)},
        headers={"Origin": "http://elsewhere.example"},
    )
    assert cross.status == 403  # another site's form is refused
    page.click("header nav >> text=审计")
    audit = page.locator("table.audit").inner_text()
    assert "account_saved" in audit and "account_removed" in audit and "district-9" in audit


@pytest.mark.slow
def test_every_city_page_in_a_browser_fed_by_real_halls(
    console: str,
    city_db: str,
    tmp_path: Path,
    page,  # type: ignore[no-untyped-def]
) -> None:
    halls = {h: feeding_hall(tmp_path / h, city_db, h) for h in ("hall-east", "hall-west")}
    for hall in halls.values():
        hall.start()
    try:
        east, west = halls["hall-east"], halls["hall-west"]
        east.sign_in("1")
        east.sign_in("4")
        run_tickets(east, 10)
        west.sign_in("1")
        run_tickets(west, 5, windows=("1",))
        for _ in range(3):
            west.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
        for hall_id, hall in halls.items():
            wait_until(lambda h=hall, i=hall_id: caught_up(city_db, h, i))
        SHOTS.mkdir(parents=True, exist_ok=True)
        sign_in(page, console)
        page.wait_for_url(console + "/")
        _halls_live(page, console, city_db, west)
        _rankings(page, console, city_db, tmp_path)
        _drill_down(page, console, city_db)
        _bad_reviews(page, console, city_db)
        _screens(page, console)
    finally:
        for hall in halls.values():
            hall.kill()


def _halls_live(page, console: str, city_db: str, west) -> None:  # type: ignore[no-untyped-def]
    assert page.title().startswith("大厅 Halls")
    assert page.locator("section.hall").count() == 2
    assert page.locator('[data-hall="hall-west"] .waiting').inner_text() == "3"
    assert page.locator('[data-hall="hall-east"] .issued').inner_text() == "10"
    assert page.locator('[data-hall="hall-east"] .windows').inner_text() == "2"  # 1 and 4 called
    assert page.locator('[data-hall="hall-west"] .windows').inner_text() == "1"
    assert page.locator('[data-hall="hall-east"] .age').inner_text().endswith(" ago")
    # A ticket issued in the west hall reaches the open page without a reload.
    page.evaluate("window.notReloaded = true")
    west.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
    page.wait_for_function(
        "document.querySelector('[data-hall=\"hall-west\"] .waiting').textContent === '4'",
        timeout=30_000,
    )
    assert page.evaluate("window.notReloaded") is True
    body = page.request.get(console + "/halls.json").json()
    assert {h["id"]: h["waiting"] for h in body["halls"]} == {"hall-east": 0, "hall-west": 4}


def _rankings(page, console: str, city_db: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.click("header nav >> text=排名")
    rows = page.locator("table.ranking tbody tr")
    assert rows.count() == 2
    waits = dict(
        query(
            city_db,
            "SELECT hall_id, round(avg(wait_s)) FROM hallq_tickets WHERE wait_s IS NOT NULL "
            "GROUP BY hall_id",
        )
    )
    best = min(waits, key=lambda h: (waits[h], h))
    assert rows.first.get_attribute("data-hall") == best  # mean wait: lowest first
    page.select_option("select[name=by]", "issued")
    page.click("form.range button:has-text('查看')")
    assert rows.first.get_attribute("data-hall") == "hall-east"  # 10 issued before 9
    with page.expect_download() as got:
        page.click("#xlsx")
    saved = tmp_path / got.value.suggested_filename
    assert saved.suffix == ".xlsx"
    got.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    sheet = book.worksheets[0]
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0][:4] == ["名次 Rank", "大厅 Hall", "编号 Id", "取号 Issued"]
    assert [r[2] for r in table[1:3]] == ["hall-east", "hall-west"]
    assert table[1][3] == 10 and table[3][1] == "全市 City" and table[3][3] == 19


def _drill_down(page, console: str, city_db: str) -> None:  # type: ignore[no-untyped-def]
    page.click("table.ranking tr[data-hall=hall-east] td:nth-child(2) a")
    page.wait_for_url(console + "/halls/hall-east*")
    text = page.locator("main").inner_text()
    assert "按业务" in text and "按窗口" in text and "取号热力图" in text
    services = page.locator("table.figures-table").first.locator("tbody tr")
    assert services.count() == 2  # A and C
    windows = page.locator("table.figures-table").nth(1).locator("tbody tr")
    assert windows.count() == 2  # windows 1 and 4
    cells = page.locator("table.heat td").all_inner_texts()
    assert sum(int(c) for c in cells if c) == 10
    answer = page.request.get(page.url.replace("/halls/hall-east", "/halls/hall-east/report.csv"))
    assert answer.status == 200
    rows = list(csv.reader(io.StringIO(answer.text().lstrip("\ufeff"))))
    assert rows[2][:1] == ["合计 Totals"] and rows[4][0] == "10"


def _bad_reviews(page, console: str, city_db: str) -> None:  # type: ignore[no-untyped-def]
    page.click("header nav >> text=差评")
    expected = query(
        city_db, "SELECT hall_id, count(*) FROM hallq_tickets WHERE score <= 2 GROUP BY hall_id"
    )
    total = sum(n for _, n in expected)
    assert total > 0
    assert page.locator(".total").inner_text() == str(total)
    assert page.locator("table.cases tbody tr").count() == total
    assert "效率" in page.locator("table.cases").inner_text()  # the reasons the citizen gave
    page.select_option("select[name=hall]", "hall-west")
    page.click("form.range button:has-text('筛选')")
    west = dict(expected).get("hall-west", 0)
    assert page.locator(".total").inner_text() == str(west)
    assert {r.get_attribute("data-hall") for r in page.locator("table.cases tbody tr").all()} <= {
        "hall-west"
    }


def _screens(page, console: str) -> None:  # type: ignore[no-untyped-def]
    paths = ["/", "/rankings", "/halls/hall-east", "/reviews", "/accounts", "/audit"]
    for size, (width, height) in {"pc": (1920, 1080), "tablet": (1024, 768)}.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            answer = page.goto(console + path)
            assert answer is not None and answer.status == 200, path
            page.evaluate("document.fonts.ready")
            assert page.evaluate("document.fonts.check('16px \"Noto Sans SC\"')")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} at {size} is {overflow}px too wide"
            name = path.strip("/").replace("/", "-") or "halls"
            page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.context.clear_cookies()
    page.goto(console + "/login")
    page.screenshot(path=str(SHOTS / "login-tablet.png"))
