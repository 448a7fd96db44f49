"""The windows to open, half hour by half hour, and what a change to them would do.

Erlang C gives each group of windows (windows linked by the services they share) the fewest
windows that keep its waits under the targets as if the half hour stood alone; a simulation of
the whole day with the hall's own routing then shows where the queue carried over from earlier,
the windows' partial overlap or the priority calls still break a target, and one more window is
opened there until the day holds (or every window is open). What-ifs change the windows or the
rota and are predicted by the same simulation on the same drawn days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hallserver.domain.settings import Policy, Window

from .erlang import windows_needed
from .forecast import SLOT_S, Forecast, PlanError
from .simulation import Arrivals, Rota, draw_day, simulate_day

MAX_ROUNDS = 8  # simulation rounds that may add windows where a target still breaks


@dataclass(frozen=True)
class Targets:
    mean_wait_s: float = 600.0
    p90_wait_s: float = 1200.0


@dataclass(frozen=True)
class SlotOutlook:
    """One half hour of a predicted day (waits of the citizens who arrive in it)."""

    start: dt.time
    arrivals: float
    windows: tuple[str, ...]
    erlang_windows: int  # what Erlang C alone asks for, group by group
    mean_wait_s: float
    p90_wait_s: float


@dataclass(frozen=True)
class Outlook:
    """A day as the simulation predicts it for a set of windows and a rota."""

    name: str
    windows: tuple[Window, ...]
    rota: Rota
    slots: tuple[SlotOutlook, ...]
    mean_wait_s: float
    p90_wait_s: float
    unserved: float  # citizens per day whom no open window could call

    def meets(self, targets: Targets) -> bool:
        return self.mean_wait_s <= targets.mean_wait_s and self.p90_wait_s <= targets.p90_wait_s


@dataclass(frozen=True)
class Planner:
    """Plans one day of one hall: its windows, the forecast of that weekday, the targets."""

    windows: tuple[Window, ...]
    forecast: Forecast
    policy: Policy
    targets: Targets
    days: tuple[Arrivals, ...]  # the drawn days every outlook is simulated on

    @classmethod
    def for_day(
        cls,
        windows: Sequence[Window],
        forecast: Forecast,
        policy: Policy,
        targets: Targets,
        *,
        replications: int = 4,
        seed: int = 1,
    ) -> Planner:
        rng = np.random.default_rng(seed)
        days = tuple(draw_day(forecast, rng) for _ in range(replications))
        return cls(tuple(windows), forecast, policy, targets, days)

    # ----- the plan --------------------------------------------------------------------------
    def plan(self) -> Outlook:
        groups = window_groups(self.windows, self.forecast)
        erlang = self.erlang_counts(groups)
        slots = range(self.forecast.slots)
        opened = [
            [self._open_in(self._ranked(group), erlang[g][slot], slot) for slot in slots]
            for g, group in enumerate(groups)
        ]
        for _ in range(MAX_ROUNDS):
            rota = Rota(
                tuple(
                    frozenset(w.id for per_slot in opened for w in per_slot[slot]) for slot in slots
                )
            )
            waits = self._simulate(self.windows, rota)
            short = False
            for g, group in enumerate(groups):
                for slot in slots:
                    extra = self._window_to_add(group, opened[g][slot], waits, slot)
                    if extra is not None:
                        opened[g][slot].append(extra)
                        short = True
            if not short:
                break
        return self._outlook("plan", self.windows, rota, waits, erlang=erlang)

    def _window_to_add(
        self, group: Sequence[Window], open_now: list[Window], waits: list[np.ndarray], slot: int
    ) -> Window | None:
        """Where a group breaks a target in a half hour, the closed window that serves the
        services waiting longest there (None: the targets hold, or every window is open)."""
        mean, p90 = _figures(waits, self._arrived_in(slot, group_services(group)))
        closed = [w for w in group if w not in open_now]
        if (mean <= self.targets.mean_wait_s and p90 <= self.targets.p90_wait_s) or not closed:
            return None
        waited = {s: _figures(waits, self._arrived_in(slot, {s}))[0] for s in group_services(group)}
        worst = max(waited, key=lambda s: waited[s])
        return max(
            closed,
            key=lambda w: (worst in w.services, sum(waited[s] for s in w.services)),
        )

    def erlang_counts(self, groups: Sequence[Sequence[Window]]) -> list[list[int]]:
        """Per group and half hour: the fewest windows Erlang C says keep the targets."""
        out = []
        for group in groups:
            services = group_services(group)
            counts = []
            for slot in range(self.forecast.slots):
                rate = sum(self.forecast.rate_per_s(s, slot) for s in services)
                if rate <= 0:
                    counts.append(0)
                    continue
                handling = (
                    sum(
                        self.forecast.rate_per_s(s, slot) * self.forecast.times[s].mean_s
                        for s in services
                    )
                    / rate
                )
                needed = windows_needed(
                    rate,
                    handling,
                    target_mean_s=self.targets.mean_wait_s,
                    target_p90_s=self.targets.p90_wait_s,
                )
                counts.append(min(needed, len(group)))
            out.append(counts)
        return out

    # ----- what-ifs --------------------------------------------------------------------------
    def predict(self, name: str, windows: Sequence[Window], rota: Rota) -> Outlook:
        return self._outlook(name, tuple(windows), rota, self._simulate(windows, rota))

    def close_window(self, plan: Outlook, window: str, from_time: dt.time) -> Outlook:
        """The plan, with `window` closed from `from_time` on (its clerk called away)."""
        if not any(w.id == window for w in plan.windows):
            raise PlanError(f"no window {window!r} in this hall")
        first = self._slot_of(from_time)
        rota = Rota(
            tuple(ws - {window} if slot >= first else ws for slot, ws in enumerate(plan.rota.open))
        )
        return self.predict(
            f"窗口 {window} 自 {from_time:%H:%M} 关闭 close {window}", plan.windows, rota
        )

    def one_more_window(self, plan: Outlook) -> Outlook:
        """The plan plus one comprehensive window, open all day, serving what the widest
        comprehensive window serves."""
        comprehensive = [w for w in plan.windows if w.kind == "comprehensive"] or list(plan.windows)
        widest = max(comprehensive, key=lambda w: len(w.services))
        extra = Window(f"{widest.id}+", f"{widest.name}（增开）", "comprehensive", widest.services)
        rota = Rota(tuple(ws | {extra.id} for ws in plan.rota.open))
        return self.predict(
            "增开一个综合窗口 one more comprehensive window", (*plan.windows, extra), rota
        )

    def per_department(self, plan: Outlook) -> Outlook:
        """The same number of windows open each half hour, but each serving one service
        (per-department windows instead of comprehensive ones), shared by the day's load."""
        day_load = {
            s: sum(self.forecast.arrivals[s]) * self.forecast.times[s].mean_s
            for s in self.forecast.arrivals
        }
        windows: list[Window] = []
        opened: list[set[str]] = [set() for _ in plan.rota.open]
        for group in window_groups(plan.windows, self.forecast):
            ids = {w.id for w in group}
            services = [s for s in group_services(group) if day_load.get(s, 0) > 0]
            most = max((len(ws & ids) for ws in plan.rota.open), default=0)
            if not services or not most:
                continue
            per_service = _share(max(most, len(services)), {s: day_load[s] for s in services})
            own = {s: [f"{s}{i + 1}" for i in range(n)] for s, n in per_service.items() if n > 0}
            windows += [
                Window(wid, f"{s} 专窗 {wid}", "specialized", (s,))
                for s, ws in own.items()
                for wid in ws
            ]
            for slot, ws in enumerate(plan.rota.open):
                load = {
                    s: self.forecast.arrivals[s][slot] * self.forecast.times[s].mean_s for s in own
                }
                count = len(ws & ids)
                for s, n in _share(count, load, cap={s: len(v) for s, v in own.items()}).items():
                    opened[slot].update(own[s][:n])
        rota = Rota(tuple(frozenset(ws) for ws in opened))
        return self.predict("分部门窗口 per-department windows", windows, rota)

    # ----- helpers ---------------------------------------------------------------------------
    def _simulate(self, windows: Sequence[Window], rota: Rota) -> list[np.ndarray]:
        return [simulate_day(windows, rota, day, self.policy) for day in self.days]

    def _slot_of(self, at: dt.time) -> int:
        opens = dt.datetime.combine(dt.date(2000, 1, 3), self.forecast.opens)
        since = (dt.datetime.combine(opens.date(), at) - opens).total_seconds()
        return max(0, math.ceil(since / SLOT_S - 1e-9))

    @cached_property
    def _codes(self) -> list[np.ndarray]:
        return [np.asarray(day.service) for day in self.days]

    def _arrived_in(self, slot: int | None, services: set[str] | None = None) -> list[np.ndarray]:
        """Per drawn day, which citizens count: arrived in `slot` (None: any) for `services`."""
        out = []
        for day, codes in zip(self.days, self._codes, strict=True):
            mask = np.ones(len(day), dtype=bool)
            if slot is not None:
                mask &= (day.at_s >= slot * SLOT_S) & (day.at_s < (slot + 1) * SLOT_S)
            if services is not None:
                mask &= np.isin(codes, sorted(services))
            out.append(mask)
        return out

    def _ranked(self, group: Sequence[Window]) -> list[Window]:
        """The group's windows in the order they are opened: those covering the most of the
        day's load first, so the same windows stay open through the day."""
        load = {
            s: sum(self.forecast.arrivals[s]) * self.forecast.times[s].mean_s
            for s in self.forecast.arrivals
        }
        return sorted(group, key=lambda w: -sum(load.get(s, 0.0) for s in w.services))

    def _open_in(self, ranked: list[Window], count: int, slot: int) -> list[Window]:
        """`count` windows of a group for `slot`: first to cover every service with arrivals,
        then by the order of `ranked`."""
        missing = {s for w in ranked for s in w.services if self.forecast.arrivals[s][slot] > 0}
        chosen: list[Window] = []
        while missing:
            best = max(ranked, key=lambda w: (len(missing & set(w.services)), -ranked.index(w)))
            chosen.append(best)
            missing -= set(best.services)
        for w in ranked:
            if len(chosen) >= count:
                break
            if w not in chosen:
                chosen.append(w)
        return chosen

    def _outlook(
        self,
        name: str,
        windows: tuple[Window, ...],
        rota: Rota,
        waits: list[np.ndarray],
        *,
        erlang: list[list[int]] | None = None,
    ) -> Outlook:
        slots = []
        for slot in range(self.forecast.slots):
            mean, p90 = _figures(waits, self._arrived_in(slot))
            slots.append(
                SlotOutlook(
                    start=self.forecast.slot_start(slot),
                    arrivals=sum(a[slot] for a in self.forecast.arrivals.values()),
                    windows=tuple(w.id for w in windows if w.id in rota.open[slot]),
                    erlang_windows=sum(c[slot] for c in erlang) if erlang else 0,
                    mean_wait_s=mean,
                    p90_wait_s=p90,
                )
            )
        mean, p90 = _figures(waits, self._arrived_in(None))
        unserved = sum(int(np.isnan(w).sum()) for w in waits) / len(waits)
        return Outlook(name, windows, rota, tuple(slots), mean, p90, unserved)


