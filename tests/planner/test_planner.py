"""The planner: Erlang C, the simulation against it, the forecast, the plan and its what-ifs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zoneinfo
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hallserver.config import load_config
from hallserver.domain.settings import HallSettings, Hours, Policy, Service, Window
from hallserver.store import Store
from planner.erlang import mean_wait_s, wait_probability, windows_needed
from planner.forecast import PlanError, forecast
from planner.report import day_plan
from planner.simulation import Arrivals, Rota, simulate_day
from planner.staffing import Planner, Targets
from tests.planner.historykit import history, keep
from tests.support.server import ROOT, SAMPLE

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAYS = [dt.date(2026, 11, 2) + dt.timedelta(weeks=k) for k in range(4)]
NINE = dt.datetime(2026, 11, 2, 9, tzinfo=TZ)


def one_service_hall(windows: int) -> HallSettings:
    return HallSettings(
        "h",
        "一个业务的大厅",
        (Service("A", "综合", handling_s=480),),
        tuple(Window(str(i), f"{i}号窗口", "comprehensive", ("A",)) for i in range(1, windows + 1)),
        hours=Hours(open=dt.time(9), last_ticket=dt.time(13)),
    )


def test_erlang_c_matches_the_published_figures():
    # λ = 1/min, 8 min a call: 10 windows → 1.64 min, 9 windows → 5.23 min (DOMAIN.md).
    assert mean_wait_s(10, 1 / 60, 480) / 60 == pytest.approx(1.64, abs=0.005)
    assert mean_wait_s(9, 1 / 60, 480) / 60 == pytest.approx(5.23, abs=0.005)
    assert mean_wait_s(8, 1 / 60, 480) == float("inf")
    assert wait_probability(10, 8) == pytest.approx(0.4092, abs=1e-4)
    assert windows_needed(1 / 60, 480, target_mean_s=180, target_p90_s=3600) == 10
    assert windows_needed(0, 480, target_mean_s=180, target_p90_s=3600) == 0


@pytest.mark.slow
def test_simulation_agrees_with_erlang_c_for_identical_windows_and_exponential_times():
    # Three windows, λ = 1/min, 2 min a call (ρ = 0.67): 200,000 citizens put the sampling
    # error of the mean wait near 2.5%.
    rng = np.random.default_rng(7)
    n = 200_000
    at = np.cumsum(rng.exponential(60, n))
    day = Arrivals(at, ("A",) * n, np.zeros(n, dtype=bool), rng.exponential(120, n))
    windows = one_service_hall(3).windows
    waits = simulate_day(windows, Rota((frozenset(w.id for w in windows),)), day, Policy())
    assert not np.isnan(waits).any()
    assert waits.mean() == pytest.approx(mean_wait_s(3, 1 / 60, 120), rel=0.05)
    assert (waits > 0).mean() == pytest.approx(wait_probability(3, 2.0), rel=0.05)


def test_the_forecast_counts_arrivals_per_half_hour_and_learns_call_times():
    rows = history(MONDAYS, NINE, {"A": [10, 20, 30, 0, 0, 0, 0, 0]}, {"A": 300.0})
    tuesday = history([MONDAYS[0] + dt.timedelta(days=1)], NINE, {"A": [99] * 8}, {"A": 60.0})
    f = forecast(rows + tuesday, one_service_hall(2), weekday=1, tz=TZ)
    assert f.days == 4 and f.slots == 8
    assert f.arrivals["A"] == (10, 20, 30, 0, 0, 0, 0, 0)
    assert f.times["A"].mean_s == pytest.approx(300, rel=0.01)
    assert f.slot_start(3) == dt.time(10, 30)
    with pytest.raises(PlanError, match="周三"):
        forecast(rows, one_service_hall(2), weekday=3, tz=TZ)


def test_the_plan_finds_the_known_optimum():
    # 1 citizen a minute for two hours, then one every two minutes; 8 min a call; the mean
    # wait ≤ 3 min: Erlang C says 10 windows (9 would give 5.23 min), then 6 (5 → 4.43 min).
    rows = history(MONDAYS, NINE, {"A": [30] * 4 + [15] * 4}, {"A": 480.0})
    settings = one_service_hall(14)
    f = forecast(rows, settings, weekday=1, tz=TZ)
    planner = Planner.for_day(settings.windows, f, settings.policy, Targets(180, 3600))
    plan = planner.plan()
    assert [len(s.windows) for s in plan.slots] == [10] * 4 + [6] * 4
    assert [s.erlang_windows for s in plan.slots] == [10] * 4 + [6] * 4
    assert plan.meets(planner.targets) and plan.unserved == 0
    # A tighter target needs more windows, never fewer.
    tighter = Planner.for_day(settings.windows, f, settings.policy, Targets(60, 3600)).plan()
    assert all(
        len(t.windows) >= len(s.windows) for t, s in zip(tighter.slots, plan.slots, strict=True)
    )


def sample_planner() -> tuple[Planner, HallSettings]:
    settings = load_config(SAMPLE)
    per_slot = {"A": [1] * 8, "B": [4] * 8, "C": [4] * 8, "D": [4] * 8, "F": [2] * 8}
    times = {"A": 900.0, "B": 600.0, "C": 420.0, "D": 360.0, "F": 480.0}
    settings = replace(settings, hours=Hours(open=dt.time(9), last_ticket=dt.time(13)))
    f = forecast(history(MONDAYS, NINE, per_slot, times), settings, weekday=1, tz=TZ)
    return Planner.for_day(settings.windows, f, settings.policy, Targets(600, 1200)), settings


def test_what_ifs_on_the_sample_hall():
    planner, _ = sample_planner()
    plan = planner.plan()
    assert plan.meets(planner.targets) and plan.unserved == 0
    # Only windows that serve A–F are opened (the other services have no arrivals).
    assert {w for s in plan.slots for w in s.windows} <= {"1", "2", "3", "4", "5", "6"}
    split = planner.per_department(plan)
    assert [len(s.windows) for s in split.slots] == [len(s.windows) for s in plan.slots]
    assert all(len(w.services) == 1 for w in split.windows)
    assert split.mean_wait_s > plan.mean_wait_s  # pooled windows wait less on the same arrivals
    closing = plan.slots[2].windows[0]
    closed = planner.close_window(plan, closing, dt.time(10, 0))
    assert all(closing not in s.windows for s in closed.slots[2:])
    assert closed.slots[1].windows == plan.slots[1].windows
    assert closed.slots[0].mean_wait_s == plan.slots[0].mean_wait_s
    assert closed.mean_wait_s > plan.mean_wait_s
    more = planner.one_more_window(plan)
    assert more.mean_wait_s < plan.mean_wait_s
    with pytest.raises(PlanError):
        planner.close_window(plan, "99", dt.time(10, 0))


def test_plan_report_and_cli(tmp_path: Path):
    _, settings = sample_planner()
    rows = history(MONDAYS, NINE, {"B": [10] * 8, "C": [9] * 8}, {"B": 600.0, "C": 420.0})
    text = day_plan(
        settings,
        rows,
        dt.date(2026, 11, 30),
        Targets(600, 1200),
        tz=TZ,
        what_ifs=["per-department"],
    ).text()
    assert "排班建议" in text and "分部门窗口" in text and "09:00" in text
    with pytest.raises(PlanError, match="unknown what-if"):
        day_plan(settings, rows, dt.date(2026, 11, 30), Targets(), tz=TZ, what_ifs=["close:3"])
    # The CLI reads the same history from the hall's database.
    db = tmp_path / "hall.db"
    store = Store(db)
    keep(store, rows)
    store.close()
    plan = [
        sys.executable,
        "-m",
        "hallserver.cli",
        "plan",
        "--config",
        str(SAMPLE),
        "--db",
        str(db),
    ]
    run = subprocess.run(
        [*plan, "--date", "2026-11-30", "--what-if", "close:4@10:00"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "窗口 4 自 10:00 关闭" in run.stdout and "Erlang C" in run.stdout
    bad = subprocess.run(
        [*plan, "--date", "2026-12-01"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert bad.returncode == 2 and "no history for 周二" in bad.stderr
