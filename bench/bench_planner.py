"""The staffing planner: how fast it answers, how its counts compare with Erlang C's, what
pooling windows is worth, and the simulation against Erlang C over a long run.

1. A 60-window hall (bench_day's hall: comprehensive windows over overlapping services, plus
   specialised, issuance, help and consultation windows), four Mondays of synthetic history,
   each service's load in step with its windows, a morning and an afternoon peak at which
   every window would be 85% busy, the sample hall's call times: the plan for the next Monday
   (target: < 5 s).
2. The plan's windows per half hour against what Erlang C alone asks for.
3. Pooled comprehensive windows against per-department windows, the same number open each half
   hour, on the same drawn days.
4. One service, 10 identical windows, λ = 1/min, 8 min exponential calls (DOMAIN.md: 1.64 min):
   the simulation's mean wait over `--citizens` citizens.
Usage: .venv/bin/python bench/bench_planner.py [--citizens 400000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import tempfile
import time
import zoneinfo
from pathlib import Path

import numpy as np
from hallkit import big_hall

from hallserver.config import load_config
from hallserver.domain.settings import Policy, Window
from planner.erlang import mean_wait_s
from planner.forecast import SLOT_S, forecast
from planner.simulation import Arrivals, Rota, simulate_day
from planner.staffing import Planner, Targets
from tests.planner.historykit import history

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
CALL_S = {"A": 900, "B": 600, "C": 420, "D": 360, "E": 420, "F": 480, "G": 540}
CALL_S |= {"H": 900, "J": 600, "K": 120, "L": 900, "M": 180}


def day_shape(slots: int) -> list[float]:
    """The day's load per half hour, relative to its peak: a morning and an afternoon peak."""
    hours = [(k + 0.5) * SLOT_S / 3600 for k in range(slots)]
    weight = [
        0.4 + math.exp(-((h - 1.5) ** 2) / 1.2) + 0.8 * math.exp(-((h - 6) ** 2) / 1.5)
        for h in hours
    ]
    return [w / max(weight) for w in weight]


def arrivals_per_slot(windows: list[Window], slots: int, peak: float) -> dict[str, list[int]]:
    """Tickets per service and half hour: each service's load follows the windows that serve
    it (shared equally among a window's services), at `peak` utilisation in the busiest half
    hour with every window open."""
    share: dict[str, float] = {}
    for w in windows:
        for s in w.services:
            share[s] = share.get(s, 0.0) + 1 / len(w.services)
    return {
        s: [round(peak * x * share[s] * SLOT_S / CALL_S[s]) for x in day_shape(slots)]
        for s in share
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peak", type=float, default=0.85, help="utilisation at the peak, all open")
    ap.add_argument("--citizens", type=int, default=400_000, help="for the Erlang C check")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_config(big_hall(Path(tmp) / "big.toml", 60))
    mondays = [dt.date(2026, 11, 2) + dt.timedelta(weeks=k) for k in range(4)]
    opens = dt.datetime.combine(mondays[0], settings.hours.open, tzinfo=TZ)
    hall_day = dt.datetime.combine(mondays[0], settings.hours.last_ticket) - opens.replace(
        tzinfo=None
    )
    slots = math.ceil(hall_day.total_seconds() / SLOT_S)
    per_slot = arrivals_per_slot(list(settings.windows), slots, args.peak)
    rows = history(mondays, opens, per_slot, {s: float(x) for s, x in CALL_S.items()})
    targets = Targets(10 * 60, 20 * 60)

    started, cpu = time.perf_counter(), time.process_time()
    expected = forecast(rows, settings, weekday=1, tz=TZ)
    planner = Planner.for_day(settings.windows, expected, settings.policy, targets)
    plan = planner.plan()
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    tickets = sum(sum(v) for v in expected.arrivals.values())
    print(
        f"plan for a day of a {len(settings.windows)}-window hall ({tickets:.0f} tickets "
        f"forecast, {len(planner.days)} simulated days per round): {took:.2f} s "
        f"({cpu:.2f} s of CPU on this shared machine; target < 5 s)"
    )
    print("slot   arrivals  Erlang C  planned  mean wait  P90 (min)")
    for s in plan.slots:
        print(
            f"{s.start:%H:%M}  {s.arrivals:8.0f}  {s.erlang_windows:8d}  {len(s.windows):7d}  "
            f"{s.mean_wait_s / 60:9.1f}  {s.p90_wait_s / 60:9.1f}"
        )
    print(
        f"window-hours: planned {sum(len(s.windows) for s in plan.slots) / 2:.1f}, "
        f"Erlang C {sum(s.erlang_windows for s in plan.slots) / 2:.1f}; "
        f"day: mean {plan.mean_wait_s / 60:.1f} min, P90 {plan.p90_wait_s / 60:.1f} min"
    )
    split = planner.per_department(plan)
    print(
        f"pooled comprehensive windows: mean wait {plan.mean_wait_s / 60:.1f} min, "
        f"P90 {plan.p90_wait_s / 60:.1f} min; per-department windows (same number open): "
        f"mean {split.mean_wait_s / 60:.1f} min, P90 {split.p90_wait_s / 60:.1f} min"
    )

    rng = np.random.default_rng(1)
    n = args.citizens
    at = np.cumsum(rng.exponential(60, n))
    day = Arrivals(at, ("A",) * n, np.zeros(n, dtype=bool), rng.exponential(480, n))
    windows = [Window(str(i), str(i), "specialized", ("A",)) for i in range(1, 11)]
    started = time.perf_counter()
    waits = simulate_day(windows, Rota((frozenset(w.id for w in windows),)), day, Policy())
    exact = mean_wait_s(10, 1 / 60, 480)
    print(
        f"simulation vs Erlang C (10 windows, λ = 1/min, 8 min exponential, {n:,} citizens, "
        f"{time.perf_counter() - started:.0f} s): {waits.mean() / 60:.3f} min vs "
        f"{exact / 60:.3f} min ({100 * (waits.mean() / exact - 1):+.1f}%)"
    )


if __name__ == "__main__":
    main()
