"""The manager console driven in Debian's headless Chromium against a real hall server."""

from __future__ import annotations

import asyncio
import threading
import urllib.request

import aiohttp
from openpyxl import load_workbook

from tests.manage.conftest import ADMIN, PASSWORD, SUPERVISOR, Console, sign_in
from tests.support.server import CLERK_PIN, clerk_for


def _served(console: Console, window: str, service: str, score: int | None = None) -> str:
    """One ticket issued at a kiosk, called, finished and (optionally) rated at `window`."""
    s = console.server
    status, body = s.request("POST", "/tickets", {"service": service}, device="kiosk-1")
    assert status == 201, body
    status, body = s.request("POST", f"/windows/{window}/call-next", device=f"caller-{window}")
    assert status == 200 and body["ticket"], body
    ticket = body["ticket"]
    assert s.request("POST", f"/windows/{window}/finish", device=f"caller-{window}")[0] == 200
    if score is not None:
        rating = {"score": score, "reasons": ["attitude"] if score <= 2 else []}
        status, body = s.request(
            "POST", f"/tickets/{ticket['id']}/evaluation", rating, device=f"caller-{window}"
        )
        assert status == 200, body
    return str(ticket["number"])


def test_sign_in_sets_a_strict_http_only_cookie_and_refuses_changes_without_csrf(
    page, console: Console
) -> None:
    page.goto(console.url + "/staff")
    assert page.url == console.url + "/login"  # signed out: sent to the sign-in page
    sign_in(page, console)
    page.wait_for_url(console.url + "/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hallq_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    answer = page.request.post(
        console.url + "/staff", form={"id": "x1", "name": "某", "pin": "1234"}
    )
    assert answer.status == 403  # the session cookie alone changes nothing


def test_five_wrong_passwords_lock_the_account(page, console: Console) -> None:
    for _ in range(5):
        sign_in(page, console, password="wrong-password")
        assert "用户名或密码错误" in page.content()
    sign_in(page, console)  # the right password, but the account is locked now
    assert page.url.endswith("/login")
    assert "用户名或密码错误" in page.content()
    # Another manager is not affected; the lock shows on the accounts page.
    sign_in(page, console, user=SUPERVISOR)
    page.wait_for_url(console.url + "/")


def test_a_clerk_added_in_the_console_signs_in_at_a_caller_and_disabling_signs_out(
    admin, console: Console
) -> None:
    admin.click("text=工作人员")
    admin.fill("form.form input[name=id]", "wangfang")
    admin.fill("form.form input[name=name]", "王芳")
    admin.fill("form.form input[name=pin]", "12")
    admin.click("form.form button.primary")
    assert "PIN 为 4–12 位数字" in admin.content()  # field by field, nothing saved
    assert admin.locator("tr[data-clerk=wangfang]").count() == 0
    admin.fill("form.form input[name=pin]", "2468")
    admin.click("form.form button.primary")
    admin.wait_for_selector("tr[data-clerk=wangfang]")

    s = console.server
    sign = {"clerk": "wangfang", "pin": "2468"}
    status, body = s.request("POST", "/windows/3/session", sign, device="caller-3")
    assert status == 200 and body["window"]["clerk_name"] == "王芳", body
    admin.reload()
    assert "3号窗口" in admin.locator("tr[data-clerk=wangfang]").inner_text()

    admin.click("tr[data-clerk=wangfang] >> text=停用 Disable")
    assert "已停用" in admin.locator(".flash").inner_text()
    status, body = s.request("GET", "/windows", device="caller-3")
    assert next(w for w in body["windows"] if w["id"] == "3")["clerk"] is None
    status, body = s.request("POST", "/windows/3/session", sign, device="caller-3")
    assert status == 403, body


def test_a_pin_reset_signs_the_clerk_out(admin, console: Console) -> None:
    s = console.server
    s.sign_in("1")
    admin.goto(console.url + "/staff")
    row = admin.locator(f"tr[data-clerk={clerk_for('1')}]")
    row.locator("input[name=pin]").fill("9753")
    row.locator("text=重置 PIN").click()
    assert "PIN 已重置" in admin.locator(".flash").inner_text()
    _, body = s.request("GET", "/windows", device="caller-1")
    assert next(w for w in body["windows"] if w["id"] == "1")["clerk"] is None
    old = {"clerk": clerk_for("1"), "pin": CLERK_PIN}
    assert s.request("POST", "/windows/1/session", old, device="caller-1")[0] == 403
    new = {"clerk": clerk_for("1"), "pin": "9753"}
    assert s.request("POST", "/windows/1/session", new, device="caller-1")[0] == 200


