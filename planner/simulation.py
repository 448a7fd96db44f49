"""A day of the hall played by discrete-event simulation (simpy), with the hall's own routing.

Citizens arrive as drawn; each open window calls with the domain's `choose` rule (priority
class, then the time waited, with the run limit on priority calls) on the domain's own queues
and tickets, keeps the citizen for the call's drawn time and calls again. A window opens and
closes with the rota's half hours (a call under way is finished); after the last half hour the
windows of that half hour serve out the queue, as a hall does with the tickets it has given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from hallserver.domain.queue import NORMAL, PRIORITY, Line, ServiceQueue, choose, ticket_class
from hallserver.domain.settings import Policy, Window
from hallserver.domain.tickets import Channel, Lane, Ticket

from .forecast import SLOT_S, Forecast

_DAY = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)  # the domain ranks by datetimes; any day will do


@dataclass(frozen=True)
class Arrivals:
    """One drawn day: when each citizen comes (s after opening), for what, how long the call."""

    at_s: np.ndarray
    service: tuple[str, ...]
    priority: np.ndarray  # green or appointment within its slot
    call_s: np.ndarray

    def __len__(self) -> int:
        return len(self.at_s)


def draw_day(forecast: Forecast, rng: np.random.Generator) -> Arrivals:
    """A day as the forecast expects it: Poisson arrivals per service and half hour."""
    times: list[float] = []
    services: list[str] = []
    for code, per_slot in forecast.arrivals.items():
        for slot, expected in enumerate(per_slot):
            n = int(rng.poisson(expected))
            times.extend(rng.uniform(slot * SLOT_S, (slot + 1) * SLOT_S, n))
            services.extend([code] * n)
    order = np.argsort(times, kind="stable")
    service = tuple(services[i] for i in order)
    call_s = np.empty(len(order))
    for code in forecast.arrivals:
        mask = np.array([s == code for s in service], dtype=bool)
        call_s[mask] = forecast.times[code].draw(rng, int(mask.sum()))
    priority = rng.random(len(order)) < np.array([forecast.priority[s] for s in service])
    return Arrivals(np.asarray(times)[order], service, priority, call_s)


@dataclass(frozen=True)
class Rota:
    """Which windows are open in each half hour from opening."""

    open: tuple[frozenset[str], ...]

    def slot(self, t_s: float) -> int:
        return min(int(t_s // SLOT_S), len(self.open) - 1)

    def is_open(self, window: str, t_s: float) -> bool:
        return window in self.open[self.slot(t_s)]

    def next_open_s(self, window: str, t_s: float) -> float | None:
        """When `window` is next open at or after `t_s` (None: not again today)."""
        for slot in range(self.slot(t_s), len(self.open)):
            if window in self.open[slot]:
                return max(t_s, slot * SLOT_S)
        return None


def simulate_day(
    windows: Sequence[Window], rota: Rota, day: Arrivals, policy: Policy
) -> np.ndarray:
    """Each citizen's wait (s) from arrival to call; NaN for one no open window ever calls."""
    env = simpy.Environment()
    services = sorted({s for w in windows for s in w.services} | set(day.service))
    queues = {code: ServiceQueue() for code in services}
    serving: Mapping[str, list[Window]] = {
        code: [w for w in windows if code in w.services] for code in services
    }
    idle: dict[str, simpy.Event] = {}
    no_line = Line()  # no ticket is ever sent to one window in the simulation
    waits = [float("nan")] * len(day)
    at_s, call_s, priority = day.at_s.tolist(), day.call_s.tolist(), day.priority.tolist()
    state = {"arriving": True}

    def citizens() -> Generator[simpy.Event, None, None]:
        for i, code in enumerate(day.service):
            yield env.timeout(at_s[i] - env.now)
            green = priority[i]
            t = Ticket(
                id="",
                day=_DAY.date(),
                number="",
                service=code,
                issued_at=_DAY + dt.timedelta(seconds=at_s[i]),
                order=i,
                channel=Channel.GREEN if green else Channel.NORMAL,
                lane=Lane.PRIORITY if green else Lane.NORMAL,
            )
            queues[code].join(t)
            for w in serving[code]:
                if w.id in idle and rota.is_open(w.id, env.now):
                    idle.pop(w.id).succeed()
                    break
        state["arriving"] = False
        for event in idle.values():
            event.succeed()
        idle.clear()

    def window(spec: Window) -> Generator[simpy.Event, None, None]:
        mine = [queues[s] for s in spec.services]
        run = 0
        while True:
            opens = rota.next_open_s(spec.id, env.now)
            if opens is None:
                return
            if opens > env.now:
                yield env.timeout(opens - env.now)
                continue
            now = _DAY + dt.timedelta(seconds=env.now)
            t = choose(
                no_line,
                mine,
                now,
                grace_s=policy.appointment_grace_s,
                priority_run=run,
                max_priority_run=policy.priority_run,
            )
            if t is None:
                if not state["arriving"]:
                    return
                wake = idle[spec.id] = env.event()
                slot = rota.slot(env.now)
                if slot + 1 < len(rota.open):  # look again when the rota changes
                    yield wake | env.timeout((slot + 1) * SLOT_S - env.now)
                else:
                    yield wake
                idle.pop(spec.id, None)
                continue
            klass = ticket_class(t, now, policy.appointment_grace_s)
            run = run + 1 if klass == PRIORITY else (0 if klass == NORMAL else run)
            queues[t.service].remove(t)
            waits[t.order] = env.now - at_s[t.order]
            yield env.timeout(call_s[t.order])

    env.process(citizens())
    for spec in windows:
        env.process(window(spec))
    env.run()
    return np.asarray(waits)
