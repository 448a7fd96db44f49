"""配置 Configuration in Debian's headless Chromium against a real hall server: a service renamed
in the console shows on a running kiosk, a stale form is refused, a bad value is answered at its
field, a roll back, a TOML file exported and imported again; supervisors only read."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel

from hallserver.config import parse_config
from tests.kiosk.test_window import _kiosk_app, button
from tests.manage.conftest import SUPERVISOR, Console, sign_in
from tests.support.server import SAMPLE

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"
NAME = "services[0].name"  # service A, 投资项目审批


def _save(page: Any, section: str) -> None:
    page.click(f"form#{section} button.primary")


def _version(page: Any) -> int:
    return int(page.locator("#running").inner_text().split()[1])


def test_a_service_renamed_in_the_console_shows_on_the_running_kiosk(
    admin: Any, console: Console, qtbot: Any
) -> None:
    with contextmanager(_kiosk_app)(qtbot, console.server) as app:
        assert "投资项目审批" in button(app.window, "area-A").accessibleName()
        admin.goto(console.url + "/config")
        admin.fill(f"input[name='{NAME}']", "投资项目审批服务")
        _save(admin, "services")
        admin.wait_for_selector("p.flash")
        assert _version(admin) == 2
        row = admin.locator("tr[data-version='2']").inner_text()
        assert "boss" in row and "services[A].name: 投资项目审批 → 投资项目审批服务" in row
        # The kiosk hears hall.config_changed on its event stream and reads GET /hall again.
        qtbot.waitUntil(
            lambda: "投资项目审批服务" in button(app.window, "area-A").accessibleName(),
            timeout=10000,
        )
        _, hall = console.server.request("GET", "/hall")
        assert hall["services"][0]["name"] == "投资项目审批服务"
        notice = "今日下午系统维护，请尽早取号 · Maintenance this afternoon"
        admin.fill("textarea[name='hall.notice']", notice)
        _save(admin, "hall")
        admin.wait_for_selector("p.flash")
        qtbot.waitUntil(
            lambda: any(
                label.text() == notice and label.isVisibleTo(app.window)
                for label in app.window.findChildren(QLabel, "notice")
            ),
            timeout=10000,
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        app.window.grab().save(str(SHOTS / "config-kiosk-renamed.png"))
        # The audit log says who changed what.
        admin.goto(console.url + "/audit?action=config_changed")
        assert "投资项目审批 → 投资项目审批服务" in admin.locator("main").inner_text()


def test_a_stale_form_is_refused_and_says_who_changed_the_config(
    admin: Any, console: Console
) -> None:
    admin.goto(console.url + "/config")
    other = admin.context.new_page()
    other.goto(console.url + "/config")  # the same manager in a second tab, read at version 1
    admin.fill("input[name='hall.name']", "示例市民中心")
    _save(admin, "hall")
    admin.wait_for_selector("p.flash")
    other.fill("input[name='windows[0].name']", "")  # wrong too: the stale page says so first
    _save(other, "windows")
    refused = other.locator("#refused").inner_text()
    assert (
        "配置已被 boss 于" in refused and "（版本 2）" in refused and "changed by boss" in refused
    )
    assert other.locator(".error[data-field]").count() == 0
    # The page shows the config as it is now; what was typed on the old one is not kept.
    assert other.locator("input[name='hall.name']").input_value() == "示例市民中心"
    assert other.locator("input[name='windows[0].name']").input_value() == "1号窗口"
    _, hall = console.server.request("GET", "/hall")
    assert hall["name"] == "示例市民中心" and hall["windows"][0]["name"] == "1号窗口"


def test_a_bad_value_is_answered_at_its_field_and_nothing_is_saved(
    admin: Any, console: Console
) -> None:
    admin.goto(console.url + "/config")
    admin.fill("input[name='services[1].handling_s']", "十分钟")
    _save(admin, "services")
    error = admin.locator("[data-field='services[1].handling_s']").inner_text()
    assert error == "须为整数，不能是文本 · must be int, not str"
    assert admin.locator("input[name='services[1].handling_s']").input_value() == "十分钟"
    admin.fill("input[name='services[1].handling_s']", "600")
    admin.fill("input[name='services[1].digits']", "9")
    _save(admin, "services")
    error = admin.locator("[data-field='services[1].digits']").inner_text()
    assert error == "9 须为 1 到 6（号码的位数） · 9 must be 1 to 6 (digits of the number)"
    # A window that serves nothing, and a removed service a window still serves.
    admin.goto(console.url + "/config")
    for box in admin.locator("input[name='windows[6].services']:checked").all():
        box.uncheck()
    _save(admin, "windows")
    error = admin.locator("[data-field='windows[6].services']").inner_text()
    assert error.startswith("一个窗口至少办理一项业务 · a window serves at least one service")
    admin.goto(console.url + "/config")
    admin.check("input[name='services[7].remove']")  # H, window 7's only service
    _save(admin, "services")
    refused = admin.locator("#refused").inner_text()
    assert "windows[6].services" in refused and "a window serves at least one service" in refused
    admin.screenshot(path=SHOTS / "config-field-error.png", full_page=False)
    admin.goto(console.url + "/config")
    assert _version(admin) == 1


def test_a_service_with_citizens_waiting_cannot_be_removed(admin: Any, console: Console) -> None:
    s = console.server
    assert s.request("POST", "/tickets", {"service": "K"}, device="kiosk-1")[0] == 201
    admin.goto(console.url + "/config")
    admin.check("input[name='windows[8].services'][value='J']")  # window 9 serves J too
    _save(admin, "windows")
    admin.wait_for_selector("p.flash")
    admin.check("input[name='services[9].remove']")  # K, 统一出件: one citizen waits
    _save(admin, "services")
    error = admin.locator("[data-field='services[9]']").inner_text()
    assert error.startswith("业务 K 统一出件 还有 1 位群众在等候或办理，办完后才能删除")
    assert _version(admin) == 2
    _, hall = s.request("GET", "/hall")
    assert any(x["code"] == "K" for x in hall["services"])


def test_a_roll_back_is_a_new_version_and_applies(admin: Any, console: Console) -> None:
    admin.goto(console.url + "/config")
    admin.fill("input[name='policy.green_age']", "65")
    admin.fill("input[name='policy.bad_review_working_days']", "5")
    _save(admin, "policy")
    admin.wait_for_selector("p.flash")
    _, hall = console.server.request("GET", "/hall")
    assert hall["policy"]["green_age"] == 65
    admin.goto(console.url + "/cases")
    assert "5" in admin.locator("main").inner_text()
    admin.goto(console.url + "/config")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.click("tr[data-version='1'] button")
    admin.wait_for_selector("p.flash")
    assert _version(admin) == 3
    row = admin.locator("tr[data-version='3']").inner_text()
    assert "回滚到版本 1" in row and "policy.green_age: 65 → 70" in row
    _, hall = console.server.request("GET", "/hall")
    assert hall["policy"]["green_age"] == 70


def test_an_exported_toml_imports_again_and_a_bad_file_is_refused(
    admin: Any, console: Console, tmp_path: Path
) -> None:
    admin.goto(console.url + "/config")
    answer = admin.request.get(console.url + "/config.toml")
    assert answer.status == 200
    text = answer.text()
    assert text.startswith("# hallq hall config, version 1 (file, file,")
    assert parse_config(text, "exported.toml") == parse_config(
        SAMPLE.read_text(encoding="utf-8"), "sample.toml"
    )
    changed = tmp_path / "hall.toml"
    changed.write_text(text.replace('name = "1号窗口"', 'name = "1号窗口 企业开办"'), "utf-8")
    admin.set_input_files("form#import input[type=file]", str(changed))
    admin.click("form#import button")
    admin.wait_for_selector("p.flash")
    row = admin.locator("tr[data-version='2']").inner_text()
    assert "导入" in row and "windows[1].name: 1号窗口 → 1号窗口 企业开办" in row
    _, hall = console.server.request("GET", "/hall")
    assert hall["windows"][0]["name"] == "1号窗口 企业开办"
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('kind = "issuance"', 'kind = "vip"'), "utf-8")
    admin.set_input_files("form#import input[type=file]", str(bad))
    admin.click("form#import button")
    error = admin.locator("#import-error").inner_text()
    assert error.startswith("bad.toml: windows[8].kind: 'vip' is not one of")
    assert _version(admin) == 2


def test_a_supervisor_reads_the_configuration_but_may_not_change_it(
    page: Any, console: Console
) -> None:
    sign_in(page, console, user=SUPERVISOR)
    page.wait_for_url(console.url + "/")
    page.goto(console.url + "/config")
    assert page.locator("form#services fieldset[disabled]").count() == 1
    assert page.locator("form#services button.primary").count() == 0
    assert page.locator("form#import").count() == 0
    csrf = page.locator("input[name=csrf]").first.input_value()
    answer = page.request.post(
        console.url + "/config/hall", form={"csrf": csrf, "version": "1", "hall.name": "X"}
    )
    assert answer.status == 403


def test_extended_hours_are_added_and_a_bad_period_is_answered_at_its_field(
    admin: Any, console: Console
) -> None:
    admin.goto(console.url + "/config")
    new = "hours.extended[0]"
    admin.check(f"input[name='{new}.weekdays'][value='6']")
    admin.fill(f"input[name='{new}.open']", "12:00")
    admin.fill(f"input[name='{new}.last_ticket']", "09:00")
    _save(admin, "hours")
    error = admin.locator(f"[data-field='{new}.last_ticket']").inner_text()
    assert error == "停止取号时间须晚于开始时间 · the last ticket must be later than the opening"
    assert admin.locator(f"input[name='{new}.weekdays'][value='6']").is_checked()
    admin.fill(f"input[name='{new}.open']", "09:00")
    admin.fill(f"input[name='{new}.last_ticket']", "12:00")
    _save(admin, "hours")
    admin.wait_for_selector("p.flash")
    _, hall = console.server.request("GET", "/hall")
    assert hall["hours"]["extended"] == [{"weekdays": [6], "open": "09:00", "last_ticket": "12:00"}]
    assert "+hours.extended" in admin.locator("tr[data-version='2']").inner_text()