def test_the_live_view_shows_a_call_without_reloading(admin, console: Console) -> None:
    s = console.server
    s.sign_in("4")
    admin.wait_for_selector("#link.open")  # the event stream is connected
    admin.evaluate("window.stillTheSamePage = true")
    _, body = s.request("POST", "/tickets", {"service": "C"}, device="kiosk-1")
    number = body["ticket"]["number"]
    s.request("POST", "/windows/4/call-next", device="caller-4")
    admin.wait_for_function(
        f"document.querySelector('tr[data-window=\"4\"] .ticket').textContent.trim() === '{number}'"
    )
    assert admin.evaluate("window.stillTheSamePage") is True
    assert admin.locator("[data-figure=issued] b").inner_text() == "1"


def test_a_bad_review_is_an_alert_to_acknowledge_and_a_case_followed_up_and_closed(
    page, console: Console
) -> None:
    console.server.sign_in("2")
    number = _served(console, "2", "A", score=1)
    sign_in(page, console, user=SUPERVISOR)  # 值班长 may acknowledge and follow up
    page.wait_for_url(console.url + "/")
    alert = page.locator(".alert.red").first
    assert number in alert.inner_text()
    alert.locator("text=确认 Acknowledge").click()
    page.wait_for_selector(".alert.acked")
    assert SUPERVISOR in page.locator(".alert.acked").first.inner_text()

    page.click("text=好差评")
    page.click(f"text={number}")
    page.click("#close-case")  # closing without saying what was done is refused
    assert "办结前请写明整改情况" in page.content()
    page.select_option("select[name=assignee]", ADMIN)
    page.fill("textarea[name=note]", "已回访群众，窗口人员已培训。")
    page.click("text=保存 Save")
    assert "已回访群众" in page.locator(".notes").inner_text()
    page.click("#close-case")
    assert "已办结 Closed" in page.content()
    page.goto(console.url + "/cases")
    assert page.locator(f"text={number}").count() == 0  # no longer open
    page.goto(console.url + "/cases?show=all")
    assert page.locator(f"tr:has-text('{number}') >> text=已办结").count() == 1
    page.goto(console.url + "/audit?action=case_closed")
    assert page.locator("table.audit tbody tr").first.inner_text().count(SUPERVISOR) == 1


def test_a_report_exported_as_xlsx_reads_back(admin, console: Console, tmp_path) -> None:
    console.server.sign_in("1")
    for score in (5, 4, 2):
        _served(console, "1", "A", score=score)
    _served(console, "1", "B")
    admin.goto(console.url + "/reports")
    assert admin.locator(".figure b").first.inner_text() == "4"
    with admin.expect_download() as download:
        admin.click("#xlsx")
    path = tmp_path / "report.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    totals = list(book["合计"].iter_rows(values_only=True))
    assert totals[0][0] == "取号 Issued" and totals[1][:3] == (4, 4, 0)
    assert totals[1][6] == round(2 / 3, 4)  # two of three ratings satisfied
    services = {row[0]: row[1] for row in book["业务"].iter_rows(min_row=2, values_only=True)}
    assert services == {"A": 3, "B": 1}
    clerks = {row[0]: row[2] for row in book["工作人员"].iter_rows(min_row=2, values_only=True)}
    assert clerks == {"窗口1办事员": 4}


