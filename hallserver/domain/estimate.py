"""Honest waits: when will each waiting ticket be called, given everything the hall knows now.

`people ahead × handling ÷ open windows` runs short in a hall of comprehensive windows (一窗受理):
tickets of other services compete for the same windows. The estimator instead replays the hall's
own routing forward, deterministically and in expected values: every open window calls with the
same `choose` rule the hall uses (window queue first, then priority class, then the time waited,
with the run limit on priority calls), each call keeps the window for the time a call of that
service has kept a window lately (call → finish, no-show or transfer, learned per service from
the recent calls) plus the time a clerk takes to call again. A busy window is free after the
expected rest of its current call, from a lognormal fitted to those recent calls; windows with
the same services finish in the expected order statistics of those rests. A service's window time
weighs its calls today against a prior — the same half hour on past days (the same weekday of
recent weeks, read at start), else the configured handling time — by how much each says (see
`WaitEstimator.window_time`): a dozen calls of a lognormal spread say little. A paused window calls
again at the time its clerk said, else after the expected rest of its pause (learned from the
day's pauses, 15 minutes until the hall has seen one end). A window out of work calls a
newcomer once its clerk has seen them (the time learned from the calls of citizens who came to
idle windows).

Expected values alone run long where several windows may call a citizen: the first of them to be
free comes sooner than the soonest of their means, and more so the further ahead. So the replay's
calls are played again in `FUTURES` futures (up to `SPREAD_MAX` waiting): each current call ends
at a draw of its rest, each call keeps its window a lognormal draw of its service's window time,
each ticket is called by whichever window that may call it is free first, and a ticket is told
the mean of its calls over the futures. With exact window times every future is the replay.
bench/bench_ewt_sim.py sets these answers against the best any estimate could tell.

One replay gives every waiting ticket its call time and every window the time it runs out of
work, so a new ticket's wait is the earliest of those among the windows serving its service. A
new normal ticket is the last of the hall in the calling order, so it extends the replay without
recomputing it; a check-in, a transfer or a priority ticket recomputes it at the next question,
and calls, finishes and pauses at most once every `refresh_s` (a second of hall time). A replay
nobody moved is redone once `STALE_SHARE` of the shortest handling time old (6 s in the sample
hall): busy windows may have run over.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import statistics
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .queue import (
    NORMAL,
    PRIORITY,
    Line,
    Rank,
    ServiceQueue,
    choose,
    rank,
    ranks_by_the_clock,
)
from .settings import HallSettings, Window
from .tickets import Lane, Status, Ticket, WindowState


class LiveState(Protocol):
    """What the estimator reads of the live hall (`Hall` answers all of it)."""

    @property
    def settings(self) -> HallSettings: ...

    @property
    def tickets(self) -> Mapping[str, Ticket]: ...

    @property
    def windows(self) -> Mapping[str, WindowState]: ...

    @property
    def queues(self) -> Mapping[str, ServiceQueue]: ...

    @property
    def window_queues(self) -> Mapping[str, Line]: ...

    @property
    def handling(self) -> Mapping[str, float]: ...

    def waiting(self) -> Iterable[Ticket]: ...


RECENT_CALLS = 50  # calls a service's window time is learned from: recent enough for the hour
# A replay this share of the hall's shortest handling time old is redone even if nothing moved:
# busy windows may have run over (seconds in a real hall; as fast in a compressed one)
STALE_SHARE = 0.05
REFRESH_S = 1.0  # once the hall has moved, a replay this old is redone on the next question
ASSUMED_CV = 0.5  # spread of window times until the hall has calls to learn it from
PRIOR_SPREAD = 0.2  # how far (relative sd) a day's window time may stand from its prior
PAUSE_S = 900.0  # a pause's expected length until the hall has seen one end
PAST_MIN = 5  # calls of a half hour on past days before they stand as its prior
SLOT_S = 1800  # past days' window times are kept per half hour of the day
DRAWS = 32  # evenly spread values per busy window for the expected order of finishing
STRIDE = 13  # prime to DRAWS
FUTURES = 128  # futures the next calls are played in, to tell the mean over their spread
SPREAD_MAX = 300  # waiting tickets up to which futures are played; beyond, the replay's means
_NORMAL = statistics.NormalDist()
# Evenly spread standard normal values, in orders mixed once: a lognormal's draws from them keep
# its mean closely. A ticket draws from the row of its issue order (waiting tickets rarely share
# one), a busy window's rests are mixed by an order of their own.
_SPREAD = np.random.default_rng(0).permuted(
    np.tile([_NORMAL.inv_cdf((j + 0.5) / FUTURES) for j in range(FUTURES)], (512, 1)), axis=1
)
# The standard normal's inverse on many points at once (every window's rests at every replay),
# read off a fine table: within 1e-5 of `inv_cdf` up to the 1 − 1e-12 quantile.
_Z = np.linspace(-7.5, 7.5, 30_001)
_P = np.array([_NORMAL.cdf(z) for z in _Z])
_MIXES = np.random.default_rng(1).permuted(np.tile(np.arange(FUTURES), (64, 1)), axis=1)
_ROWS = np.arange(FUTURES)


def _lognormal(mean: float, var: float) -> tuple[float, float]:
    """(μ, σ) of the lognormal with this mean and variance (both > 0)."""
    s2 = math.log1p(var / (mean * mean))
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def residual_s(mean: float, var: float, elapsed: float) -> float:
    """Expected rest of a call that has lasted `elapsed` s, its length lognormal(mean, var).

    E[T − a | T > a] in closed form: a call that has run over its mean is not about to end.
    """
    if mean <= 0:
        return 0.0
    if elapsed <= 0:
        return mean
    if var <= 0:  # every call took the same time
        return max(0.0, mean - elapsed)
    mu, s = _lognormal(mean, var)
    z = (math.log(elapsed) - mu) / s
    survive = 0.5 * math.erfc(z / math.sqrt(2))
    if survive < 1e-9:  # far in the tail: the lognormal's hazard is nearly flat there
        return elapsed * s * s / max(z * s, 1e-9)
    tail_mean = mean * 0.5 * math.erfc((z - s) / math.sqrt(2)) / survive
    return max(0.0, tail_mean - elapsed)


class _Learned:
    """Recent samples of one duration: their mean and variance (worked out once per sample:
    a replay asks for them at every call it plays)."""

    def __init__(self) -> None:
        self.samples: deque[float] = deque(maxlen=RECENT_CALLS)
        self._mean: float | None = None
        self._var: float | None = None

    def add(self, seconds: float) -> None:
        self.samples.append(max(0.0, seconds))
        self._mean = self._var = None

    def mean(self, default: float) -> float:
        if not self.samples:
            return default
        if self._mean is None:
            self._mean = sum(self.samples) / len(self.samples)
        return self._mean

    def var(self, default: float) -> float:
        n = len(self.samples)
        if n < 2:
            return (ASSUMED_CV * self.mean(default)) ** 2
        if self._var is None:
            m = self.mean(default)
            self._var = sum((x - m) ** 2 for x in self.samples) / (n - 1)
        return self._var


@dataclass
class Replay:
    """The hall played forward from `at`: seconds after `at` of every expected call."""

    at: dt.datetime
    call_s: dict[str, float] = field(default_factory=dict)  # ticket id → its call
    free_s: dict[str, float] = field(default_factory=dict)  # window → out of work (means)
    serves: dict[str, tuple[str, ...]] = field(default_factory=dict)  # window → its services
    newest: int = 0  # the highest issue order replayed: a later normal ticket comes last
    futures: Futures | None = None  # the same calls in futures drawn from the learned spreads


@dataclass
class Futures:
    """When each window calls next in each of `FUTURES` futures (futures × windows, seconds
    after the replay)."""

    next_call: np.ndarray
    columns: dict[str, int]

    def call(self, candidates: list[int], came: float, window_s: np.ndarray) -> float:
        """A ticket any of `candidates` may call, no sooner than `came`: in every future the
        first of them to be free calls it, then is busy `window_s` more. The call's mean."""
        free = self.next_call[:, candidates]
        if came > 0:
            free = np.maximum(free, came)
        first = free.argmin(axis=1)
        at = free[_ROWS, first]
        self.next_call[_ROWS, np.asarray(candidates)[first]] = at + window_s
        return float(at.sum()) / FUTURES

    def first_call(self, candidates: list[int], came: float) -> float:
        """The mean of the first call any of `candidates` could make, no sooner than `came`."""
        return float(np.maximum(self.next_call[:, candidates].min(axis=1), came).mean())