def window_groups(windows: Sequence[Window], forecast: Forecast) -> list[list[Window]]:
    """Windows linked by the services (with arrivals) they share, directly or through others."""
    busy = {s for s, per_slot in forecast.arrivals.items() if sum(per_slot) > 0}
    groups: list[tuple[set[str], list[Window]]] = []
    for w in windows:
        services = set(w.services) & busy
        if not services:
            continue
        linked = [g for g in groups if g[0] & services]
        merged: tuple[set[str], list[Window]] = (services, [])
        for g in linked:
            groups.remove(g)
            merged[0].update(g[0])
            merged[1].extend(g[1])
        merged[1].append(w)
        groups.append(merged)
    order = {w.id: i for i, w in enumerate(windows)}
    return [sorted(g[1], key=lambda w: order[w.id]) for g in groups]


def group_services(group: Sequence[Window]) -> set[str]:
    return {s for w in group for s in w.services}


def _figures(waits: list[np.ndarray], masks: list[np.ndarray]) -> tuple[float, float]:
    """Mean and 90th percentile of the waits selected, over every drawn day."""
    chosen = np.concatenate([w[m] for w, m in zip(waits, masks, strict=True)])
    chosen = chosen[~np.isnan(chosen)]
    if not len(chosen):
        return 0.0, 0.0
    return float(chosen.mean()), float(np.percentile(chosen, 90))


def _share(count: int, load: dict[str, float], cap: dict[str, int] | None = None) -> dict[str, int]:
    """`count` windows shared by load (largest remainder), one each first where count allows."""
    busy = [s for s, x in load.items() if x > 0]
    out = dict.fromkeys(load, 0)
    if not busy or count <= 0:
        return out
    limit = cap or {s: count for s in load}
    for s in sorted(busy, key=lambda s: -load[s])[:count]:
        out[s] = 1
    total = sum(load[s] for s in busy)
    while sum(out.values()) < count:
        free = [s for s in busy if out[s] < limit[s]]
        if not free:
            break
        s = max(free, key=lambda s: load[s] / total * count - out[s])
        out[s] += 1
    return out