def test_revoking_a_device_refuses_it_and_closes_its_event_stream(admin, console: Console) -> None:
    s = console.server
    closed: list[int | None] = []
    connected = threading.Event()

    async def follow() -> None:
        ws_url = s.url.replace("http", "ws") + "/api/v1/events"
        headers = {"Authorization": f"Bearer {s.tokens['display-hall']}"}
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url, headers=headers) as ws:
            connected.set()
            async for _ in ws:
                pass
            closed.append(ws.close_code)

    thread = threading.Thread(target=lambda: asyncio.run(follow()))
    thread.start()
    assert connected.wait(10)
    admin.goto(console.url + "/devices")
    row = admin.locator("tr[data-device=display-hall]")
    assert "在线" in row.inner_text()
    admin.on("dialog", lambda d: d.accept())
    row.locator("text=吊销 Revoke").click()
    assert "已吊销" in admin.locator(".flash").inner_text()
    thread.join(10)
    assert closed == [4001]
    assert s.request("GET", "/queues", device="display-hall")[0] == 401
    assert "未配对" in admin.locator("tr[data-device=display-hall]").inner_text()

    admin.locator("tr[data-device=display-hall] >> text=配对令牌").click()
    token = admin.locator("#new-token").inner_text().strip()
    req = urllib.request.Request(
        s.url + "/api/v1/queues", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200


def test_a_supervisor_reads_but_may_not_change_staff_or_devices(page, console: Console) -> None:
    sign_in(page, console, user=SUPERVISOR)
    page.wait_for_url(console.url + "/")
    page.goto(console.url + "/staff")
    assert page.locator("text=添加工作人员").count() == 0
    page.goto(console.url + "/accounts")
    assert "无此权限" in page.content()
    page.goto(console.url + "/")
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(console.url + "/devices/kiosk-1/revoke", form={"csrf": csrf or ""})
    assert answer.status == 403
    assert console.server.request("GET", "/queues", device="kiosk-1")[0] == 200


def test_sign_out_everywhere_ends_every_session(chromium, console: Console) -> None:
    first, second = (chromium.new_context().new_page() for _ in range(2))
    try:
        for p in (first, second):
            sign_in(p, console)
            p.wait_for_url(console.url + "/")
        first.click("text=全部退出")
        first.wait_for_url(console.url + "/login")
        second.goto(console.url + "/reports")
        assert second.url == console.url + "/login"
    finally:
        for p in (first, second):
            p.context.close()


def test_an_account_added_in_the_console_signs_in(admin, chromium, console: Console) -> None:
    admin.goto(console.url + "/accounts")
    admin.fill("form.form input[name=username]", "li.si")
    admin.select_option("form.form select[name=role]", "supervisor")
    admin.fill("form.form input[name=password]", "short")
    admin.click("form.form button.primary")
    assert "密码至少 8 位" in admin.content()
    admin.fill("form.form input[name=username]", "li.si")
    admin.select_option("form.form select[name=role]", "supervisor")
    admin.fill("form.form input[name=password]", PASSWORD + "2")
    admin.click("form.form button.primary")
    assert admin.locator("tr[data-account='li.si']").count() == 1
    other = chromium.new_context().new_page()
    try:
        sign_in(other, console, user="li.si", password=PASSWORD + "2")
        other.wait_for_url(console.url + "/")
        assert "值班长" in other.locator(".me").inner_text()
    finally:
        other.context.close()


def test_an_appointments_csv_with_bad_lines_keeps_the_good_ones(
    admin, console: Console, tmp_path
) -> None:
    day = admin.evaluate("new Date().toLocaleDateString('sv', {timeZone: 'Asia/Shanghai'})")
    csv_file = tmp_path / "bookings.csv"
    csv_file.write_text(
        "code,service,slot_start,slot_end,id_number,name\n"
        f"YY001,A,{day} 09:00,{day} 09:30,11010519491231002X,欧阳娜娜\n"
        f"YY002,B,{day} 10:00,{day} 10:30,,\n"
        f"YY003,A,{day} 09:00,{day} 09:30,110105194912310021,张三\n"  # checksum wrong
        f"YY004,Z,{day} 09:00,{day} 09:30,,\n"  # no such service
        f"YY005,A,{day} 11:00,{day} 10:00,,\n"  # ends before it starts
        f"YY001,A,{day} 09:00,{day} 09:30,,\n"  # the code again
        "YY006,A,tomorrow,later,,\n",
        encoding="utf-8",
    )
    admin.click("text=预约")
    admin.set_input_files("input[name=file]", str(csv_file))
    admin.click("text=导入 Import")
    report = admin.locator("#import-report")
    assert "2 条已导入" in report.inner_text() and "5 条有误" in report.inner_text()
    refused = {
        int(line.get_attribute("data-line") or 0): line.inner_text()
        for line in report.locator("tr.refused").all()
    }
    assert set(refused) == {4, 5, 6, 7, 8}
    assert "GB 11643" in refused[4] and "没有该业务" in refused[5]
    assert "结束时间须晚于开始时间" in refused[6] and "预约码已存在" in refused[7]
    assert "YYYY-MM-DD HH:MM" in refused[8]
    bookings = admin.locator("table.bookings")
    assert bookings.locator("tr[data-booking]").count() == 2
    assert "欧阳**" in bookings.inner_text() and "娜娜" not in bookings.inner_text()
    status, body = console.server.request("GET", "/appointments/YY002", device="kiosk-1")
    assert status == 200 and body["appointment"]["service"] == "B"


def test_closing_a_window_for_the_day_signs_its_clerk_out(admin, console: Console) -> None:
    s = console.server
    s.sign_in("5")
    admin.reload()
    row = admin.locator("tr[data-window='5']")
    row.locator("text=暂停 Pause").click()
    assert "窗口已暂停" in admin.locator(".flash").inner_text()
    assert s.request("POST", "/windows/5/call-next", device="caller-5")[1]["error"]["code"] == (
        "window_paused"
    )
    admin.on("dialog", lambda d: d.accept())
    admin.locator("tr[data-window='5'] >> text=关闭 Close").click()
    assert "窗口已关闭" in admin.locator(".flash").inner_text()
    _, body = s.request("GET", "/windows", device="caller-5")
    assert next(w for w in body["windows"] if w["id"] == "5")["status"] == "closed"
    assert "关闭 Closed" in admin.locator("tr[data-window='5']").inner_text()
