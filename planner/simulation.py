"""A day of the hall played by discrete-event simulation (simpy), with the hall's own routing.

Citizens arrive as drawn (or as a recorded day had them); each open window calls with the
domain's `choose` rule (a ticket sent to the window first, then priority class, then the time
waited, with the run limit on priority calls) on the domain's own queues and tickets, keeps the
citizen for the call's time and calls again once its clerk is ready. A citizen may be called
more than once: transferred to another service or window (waiting again at once, ahead of
normal tickets) or, after 过号, checked in again a few places behind the head. A window calls
while its opening says so — the rota's half hours in a plan, the clerks' sessions and pauses in
a recorded day (a call under way is finished); after its last half hour a rota's windows serve
out the queue, as a hall does with the tickets it has given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import simpy

from hallserver.domain.queue import NORMAL, PRIORITY, Line, ServiceQueue, choose
from hallserver.domain.settings import Policy, Window
from hallserver.domain.tickets import Channel, Lane, Ticket

from .forecast import SLOT_S, Forecast

_DAY = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)  # the domain ranks by datetimes; any day will do


@dataclass(frozen=True)
class Return:
    """A citizen called again: transferred (waits at once at `service`, or for one `window`),
    or a 过号 citizen who checks in again at `at_s` (s after opening); `call_s` is that call's."""

    service: str
    call_s: float
    at_s: float | None = None  # None: a transfer
    window: str | None = None


@dataclass(frozen=True)
class Arrivals:
    """One day's citizens: when each comes (s after opening), for what, how long the call
    keeps the window, and (a recorded day) the calls that follow the first."""

    at_s: np.ndarray
    service: tuple[str, ...]
    priority: np.ndarray  # green or appointment within its slot
    call_s: np.ndarray
    returns: Mapping[int, tuple[Return, ...]] = field(default_factory=dict)  # citizen → later calls

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


class Opening(Protocol):
    """When each window calls (s after opening)."""

    def is_open(self, window: str, t_s: float) -> bool: ...

    def next_open_s(self, window: str, t_s: float) -> float | None:
        """When `window` next calls at or after `t_s` (None: not again today)."""
        ...

    def next_change_s(self, t_s: float) -> float | None:
        """The next moment after `t_s` any window opens or closes (None: no more changes)."""
        ...


