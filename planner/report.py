"""The plan as the manager reads it: `hallq-server plan` prints this."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hallserver.domain.settings import HallSettings

from .forecast import WEEKDAYS, PlanError, forecast
from .staffing import Outlook, Planner, Targets

HISTORY_WEEKS = 8  # the weekday of this many past weeks makes the forecast
WHAT_IFS = (
    "close:WINDOW@HH:MM (窗口几点起关闭)",
    "add-comprehensive (增开一个综合窗口)",
    "per-department (分部门窗口)",
)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:5.1f}"


def what_if(planner: Planner, plan: Outlook, text: str) -> Outlook:
    """One what-if from its words: close:3@10:00, add-comprehensive, per-department."""
    if text == "add-comprehensive":
        return planner.one_more_window(plan)
    if text == "per-department":
        return planner.per_department(plan)
    m = re.fullmatch(r"close:([^@]+)@(\d{1,2}):(\d{2})", text)
    if m and int(m.group(2)) < 24 and int(m.group(3)) < 60:
        return planner.close_window(plan, m.group(1), dt.time(int(m.group(2)), int(m.group(3))))
    raise PlanError(f"unknown what-if {text!r}; one of: " + ", ".join(WHAT_IFS))


def history_days(day: dt.date, weeks: int = HISTORY_WEEKS) -> list[dt.date]:
    """The days whose tickets a plan for `day` learns from: its weekday in the weeks before."""
    return [day - dt.timedelta(weeks=k) for k in range(1, max(1, weeks) + 1)]


@dataclass(frozen=True)
class DayPlan:
    """The plan for a day and the what-ifs asked for, predicted on the same drawn days."""

    hall: str
    day: dt.date
    targets: Targets
    history_days: int
    plan: Outlook
    what_ifs: tuple[Outlook, ...]

    def text(self) -> str:
        """The plan as `hallq-server plan` prints it."""
        plan, targets, day = self.plan, self.targets, self.day
        lines = [
            f"{self.hall} · {day.isoformat()} 周{WEEKDAYS[day.isoweekday() - 1]} · 排班建议 "
            f"staffing plan (forecast from {self.history_days} past days)",
            f"目标 targets: 平均等待 mean wait ≤ {targets.mean_wait_s / 60:g} min, "
            f"90% ≤ {targets.p90_wait_s / 60:g} min",
            "",
            "时段 slot  到达 arrivals  Erlang C  开窗 open  平均 mean  P90 (min)  窗口 windows",
        ]
        for s in plan.slots:
            lines.append(
                f"{s.start:%H:%M}      {s.arrivals:8.1f}  {s.erlang_windows:8d}  "
                f"{len(s.windows):9d}  {_minutes(s.mean_wait_s)}  {_minutes(s.p90_wait_s)}      "
                f"{' '.join(s.windows)}"
            )
        lines += ["", "窗口 window: 业务 services"]
        lines += [f"  {w.id}: {' '.join(w.services)} ({w.kind})" for w in plan.windows]
        lines += ["", "全天 the day        平均 mean  P90 (min)  无人办理 unserved/day"]
        for o in (plan, *self.what_ifs):
            name = "按建议 the plan" if o is plan else o.name
            lines.append(
                f"  {name}: {_minutes(o.mean_wait_s)}  {_minutes(o.p90_wait_s)}  {o.unserved:.0f}"
            )
        if not plan.meets(targets):
            lines.append("注意: 全部窗口开放也达不到目标 — even every window open misses a target")
        return "\n".join(lines)


def day_plan(
    settings: HallSettings,
    history: Iterable[Mapping[str, Any]],
    day: dt.date,
    targets: Targets,
    *,
    tz: dt.tzinfo,
    what_ifs: Sequence[str] = (),
    replications: int = 4,
) -> DayPlan:
    """The windows to open on `day`, half hour by half hour, and the what-ifs asked for."""
    expected = forecast(history, settings, weekday=day.isoweekday(), tz=tz)
    planner = Planner.for_day(
        settings.windows, expected, settings.policy, targets, replications=replications
    )
    plan = planner.plan()
    others = tuple(what_if(planner, plan, text) for text in what_ifs)
    return DayPlan(settings.name, day, targets, expected.days, plan, others)