class WaitEstimator:
    """Learns how long calls keep the windows and answers the wait of any waiting ticket."""

    def __init__(self, hall: LiveState) -> None:
        self.hall = hall
        # per service: the recent calls' (half hour of the day, seconds from call to free)
        self.window_times: dict[str, deque[tuple[int, float]]] = {}
        self.turnaround = _Learned()  # window free → its next call, while someone waited
        self.reaction = _Learned()  # a citizen come to an idle window → called
        self.pauses = _Learned()  # how long windows stayed paused
        # (service, half hour of the day) → window time (mean, variance) on past days
        self.past: dict[tuple[str, int], tuple[float, float]] = {}
        self._tz: dt.tzinfo = dt.UTC
        self._calls: dict[str, tuple[dt.datetime, str]] = {}  # window → (called at, service)
        self._freed: dict[str, dt.datetime] = {}  # window → when it last became free
        self._replay: Replay | None = None
        self._moved = False
        self._weighed: dict[int, dict[str, tuple[float, float]]] = {}  # slot → window times
        self._weighed_for: HallSettings | None = None  # the services they were weighed for
        self._ratios: dict[str, tuple[list[float], float, float | None]] = {}  # see `_weigh`
        # A replay costs milliseconds in a big hall; a hall moving many times a second is told
        # waits at most this old (0: a fresh replay after every move).
        self.refresh_s = REFRESH_S

    # ----- learning from the hall's moves --------------------------------------------------------
    def called(self, window: str, ticket: Ticket, now: dt.datetime) -> None:
        freed = self._freed.get(window)
        came = ticket.queued_at
        if freed is not None and came is not None and came <= freed:
            self.turnaround.add((now - freed).total_seconds())
        elif came is not None and freed is not None:  # came to an idle window
            self.reaction.add((now - came).total_seconds())
        self._calls[window] = (now, ticket.service)
        self.moved()

    def freed(self, window: str, now: dt.datetime) -> None:
        call = self._calls.pop(window, None)
        if call is not None:
            at, service = call
            calls = self.window_times.setdefault(service, deque(maxlen=RECENT_CALLS))
            calls.append((_slot(at.astimezone(self._tz)), max(0.0, (now - at).total_seconds())))
            self._weighed.clear()
            self._ratios.pop(service, None)
        self._freed[window] = now
        self.moved()

    def learn_history(self, rows: Iterable[Mapping[str, object]], tz: dt.tzinfo) -> None:
        """Window times of past days (ticket rows as the store keeps them: first call → end of
        the call, not transferred) per service and local half hour of the call."""
        samples: dict[tuple[str, int], list[float]] = {}
        for r in rows:
            called, ended = r["first_called_at"], r["finished_at"]
            if not (called and ended) or r["transferred_from"] or r["status"] == "transferred":
                continue
            at = dt.datetime.fromisoformat(str(called))
            took = (dt.datetime.fromisoformat(str(ended)) - at).total_seconds()
            key = (str(r["service"]), _slot(at.astimezone(tz)))
            samples.setdefault(key, []).append(max(0.0, took))
        self._tz = tz
        self.past = {
            key: (statistics.fmean(xs), statistics.variance(xs))
            for key, xs in samples.items()
            if len(xs) >= PAST_MIN
        }
        self._weighed.clear()
        self._ratios.clear()
        self.moved()

    def resumed(self, paused_s: float) -> None:
        """A window called again after a pause of `paused_s`."""
        self.pauses.add(paused_s)
        self.moved()

    def moved(self) -> None:
        """The queues or the windows changed: the replay is redone once `refresh_s` old."""
        self._moved = True

    def joined(self, ticket: Ticket) -> None:
        """A ticket entered a queue: a new normal ticket extends the replay, others redo it."""
        r = self._replay
        if r is None or ticket.id in r.call_s:
            return
        if ticket.lane is not Lane.NORMAL or ticket.order <= r.newest:
            # A check-in, a transfer or a priority ticket changes the order: the others' waits
            # are replayed once the replay is `refresh_s` old, this ticket's at its question.
            self._moved = True
            return
        candidates = [w for w, services in r.serves.items() if ticket.service in services]
        if not candidates:
            self._replay = None
            return
        came = self.idle_call_s(r, ticket.queued_at or r.at)
        r.newest = ticket.order
        w = min(candidates, key=lambda w: max(r.free_s[w], came))
        r.call_s[ticket.id] = max(r.free_s[w], came)
        r.free_s[w] = r.call_s[ticket.id] + self.cost_s(ticket.service, r.at)
        if (f := r.futures) is not None:
            if len(r.call_s) > SPREAD_MAX:  # as a fresh replay of this many: the means
                r.futures = None
            else:
                columns = [f.columns[w] for w in candidates]
                r.call_s[ticket.id] = f.call(columns, came, self._draws(ticket, r.at))

    # ----- answers -------------------------------------------------------------------------------
    def window_time(self, service: str, now: dt.datetime) -> tuple[float, float]:
        """(mean, variance) of the time a call of `service` keeps a window (call → free).

        Its prior is the same half hour on past days, else the configured handling time; each
        call today is set against the prior of its own half hour (a ratio: how it ran against
        the usual). A service's mean ratio of n calls is noisy — its sampling variance is cv²/n,
        cv the calls' spread, pooled over every service (one service's calls are too few to know
        it) — and the prior stands within `PRIOR_SPREAD` of the day's truth once scaled by the
        hall's own pace today (every call's ratio, weighed the same way: a day when every call
        runs long moves every prior). Each is weighed by how much it says: ratio = pace +
        (1 − b)(the service's − pace), b = cv² ÷ (cv² + n × PRIOR_SPREAD²) — a few calls of a
        lognormal spread leave the prior nearly as it was, fifty nearly replace it, calls that
        all took the same time replace it at once.
        """
        slot = _slot(now.astimezone(self._tz))
        if self._weighed_for is not self.hall.settings:  # services changed: weighed afresh
            self._weighed, self._weighed_for, self._ratios = {}, self.hall.settings, {}
        if (times := self._weighed.get(slot)) is None:
            times = self._weighed[slot] = self._weigh(slot)
        if (known := times.get(service)) is not None:
            return known
        mean = self.hall.handling.get(service, 0.0)  # not a configured service (a reload)
        return mean, (ASSUMED_CV * mean) ** 2

    def _weigh(self, slot: int) -> dict[str, tuple[float, float]]:
        """Every configured service's window time at `slot` (see `window_time`)."""
        configured = {s.code: max(1.0, float(s.handling_s)) for s in self.hall.settings.services}

        def prior(service: str, at: int) -> tuple[float, float | None]:
            return self.past.get((service, at)) or (configured[service], None)

        # Per service: its calls as ratios to their priors, their mean and their relative
        # variance (None under two calls or at a zero mean), worked out again only once another
        # of its calls has ended (a variance of fifty ratios costs a tenth of a millisecond).
        said: dict[str, tuple[list[float], float, float | None]] = {}
        for s, calls in self.window_times.items():
            if calls and s in configured:
                if (known := self._ratios.get(s)) is None:
                    r = [x / prior(s, at)[0] for at, x in calls]
                    m = statistics.fmean(r)
                    c = statistics.variance(r, m) / m**2 if len(r) >= 2 and m > 0 else None
                    known = self._ratios[s] = r, m, c
                said[s] = known
        spread = [(len(r), c) for r, _, c in said.values() if c is not None]
        n_all = sum(n for n, _ in spread)
        cv2 = sum(n * c for n, c in spread) / n_all if n_all else ASSUMED_CV**2

        def weighed(base: float, n: int, mean: float) -> float:
            b = cv2 / (cv2 + n * PRIOR_SPREAD**2) if cv2 > 0 else 0.0
            return base + (1 - b) * (mean - base)

        every = [x for r, _, _ in said.values() for x in r]
        pace = weighed(1.0, len(every), statistics.fmean(every)) if every else 1.0
        out = {}
        for s in configured:
            usual, var = prior(s, slot)
            if (mine := said.get(s)) is not None:
                ratios, ratio, _ = mine
                mean = usual * weighed(pace, len(ratios), ratio)
                out[s] = mean, cv2 * mean * mean
            else:
                mean = usual * pace
                out[s] = mean, (cv2 * mean * mean if var is None else var * pace * pace)
        return out

    def mean_s(self, service: str, now: dt.datetime) -> float:
        """Expected time a call of `service` keeps a window (call → free)."""
        return self.window_time(service, now)[0]

    def cost_s(self, service: str, now: dt.datetime) -> float:
        return self.mean_s(service, now) + self.turnaround.mean(0.0)

    def wait_s(self, ticket: Ticket, now: dt.datetime) -> int | None:
        """Seconds until `ticket` (waiting) is expected to be called; None when no window can."""
        r = self.current(now)
        if ticket.id not in r.call_s:
            self.joined(ticket)
            r = self.current(now)
        if ticket.id not in r.call_s and ticket.status is Status.WAITING:
            part = self.replay(now, until=ticket)  # played only as far as its call, kept
            if ticket.id in part.call_s:  # until the next replay
                r.call_s[ticket.id] = part.call_s[ticket.id] + (part.at - r.at).total_seconds()
        at = r.call_s.get(ticket.id)
        return None if at is None else _whole(at - (now - r.at).total_seconds())

    def new_ticket_wait_s(self, service: str, now: dt.datetime) -> int | None:
        """The wait a ticket of `service` issued now would be told."""
        r = self.current(now)
        windows = [w for w, services in r.serves.items() if service in services]
        if not windows:
            return None
        came = self.idle_call_s(r, now)
        if r.futures is not None:
            at = r.futures.first_call([r.futures.columns[w] for w in windows], came)
        else:
            at = max(min(r.free_s[w] for w in windows), came)
        return _whole(at - (now - r.at).total_seconds())

    def idle_call_s(self, r: Replay, came: dt.datetime) -> float:
        """When a window already out of work calls a citizen who came at `came` (s after the
        replay): its clerk first has to see the newcomer."""
        return (came - r.at).total_seconds() + self.reaction.mean(0.0)

    def current(self, now: dt.datetime) -> Replay:
        """The replay the answers come from: the last one while the hall has not moved."""
        r = self._replay
        age = (now - r.at).total_seconds() if r else 0.0
        stale_s = max(self.refresh_s, STALE_SHARE * min(self.hall.handling.values(), default=0.0))
        if r is None or not 0 <= age <= stale_s or (self._moved and age >= self.refresh_s):
            r = self._replay = self.replay(now)
            self._moved = False
        return r

    def replay(self, now: dt.datetime, until: Ticket | None = None) -> Replay:
        """Play the hall forward from `now` until every waiting ticket is called (or `until`)."""
        hall = self.hall
        policy = hall.settings.policy
        grace = policy.appointment_grace_s
        queues = {code: _Walk(q, now, grace) for code, q in hall.queues.items()}
        window_queues = {w: deque(q) for w, q in hall.window_queues.items()}
        r = Replay(at=now)
        if until is None:  # (a replay played only as far as one ticket is not kept)
            r.newest = max((t.order for t in hall.waiting()), default=0)
        runs: dict[str, int] = {}
        free: list[tuple[float, int, str]] = []
        turnaround = self.turnaround.mean(0.0)
        walks: dict[str, list[_Walk]] = {}  # window → the queues it calls from
        for spec, services in self._calling_windows():
            r.serves[spec.id] = services
            runs[spec.id] = hall.windows[spec.id].priority_run
            walks[spec.id] = [queues[s] for s in services if s in queues]
        reaction = self.reaction.mean(0.0)
        calls: list[tuple[Ticket, str]] = []  # in the order the replay called them, and by whom
        costs: dict[str, float] = {}  # per service: a call's window time and the turnaround
        limited = False
        for i, (w, rest) in enumerate(self._first_free(r.serves, now).items()):
            # A busy window calls a turnaround after its call; an idle one once its clerk has
            # seen the citizens who came.
            heapq.heappush(free, (rest + turnaround if rest > 0 else reaction, i, w))
        while free:
            at_s, i, w = heapq.heappop(free)
            at = now + dt.timedelta(seconds=at_s)
            chosen = choose(
                window_queues.get(w, _NO_LINE),
                walks[w],
                at,
                grace_s=grace,
                priority_run=runs[w],
                max_priority_run=policy.priority_run,
            )
            if chosen is None:
                r.free_s[w] = at_s
                continue
            (klass, *_), t = chosen
            # At its run limit a window calls a normal ticket even when a priority one waits.
            limited = limited or (klass == NORMAL and runs[w] >= policy.priority_run)
            runs[w] = runs[w] + 1 if klass == PRIORITY else (0 if klass == NORMAL else runs[w])
            if t.lane is Lane.WINDOW:
                window_queues[w].popleft()
            else:
                queues[t.service].called(t)
            r.call_s[t.id] = at_s
            calls.append((t, w))
            if t is until:
                break
            if (cost := costs.get(t.service)) is None:
                cost = costs[t.service] = self.cost_s(t.service, now)
            heapq.heappush(free, (at_s + cost, i, w))
        if len(calls) <= SPREAD_MAX:
            # As far as one ticket, the calls before it come in the replay's order, unranked.
            r.futures = self._futures(r, now, calls, limited or until is not None)
        return r

    def _futures(
        self, r: Replay, now: dt.datetime, calls: list[tuple[Ticket, str]], limited: bool
    ) -> Futures:
        """The replay's calls played again in `FUTURES` futures (see the module's notes).

        Tickets are taken in the order the hall ranks them, each by the first window free that
        may call it — what the windows' own choices come to when each calls the first it may;
        where a window's priority run limit made it pass a priority ticket, in the replay's
        order of calls instead. Draws are seeded by the window and the ticket: the same hall
        gets the same answers, and a new ticket extending the futures gets what a fresh replay
        would tell it."""
        columns = {w: k for k, w in enumerate(r.serves)}
        turnaround = self.turnaround.mean(0.0)
        reaction = self.reaction.mean(0.0)
        next_call = np.empty((FUTURES, len(columns)))
        for w, k in columns.items():
            call = self._call_under_way(w, now)
            rest = _rest_quantiles(*call, FUTURES) if call else np.zeros(FUTURES)
            rest = np.maximum(rest, self._pause_rest_s(w, now))
            mixed = rest[_MIXES[k % len(_MIXES)]]
            next_call[:, k] = np.where(mixed > 0, mixed + turnaround, reaction)
        f = Futures(next_call, columns)
        by_service = {
            s: [columns[w] for w, services in r.serves.items() if s in services]
            for s in {t.service for t, _ in calls}
        }
        if not limited:
            by = {t.id: w for t, w in calls}
            ranked = (t for t in self._ranked(now) if t.id in by)
            calls = [(t, by[t.id]) for t in itertools.islice(ranked, len(by))]
        for t, w in calls:
            candidates = [columns[w]] if t.lane is Lane.WINDOW else by_service[t.service]
            r.call_s[t.id] = f.call(candidates, 0.0, self._draws(t, now))
        return f

    def _ranked(self, now: dt.datetime) -> Iterator[Ticket]:
        """The waiting tickets in the order a window serving everything would call them: the
        windows' own lines first, then every queue's lanes merged by the rank of their heads."""
        grace = self.hall.settings.policy.appointment_grace_s
        for line in self.hall.window_queues.values():
            yield from line
        lanes: list[Iterable[Ticket]] = []
        for q in self.hall.queues.values():
            lanes += [q.transfer, q.green, q.normal]
            lanes.append(sorted(q.appointments, key=lambda t: rank(t, now, grace)))
        yield from heapq.merge(*lanes, key=lambda t: rank(t, now, grace))

    def _draws(self, ticket: Ticket, now: dt.datetime) -> np.ndarray:
        """`FUTURES` draws of the time `ticket`'s call will keep its window until the next call,
        lognormal with the window time's mean and variance."""
        mean, var = self.window_time(ticket.service, now)
        turnaround = self.turnaround.mean(0.0)
        if mean <= 0 or var <= 0:
            return np.full(FUTURES, max(0.0, mean) + turnaround)
        mu, s = _lognormal(mean, var)
        return np.exp(mu + s * _SPREAD[ticket.order % len(_SPREAD)]) + turnaround

    def _calling_windows(self) -> Iterable[tuple[Window, tuple[str, ...]]]:
        """The windows that will call, with what each may call.

        Open and paused windows call all their services (a paused one once its pause is over).
        A service no such window serves is waited on by its configured windows as if they
        opened now (before the clerks sign in, after they leave), for that service only; a
        closed window still calls the tickets sent to it.
        """
        hall = self.hall
        specs = hall.settings.windows
        is_open = {w.id: hall.windows[w.id].status != "closed" for w in specs}
        covered = {s for w in specs if is_open[w.id] for s in w.services}
        for w in specs:
            if is_open[w.id]:
                yield w, w.services
            else:
                uncovered = tuple(s for s in w.services if s not in covered)
                if uncovered or hall.window_queues.get(w.id):
                    yield w, uncovered

    def _call_under_way(self, window: str, now: dt.datetime) -> tuple[float, float, float] | None:
        """(mean, variance, elapsed) of a window's current call; None when it is free."""
        state = self.hall.windows[window]
        if state.current is None or state.status == "closed":
            return None
        t = self.hall.tickets.get(state.current)
        if t is None or t.status not in (Status.CALLED, Status.SERVING):
            return None
        called, service = self._calls.get(window, (t.called_at or now, t.service))
        mean, var = self.window_time(service, now)
        return mean, var, (now - called).total_seconds()

    def _first_free(self, serves: dict[str, tuple[str, ...]], now: dt.datetime) -> dict[str, float]:
        """When each window is first free, in expected order statistics.

        The first of several busy windows to finish comes sooner than the soonest expected
        finish (the expected minimum is below the minimum of the expectations): windows that
        share services get the expected 1st, 2nd… finishing times of their group, in the order
        of their own expected rest.
        """
        calls = {w: self._call_under_way(w, now) for w in serves}
        out: dict[str, float] = {}
        for group in _sharing(serves):
            rests = {w: residual_s(*c) if (c := calls[w]) else 0.0 for w in group}
            busy = [c for w in group if (c := calls[w]) is not None]
            if len(busy) < 2:
                out.update(rests)
                continue
            draws = np.zeros((len(group), DRAWS))
            for i, c in enumerate(busy):
                # Paired with a stride, the windows' quantiles mix like independent draws.
                draws[i] = np.roll(_rest_quantiles(*c), -i * STRIDE)
            order = np.sort(draws, axis=0).mean(axis=1)  # the k-th to finish, in each draw
            for k, w in enumerate(sorted(group, key=lambda w: (rests[w], w))):
                out[w] = float(order[k])
        for w in serves:
            out[w] = max(out[w], self._pause_rest_s(w, now))
        return out

    def _pause_rest_s(self, window: str, now: dt.datetime) -> float:
        """How long a paused window stays paused: until the time its clerk gave, else (and
        once that is past) the expected rest of a pause as long as the day's have been."""
        state = self.hall.windows[window]
        if not state.paused or state.paused_at is None:
            return 0.0
        if state.back_at is not None and state.back_at > now:
            return (state.back_at - now).total_seconds()
        mean = self.pauses.mean(PAUSE_S)
        return residual_s(mean, self.pauses.var(mean), (now - state.paused_at).total_seconds())


