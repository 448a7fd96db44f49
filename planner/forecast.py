"""What a day will bring, learned from the hall's history: arrivals per service per half hour on
that weekday, how long a call of each service keeps a window, how many come by priority."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hallserver.domain.settings import HallSettings

SLOT_S = 1800  # the planner's unit: half an hour
MIN_SAMPLES = 5  # fewer calls than this: the configured handling time stands
ASSUMED_CV = 0.5  # spread of a configured handling time (no calls to learn it from)
WEEKDAYS = "一二三四五六日"


class PlanError(Exception):
    """The planner cannot answer; the message says why in one line."""


@dataclass(frozen=True)
class CallTimes:
    """How long a call keeps a window (call → finish or no-show): lognormal by mean and spread."""

    mean_s: float
    sd_s: float

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        s2 = math.log1p((self.sd_s / self.mean_s) ** 2)
        return rng.lognormal(math.log(self.mean_s) - s2 / 2, math.sqrt(s2), n)


@dataclass(frozen=True)
class Forecast:
    """Expected arrivals of one weekday, half hour by half hour from opening, and call times."""

    weekday: int  # ISO, 1 = Monday
    opens: dt.time
    arrivals: Mapping[str, tuple[float, ...]]  # service → expected tickets per slot
    times: Mapping[str, CallTimes]
    priority: Mapping[str, float]  # service → share of green and appointment tickets
    days: int  # days of history behind it

    @property
    def slots(self) -> int:
        return max((len(v) for v in self.arrivals.values()), default=0)

    def slot_start(self, slot: int) -> dt.time:
        start = dt.datetime.combine(dt.date(2000, 1, 3), self.opens)
        return (start + dt.timedelta(seconds=slot * SLOT_S)).time()

    def rate_per_s(self, service: str, slot: int) -> float:
        return self.arrivals[service][slot] / SLOT_S


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def forecast(
    rows: Iterable[Mapping[str, Any]], settings: HallSettings, *, weekday: int, tz: dt.tzinfo
) -> Forecast:
    """From ticket rows (as the store keeps them), the expected day for `weekday`."""
    hours = settings.hours
    opens = dt.datetime.combine(dt.date(2000, 1, 3), hours.open)
    closes = dt.datetime.combine(dt.date(2000, 1, 3), hours.last_ticket)
    n_slots = max(1, math.ceil((closes - opens).total_seconds() / SLOT_S))
    services = [s.code for s in settings.services]
    counts = {code: np.zeros(n_slots) for code in services}
    took: dict[str, list[float]] = defaultdict(list)
    priority: dict[str, int] = defaultdict(int)
    issued: dict[str, int] = defaultdict(int)
    days: set[str] = set()
    for r in rows:
        issued_at = _time(r["issued_at"])
        if issued_at is None or r["service"] not in counts:
            continue
        local = issued_at.astimezone(tz)
        if local.isoweekday() != weekday:
            continue
        days.add(r["day"])
        since_open = dt.datetime.combine(opens.date(), local.time()) - opens
        slot = min(n_slots - 1, max(0, int(since_open.total_seconds() // SLOT_S)))
        counts[r["service"]][slot] += 1
        issued[r["service"]] += 1
        priority[r["service"]] += r["channel"] != "normal"
        called, ended = _time(r["first_called_at"]), _time(r["finished_at"])
        if called and ended and not r["transferred_from"] and r["status"] in ("done", "no_show"):
            took[r["service"]].append((ended - called).total_seconds())
    if not days:
        raise PlanError(f"no history for 周{WEEKDAYS[weekday - 1]} (ISO weekday {weekday})")
    times = {}
    for s in settings.services:
        samples = took.get(s.code, [])
        if len(samples) >= MIN_SAMPLES:
            times[s.code] = CallTimes(float(np.mean(samples)), float(np.std(samples, ddof=1)))
        else:
            times[s.code] = CallTimes(float(s.handling_s), ASSUMED_CV * s.handling_s)
    return Forecast(
        weekday=weekday,
        opens=hours.open,
        arrivals={code: tuple(float(x) / len(days) for x in counts[code]) for code in services},
        times=times,
        priority={
            code: priority[code] / issued[code] if issued[code] else 0.0 for code in services
        },
        days=len(days),
    )
