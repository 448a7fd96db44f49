"""排班 Staffing: the planner's page in the console — a plan from the hall's history, its chart,
a what-if that changes it, field-by-field form errors and the message when history is missing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import pytest

from hallserver.store import Store
from manage.staffing import read_form
from tests.manage.conftest import SUPERVISOR, Console, sign_in
from tests.manage.test_screens import _look
from tests.planner.historykit import history, keep

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")  # the sample hall's
TOMORROW = dt.datetime.now(TZ).date() + dt.timedelta(days=1)
WINDOWS = {"1", "2", "3", "4", "5", "6"}


@pytest.fixture
def seed() -> Callable[[Store], None]:
    """Four past weeks of tomorrow's weekday: B and C all day, a morning and an afternoon rush."""
    days = [TOMORROW - dt.timedelta(weeks=k) for k in range(1, 5)]
    opens = dt.datetime.combine(days[0], dt.time(8, 30), TZ)
    per_slot = {
        "B": [2, 4, 7, 8, 7, 5, 3, 2, 2, 3, 5, 6, 6, 5, 4, 3, 2, 1],
        "C": [2, 3, 6, 7, 6, 4, 3, 2, 2, 3, 4, 5, 5, 4, 3, 2, 1, 1],
    }
    rows = history(days, opens, per_slot, {"B": 600.0, "C": 420.0})
    return lambda store: keep(store, rows)


def _opened(page, section: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Per half hour, the windows a table opens."""
    rows = page.locator(f"{section} table.plan tbody tr")
    return [rows.nth(i).locator("td.windows .pill").all_inner_texts() for i in range(rows.count())]


@pytest.mark.slow
def test_a_plan_its_chart_and_a_what_if(page, console: Console) -> None:
    sign_in(page, console, SUPERVISOR)  # a supervisor reads the plan too
    page.wait_for_url(console.url + "/")
    page.click("text=排班")
    assert page.input_value("input[name=day]") == TOMORROW.isoformat()
    assert page.input_value("input[name=mean]") == "10"
    assert page.input_value("input[name=p90]") == "20"
    page.click("#plan")
    page.wait_for_selector("#the-plan")
    plan = _opened(page, "#the-plan")
    assert len(plan) == 18 and all(plan)  # 08:30 … 17:00, a window open in each
    assert {w for slot in plan for w in slot} <= WINDOWS  # only windows serving B and C
    assert page.locator("#the-plan svg.chart polyline").count() == 2  # mean and P90
    assert page.locator("#the-plan svg.chart line.target").count() == 2
    text = page.inner_text("pre.plantext")
    assert "排班建议" in text and "Erlang C" in text and "08:30" in text

    # What if the first window open at 10:00 closes from 10:00 on?
    closing = plan[3][0]
    page.select_option("select[name=close]", closing)
    page.fill("input[name=close_at]", "10:00")
    page.click("#plan")
    page.wait_for_selector(".whatif-outlook")
    changed = _opened(page, ".whatif-outlook")
    assert _opened(page, "#the-plan") == plan  # the same drawn days: the same plan
    assert changed[:3] == plan[:3] and all(closing not in slot for slot in changed[3:])
    assert f"窗口 {closing} 自 10:00 关闭" in page.inner_text(".whatif-outlook h2")
    assert f"窗口 {closing} 自 10:00 关闭" in page.inner_text("pre.plantext")
    for size, (width, height) in {"pc": (1920, 1080), "tablet": (1024, 768)}.items():
        page.set_viewport_size({"width": width, "height": height})
        _look(page, "/staffing", size)


def test_no_history_and_form_errors(admin, console: Console) -> None:
    admin.goto(console.url + "/staffing")
    assert admin.locator("#the-plan").count() == 0  # nothing planned before it is asked
    admin.fill("input[name=mean]", "abc")
    admin.fill("input[name=close_at]", "10:00")
    with admin.expect_navigation() as sent:
        admin.click("#plan")
    assert sent.value is not None and sent.value.status == 422
    errors = admin.locator("span.error").all_inner_texts()
    assert any("平均等待目标" in e and "Mean-wait" in e for e in errors)
    assert any("请选择要关闭的窗口" in e and "Choose the window" in e for e in errors)
    assert admin.input_value("input[name=close_at]") == "10:00"  # what was typed stays
    admin.fill("input[name=mean]", "10")
    admin.select_option("select[name=close]", "")
    admin.fill("input[name=close_at]", "")
    admin.click("#plan")
    admin.fill("input[name=day]", (TOMORROW + dt.timedelta(days=1)).isoformat())
    admin.click("#plan")
    refused = admin.inner_text("#refused")  # the history seeded is of tomorrow's weekday only
    assert "历史记录不足" in refused and "Too little history" in refused
    assert admin.locator("#the-plan").count() == 0


def test_the_form_is_checked_field_by_field() -> None:
    def errors(**query: str) -> set[str]:
        return set(read_form({"day": "2026-12-03", **query}, TOMORROW, WINDOWS).errors)

    assert errors() == set()
    assert errors(day="2026-13-01", mean="0", p90="nan", weeks="99") == {
        "day",
        "mean",
        "p90",
        "weeks",
    }
    assert errors(mean="15", p90="10") == {"p90"}
    assert errors(close="99", close_at="10:00") == {"close"}
    assert errors(close="3", close_at="25:00") == {"close_at"}
    assert errors(close="3", close_at="10:00") == set()
