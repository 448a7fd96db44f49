"""排班 Staffing: the planner's page in the console — the windows to open per half hour on a
chosen day, the predicted waits, and the what-ifs (issue 14 §3).

The plan is read-only (a GET form, both roles may read it). Its simulation runs on a thread of
its own, one plan at a time, so the console and the hall's API keep answering meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from .console import PREFIX, console_of, require, service_of

PATH = PREFIX + "/staffing"
NAV = (PATH, "排班", "Staffing")
PLANNING = ThreadPoolExecutor(1, thread_name_prefix="hallq-plan")  # one plan at a time

routes = web.RouteTableDef()

# The planner (numpy, simpy) is imported when a plan is asked for, as `hallq-server plan` does:
# it is half of the hall server's start-up time, and most starts never plan.
if TYPE_CHECKING:
    from planner.report import DayPlan
    from planner.staffing import Outlook


@dataclass
class PlanForm:
    """The form as asked for; `errors` name the fields that are wrong (中文 · English)."""

    day: str
    mean: str
    p90: str
    weeks: str
    close: str = ""
    close_at: str = ""
    add: bool = False
    split: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def read_form(query: Mapping[str, str], tomorrow: dt.date, windows: set[str]) -> PlanForm:
    """The form's fields, checked one by one."""
    from planner.report import HISTORY_WEEKS
    from planner.staffing import Targets

    defaults = Targets()
    form = PlanForm(
        day=query.get("day", tomorrow.isoformat()).strip(),
        mean=query.get("mean", f"{defaults.mean_wait_s / 60:g}").strip(),
        p90=query.get("p90", f"{defaults.p90_wait_s / 60:g}").strip(),
        weeks=query.get("weeks", str(HISTORY_WEEKS)).strip(),
        close=query.get("close", "").strip(),
        close_at=query.get("close_at", "").strip(),
        add=query.get("add") == "1",
        split=query.get("split") == "1",
    )
    e = form.errors
    try:
        dt.date.fromisoformat(form.day)
    except ValueError:
        e["day"] = "日期格式应为 YYYY-MM-DD · A date, YYYY-MM-DD"
    mean, p90 = _minutes(form.mean), _minutes(form.p90)
    if mean is None:
        e["mean"] = "平均等待目标为 1–240 分钟 · Mean-wait target: 1 to 240 minutes"
    if p90 is None:
        e["p90"] = "90% 等待目标为 1–240 分钟 · P90 target: 1 to 240 minutes"
    elif mean is not None and p90 < mean:
        e["p90"] = "90% 目标不能小于平均目标 · The P90 target cannot be below the mean target"
    if not (form.weeks.isdigit() and 1 <= int(form.weeks) <= 52):
        e["weeks"] = "历史周数为 1–52 · Weeks of history: 1 to 52"
    if form.close and form.close not in windows:
        e["close"] = "没有该窗口 · No such window"
    if form.close or form.close_at:
        try:
            dt.time.fromisoformat(form.close_at)
            if len(form.close_at) != 5:
                raise ValueError
        except ValueError:
            e["close_at"] = "关闭时间格式应为 HH:MM · Closing time: HH:MM"
        if not form.close and "close_at" not in e:
            e["close"] = "请选择要关闭的窗口 · Choose the window to close"
    return form


def _minutes(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and 1 <= value <= 240 else None


def what_ifs(form: PlanForm) -> list[str]:
    """The form's what-ifs in the words `hallq-server plan --what-if` takes."""
    out = [f"close:{form.close}@{form.close_at}"] if form.close else []
    return out + ["add-comprehensive"] * form.add + ["per-department"] * form.split


@routes.get(PATH)
async def staffing_page(request: web.Request) -> web.Response:
    require(request, "read")
    svc = service_of(request)
    settings = svc.settings
    tomorrow = svc.now().date() + dt.timedelta(days=1)
    form = read_form(request.query, tomorrow, {w.id for w in settings.windows})
    asked = "day" in request.query
    plan: DayPlan | None = None
    refused = ""
    if asked and not form.errors:
        from planner.forecast import PlanError
        from planner.report import day_plan, history_days
        from planner.staffing import Targets

        day = dt.date.fromisoformat(form.day)
        days = history_days(day, int(form.weeks))
        history = await svc.read(
            lambda: [dict(r) for d in days for r in svc.reads.tickets_of_day(d)]
        )
        targets = Targets(float(form.mean) * 60, float(form.p90) * 60)
        loop = asyncio.get_running_loop()
        try:
            plan = await loop.run_in_executor(
                PLANNING,
                lambda: day_plan(
                    settings, history, day, targets, tz=svc.tz, what_ifs=what_ifs(form)
                ),
            )
        except PlanError as e:
            refused = f"历史记录不足，无法排班 · Too little history to plan: {e}"
    return console_of(request).render(
        request,
        "staffing.html",
        422 if form.errors else 200,
        form=form,
        plan=plan,
        refused=refused,
        windows=settings.windows,
        services={s.code: s.name for s in settings.services},
        chart=_chart_of,
    )


def _chart_of(plan: Outlook) -> list[tuple[str, float, float]]:
    """(half hour, mean, P90 in minutes) of an outlook, for charts.waits."""
    return [
        (f"{s.start:%H:%M}", round(s.mean_wait_s / 60, 1), round(s.p90_wait_s / 60, 1))
        for s in plan.slots
    ]