class _Walk:
    """A service's waiting tickets as a replay calls them: each lane a list in its calling
    order and the index of its head, so nothing is re-sorted and a call costs O(1). A head's
    rank is worked out once, when it comes to the head, unless it changes with the clock."""

    def __init__(self, q: ServiceQueue, now: dt.datetime, grace_s: int) -> None:
        self.lanes = [list(q.transfer), list(q.green), list(q.normal)]
        self.head = [0, 0, 0]
        self.appointments = list(q.appointments)  # ranked afresh at each look, as in the hall
        self.now, self.grace_s = now, grace_s  # (a standing rank is the same at any time)
        self._standing: dict[int, tuple[Rank, Ticket]] = {}  # lane → its head, ranked
        self._by_clock: dict[int, Ticket] = {}  # lane → its head, ranked at each look
        for k in range(3):
            self._look(k)

    def _look(self, k: int) -> None:
        """Lane k has a new head."""
        lane, i = self.lanes[k], self.head[k]
        self._standing.pop(k, None)
        self._by_clock.pop(k, None)
        if i < len(lane):
            t = lane[i]
            if ranks_by_the_clock(t):
                self._by_clock[k] = t
            else:
                self._standing[k] = rank(t, self.now, self.grace_s), t

    def ranked(self, now: dt.datetime, grace_s: int) -> Iterable[tuple[Rank, Ticket]]:
        if not self._by_clock and not self.appointments:
            return self._standing.values()
        timed = [*self._by_clock.values(), *self.appointments]
        return [*self._standing.values(), *((rank(t, now, grace_s), t) for t in timed)]

    def called(self, t: Ticket) -> None:
        for k in (2, 0, 1):
            lane, i = self.lanes[k], self.head[k]
            if i < len(lane) and lane[i] is t:
                self.head[k] = i + 1
                self._look(k)
                return
        self.appointments.remove(t)


_NO_LINE: deque[Ticket] = deque()


def _rest_quantiles(mean: float, var: float, elapsed: float, n: int = DRAWS) -> np.ndarray:
    """`n` evenly spread values of a call's rest, lognormal(mean, var) given `elapsed`."""
    if var <= 0 or mean <= 0:
        return np.full(n, max(0.0, mean - elapsed))
    mu, s = _lognormal(mean, var)
    done = _NORMAL.cdf((math.log(elapsed) - mu) / s) if elapsed > 0 else 0.0
    u = np.minimum(done + (np.arange(n) + 0.5) / n * (1 - done), 1 - 1e-12)
    return np.maximum(0.0, np.exp(mu + s * np.interp(u, _P, _Z)) - elapsed)


def _sharing(serves: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Windows grouped by the same services: interchangeable for the citizens they call."""
    groups: dict[frozenset[str], list[str]] = {}
    for w, services in serves.items():
        groups.setdefault(frozenset(services), []).append(w)
    return list(groups.values())


def _slot(local: dt.datetime) -> int:
    return (local.hour * 3600 + local.minute * 60) // SLOT_S


def _whole(seconds: float) -> int:
    return max(0, math.ceil(seconds - 1e-6))