@dataclass(frozen=True)
class Rota:
    """Which windows are open in each half hour from opening."""

    open: tuple[frozenset[str], ...]

    def slot(self, t_s: float) -> int:
        return min(int(t_s // SLOT_S), len(self.open) - 1)

    def is_open(self, window: str, t_s: float) -> bool:
        return window in self.open[self.slot(t_s)]

    def next_open_s(self, window: str, t_s: float) -> float | None:
        for slot in range(self.slot(t_s), len(self.open)):
            if window in self.open[slot]:
                return max(t_s, slot * SLOT_S)
        return None

    def next_change_s(self, t_s: float) -> float | None:
        slot = self.slot(t_s)
        return (slot + 1) * SLOT_S if slot + 1 < len(self.open) else None


@dataclass(frozen=True)
class Clerks:
    """How long the clerks took to call (s), as recorded: each window's clerk, once the window
    was free with citizens waiting (in order; beyond them one of the window's drawn), and the
    first clerk to call a citizen who came to idle windows (per citizen and call; else one of
    them drawn). Without: at once."""

    after_free_s: Mapping[str, np.ndarray]
    after_arrival_s: Mapping[tuple[int, int], float]  # (citizen, call) → the clerk's time
    seed: int = 1


def simulate_day(
    windows: Sequence[Window],
    opening: Opening,
    day: Arrivals,
    policy: Policy,
    clerks: Clerks | None = None,
) -> np.ndarray:
    """Each citizen's wait (s) from arrival to first call; NaN for one no window ever calls."""
    env = simpy.Environment()
    services = sorted({s for w in windows for s in w.services} | set(day.service))
    queues = {code: ServiceQueue() for code in services}
    lines = {w.id: Line() for w in windows}  # tickets transferred to one window
    serving: Mapping[str, list[Window]] = {
        code: [w for w in windows if code in w.services] for code in services
    }
    idle: dict[str, simpy.Event] = {}
    waits = [float("nan")] * len(day)
    at_s, call_s, priority = day.at_s.tolist(), day.call_s.tolist(), day.priority.tolist()
    returns = day.returns
    calls = [0] * len(day)  # calls so far, per citizen
    rng = np.random.default_rng(clerks.seed if clerks else 1)
    no_lags = np.zeros(1)
    arrival_lags = np.array(list(clerks.after_arrival_s.values()) or [0.0]) if clerks else no_lags

    def after_free(window: str, k: int) -> float:
        """The clerk's time before the window's k-th call with citizens waiting."""
        if clerks is None:
            return 0.0
        lags = clerks.after_free_s.get(window, no_lags)
        return float(lags[k] if k < len(lags) else lags[rng.integers(len(lags))])

    def after_arrival(t: Ticket) -> float:
        """The time before the first clerk calls `t`, come to idle windows."""
        if clerks is None:
            return 0.0
        recorded = clerks.after_arrival_s.get((t.order, calls[t.order]))
        return recorded if recorded is not None else float(rng.choice(arrival_lags))

    def wake(t: Ticket, window: str | None = None) -> None:
        """An idle window that may call `t` (only `window`, if named) looks again."""
        for w in [window] if window else [w.id for w in serving[t.service]]:
            if w in idle and opening.is_open(w, env.now):
                idle.pop(w).succeed(t)
                return

    def at(seconds: float) -> dt.datetime:
        return _DAY + dt.timedelta(seconds=seconds)

    def citizens() -> Generator[simpy.Event, None, None]:
        for i, code in enumerate(day.service):
            yield env.timeout(at_s[i] - env.now)
            green = priority[i]
            t = Ticket(
                id="",
                day=_DAY.date(),
                number="",
                service=code,
                issued_at=at(at_s[i]),
                order=i,
                channel=Channel.GREEN if green else Channel.NORMAL,
                lane=Lane.PRIORITY if green else Lane.NORMAL,
            )
            queues[code].join(t)
            wake(t)

    def comes_back(t: Ticket, again: Return) -> Generator[simpy.Event, None, None]:
        if again.at_s is not None:  # 过号, checked in again a few places behind the head
            yield env.timeout(max(0.0, again.at_s - env.now))
            t.lane, t.queued_at = Lane.NORMAL, at(env.now)
            queues[t.service].join(t, behind=policy.checkin_behind)
        elif again.window is not None:
            t.lane, t.queued_at, t.target_window = Lane.WINDOW, at(env.now), again.window
            lines[again.window].append(t)
        else:
            t.lane, t.queued_at, t.service = Lane.TRANSFER, at(env.now), again.service
            queues[again.service].join(t)
        wake(t, again.window)

    def window(spec: Window) -> Generator[simpy.Event, None, None]:
        mine = [queues[s] for s in spec.services]
        line = lines[spec.id]
        run = waited = 0  # priority calls in a row; calls made with citizens waiting
        ready = clerks is None  # the clerk has taken the time to call
        while True:
            opens = opening.next_open_s(spec.id, env.now)
            if opens is None:
                return
            if opens > env.now:
                yield env.timeout(opens - env.now)
                ready = clerks is None
                continue
            now = at(env.now)
            chosen = choose(
                line,
                mine,
                now,
                grace_s=policy.appointment_grace_s,
                priority_run=run,
                max_priority_run=policy.priority_run,
            )
            if chosen is None:
                woken = idle[spec.id] = env.event()
                change = opening.next_change_s(env.now)
                # Look again when a citizen comes or the opening changes; nothing left: done.
                yield woken if change is None else woken | env.timeout(change - env.now)
                idle.pop(spec.id, None)
                if woken.triggered and clerks:  # a citizen came: called after a while
                    came = woken.value
                    assert isinstance(came, Ticket)
                    yield env.timeout(after_arrival(came))
                    ready = True
                continue
            if not ready:  # citizens wait: the clerk calls after a while (whoever is first then)
                yield env.timeout(after_free(spec.id, waited))
                waited += 1
                ready = True
                continue
            ready = clerks is None
            (klass, *_), t = chosen
            run = run + 1 if klass == PRIORITY else (0 if klass == NORMAL else run)
            if t.lane is Lane.WINDOW:
                line.remove(t)
            else:
                queues[t.service].remove(t)
            i, k = t.order, calls[t.order]
            calls[i] += 1
            later = returns.get(i, ())
            if k == 0:
                waits[i] = env.now - at_s[i]
                yield env.timeout(call_s[i])
            else:
                yield env.timeout(later[k - 1].call_s)
            if k < len(later):
                env.process(comes_back(t, later[k]))

    env.process(citizens())
    for spec in windows:
        env.process(window(spec))
    env.run()
    return np.asarray(waits)
