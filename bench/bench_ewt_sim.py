"""The estimate against the best any estimate could be: bench_ewt's morning in simulated time.

bench_ewt plays a busy morning through the real API in real time (minutes per morning, one
run's worth of tickets). This plays the same hall — the six comprehensive windows, the service
mix, a clerk's moment before each call, the walk to the window, lognormal handling (σ = 0.5),
4% no-shows after two recalls, 3% green channel, window 2's 20-minute break (its clerk says how
long when pausing) — on the hall's own
domain model (`hallserver.domain.hall.Hall`, the code the server runs) with a simulated clock,
so dozens of mornings take seconds, and sets three answers against every ticket's real wait:

- **told**: the wait the hall told at issue (its estimator, exactly as the server runs it);
- **oracle**: the best any estimator could tell — from the hall's present (who waits, which
  window serves whom, how long each call has run, who is paused) it plays `--futures` possible
  futures with the true distributions of this morning (which no hall knows exactly) and tells
  their mean; the oracle's median is shown too (the smallest mean |error|, at a cost in bias).
  It does not know of window 2's break before it begins, as no hall would;
- **old**: people ahead in the service × configured handling ÷ open windows serving it.

The oracle's |error| is the floor of the issue's "≤ 25 % of the mean wait": what lies between it
and the told waits is the estimator's to win; what lies under it is the hall's own randomness.
Usage: .venv/bin/python bench/bench_ewt_sim.py [--mornings 12] [--hours 5] [--futures 200]
[--utilisation 0.95] [--misconfigured 1.3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import itertools
import math
import random
import statistics
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from bench_ewt import BREAK, CLERK_S, GREEN, MIX, NO_SHOW, WALK_UP_S, WINDOWS, figures
from hallkit import SAMPLE

from hallserver.config import load_config
from hallserver.domain.hall import Hall, IssueRequest

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
RECALL_S = 30.0  # a no-show: two recalls 30 s apart, 过号 30 s after the second (as bench_ewt)


@dataclass(order=True)
class Waiting:
    """A waiting citizen as the futures see them: calling order (class, issued), id, service."""

    klass: int
    issued: float
    id: str = field(compare=False)
    service: str = field(compare=False)


class Model:
    """The morning's true distributions, known to the simulation and the oracle only."""

    def __init__(self, handling: dict[str, float], serves: dict[str, str], rate: float) -> None:
        self.handling = handling
        self.serves = serves
        self.rate = rate

    def clerk_s(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(CLERK_S), 0.3)

    def call_s(self, rng: random.Random, service: str) -> tuple[bool, float, float]:
        """(came, their walk to the window, how long the call keeps the window)."""
        if rng.random() < NO_SHOW:
            return False, 0.0, 3 * RECALL_S
        walk = rng.lognormvariate(math.log(WALK_UP_S), 0.3)
        return True, walk, walk + rng.lognormvariate(math.log(self.handling[service]) - 0.125, 0.5)

    def rest_s(self, rng: random.Random, service: str, elapsed: float) -> float:
        """A call's rest given it has lasted `elapsed` (drawn from the true law, conditioned)."""
        for _ in range(10_000):
            took = self.call_s(rng, service)[2]
            if took > elapsed:
                return took - elapsed
        return 1.0

    def arrival(self, rng: random.Random) -> tuple[str, bool]:
        service = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        return service, rng.random() < GREEN


class Floor:
    """The hall as events: clerks calling, calls ending, pauses, arrivals — one timeline."""

    def __init__(
        self, model: Model, rng: random.Random, end_s: float, clerks: dict[str, random.Random]
    ) -> None:
        self.model = model
        self.rng = rng
        self.clerks = clerks  # each window's clerk's own draws (the futures': their `rng`)
        self.end_s = end_s
        self.now = 0.0
        self.events: list[tuple[float, int, str, str]] = []
        self.seq = itertools.count()
        self.waiting: list[Waiting] = []
        self.busy: dict[str, tuple[float, str]] = {}  # window → (since, service or "pause")
        self.idle: set[str] = set()
        self.breaks: dict[str, float] = {}
        self.called: dict[str, float] = {}

    def at(self, when: float, kind: str, window: str = "") -> None:
        heapq.heappush(self.events, (when, next(self.seq), kind, window))

    def pick(self, window: str) -> Waiting | None:
        mine = [w for w in self.waiting if w.service in self.model.serves[window]]
        if not mine:
            return None
        first = min(mine)
        self.waiting.remove(first)
        return first

    def arrive(self, who: Waiting) -> None:
        self.waiting.append(who)
        for w in sorted(self.idle):
            self.at(self.now + self.clerk_s(w), "call", w)
        self.idle.clear()

    def clerk_s(self, window: str) -> float:
        return self.model.clerk_s(self.clerks.get(window, self.rng))

    def next_event(self) -> tuple[str, str]:
        self.now, _, kind, window = heapq.heappop(self.events)
        return kind, window

    def copy_for_future(self, rng: random.Random) -> Floor:
        """The present with what no one can know drawn afresh: the rest of every call under
        way and the next arrival (the oracle knows a pause's true length once it has begun)."""
        f = Floor(self.model, rng, self.end_s, {})
        f.now = self.now
        f.waiting = list(self.waiting)
        f.busy = dict(self.busy)
        f.idle = set(self.idle)
        for when, _, kind, window in self.events:
            if kind == "arrive":
                f.at(self.now + rng.expovariate(self.model.rate), "arrive")
            elif kind in ("start", "recall"):  # the hall is told; the future needs no part
                continue
            elif kind == "free" and self.busy[window][1] != "pause":
                since, service = self.busy[window]
                f.at(self.now + self.model.rest_s(rng, service, self.now - since), "free", window)
            else:
                f.at(when, kind, window)
        return f

    def future_call_s(self, target: str) -> float:
        """Play this (copied) floor until `target` is called: seconds from now."""
        start = self.now
        n = itertools.count(1)
        while self.events:
            kind, window = self.next_event()
            if kind == "arrive":
                if self.now < self.end_s:
                    service, green = self.model.arrival(self.rng)
                    self.arrive(Waiting(0 if green else 1, self.now, f"f{next(n)}", service))
                    self.at(self.now + self.rng.expovariate(self.model.rate), "arrive")
            elif kind in ("free", "resume"):
                self.busy.pop(window, None)
                self.at(self.now + self.clerk_s(window), "call", window)
            elif kind == "call" and window not in self.busy:
                who = self.pick(window)
                if who is None:
                    self.idle.add(window)
                    continue
                if who.id == target:
                    return self.now - start
                self.busy[window] = (self.now, who.service)
                self.at(self.now + self.model.call_s(self.rng, who.service)[2], "free", window)
        return math.inf


def morning(seed: int, args: argparse.Namespace) -> list[tuple[str, float, float, float, float]]:
    """One morning: per ticket (service, told, oracle mean, oracle median, old, real)."""
    settings = load_config(SAMPLE)
    handling = {s.code: float(s.handling_s) * args.misconfigured for s in settings.services}
    serves = {w.id: "".join(w.services) for w in settings.windows if w.id in WINDOWS}
    mean_call = sum(MIX[s] * handling[s] for s in MIX) / sum(MIX.values())
    window_time = (1 - NO_SHOW) * (WALK_UP_S + mean_call) + NO_SHOW * 3 * RECALL_S + CLERK_S
    model = Model(handling, serves, args.utilisation * len(WINDOWS) / window_time)
    # Draws keyed as bench_ewt keys them (the arrivals, each window's clerk, each ticket's
    # citizen): the same seed plays the same morning there and here.
    rng, oracle_rng = random.Random(f"{seed}-arrivals"), random.Random(seed * 7919 + 1)
    end_s = args.hours * 3600
    floor = Floor(model, rng, end_s, {w: random.Random(f"{seed}-clerk-{w}") for w in WINDOWS})
    ids = itertools.count(1)
    hall = Hall(settings, tz=TZ, hash_id=lambda n: n, new_id=lambda: f"t{next(ids)}")
    clock = lambda: START + dt.timedelta(seconds=floor.now)  # noqa: E731
    hall.begin(clock())
    for w in WINDOWS:
        hall.sign_in(w, f"clerk-{w}", f"clerk-{w}", clock())
        floor.at(floor.clerk_s(w), "call", w)
    window, when, length = BREAK
    floor.breaks[window] = when * end_s
    floor.at(rng.expovariate(model.rate), "arrive")
    told: dict[str, tuple[str, float, float, float, float]] = {}
    issued: dict[str, float] = {}
    came: dict[str, bool] = {}
    while floor.events:
        kind, w = floor.next_event()
        now = clock()
        if kind == "arrive":
            if floor.now >= end_s:
                continue
            service, green = model.arrival(rng)
            t = hall.issue(
                IssueRequest(service=service, channel="green" if green else None, staff=green),
                now,
                ignore_hours=True,
            )
            open_ = [
                x
                for x in serves
                if service in serves[x] and floor.busy.get(x, ("", ""))[1] != "pause"
            ]
            old = hall.ahead(t, now) * handling[service] / max(1, len(open_))
            floor.arrive(Waiting(0 if green else 1, floor.now, t.id, service))
            futures = [
                floor.copy_for_future(oracle_rng).future_call_s(t.id) for _ in range(args.futures)
            ]
            told[t.id] = (
                service,
                float(t.estimated_wait_s or 0),
                statistics.fmean(futures),
                statistics.median(futures),
                old,
            )
            issued[t.id] = floor.now
            floor.at(floor.now + rng.expovariate(model.rate), "arrive")
        elif kind == "free":
            floor.busy.pop(w, None)
            if came.pop(w):
                hall.finish(w, now)
            else:
                hall.no_show(w, now)
            if floor.now >= floor.breaks.get(w, math.inf):
                del floor.breaks[w]
                hall.pause(w, "休息", now, minutes=length // 60)
                floor.busy[w] = (floor.now, "pause")
                floor.at(floor.now + length, "resume", w)
            else:
                floor.at(floor.now + floor.clerk_s(w), "call", w)
        elif kind == "resume":
            floor.busy.pop(w, None)
            hall.resume(w, now)
            floor.at(floor.now + floor.clerk_s(w), "call", w)
        elif kind == "start":
            hall.start(w, now)
        elif kind == "recall":
            hall.recall(w, now)
        elif kind == "call" and w not in floor.busy:
            t = hall.call_next(w, now)
            if t is None:
                if floor.pick(w) is not None:
                    raise AssertionError("the hall and the floor disagree on who waits")
                floor.idle.add(w)
                continue
            floor.waiting = [x for x in floor.waiting if x.id != t.id]
            floor.called[t.id] = floor.now
            floor.busy[w] = (floor.now, t.service)
            citizen = random.Random(f"{seed}-citizen-{t.number}")
            came[w], walk, took = model.call_s(citizen, t.service)
            if came[w]:
                floor.at(floor.now + walk, "start", w)
            else:
                floor.at(floor.now + RECALL_S, "recall", w)
                floor.at(floor.now + 2 * RECALL_S, "recall", w)
            floor.at(floor.now + took, "free", w)
    return [(s, *rest, floor.called[tid] - issued[tid]) for tid, (s, *rest) in told.items()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mornings", type=int, default=12, help="mornings (seeds 1…N)")
    ap.add_argument("--hours", type=float, default=5.0, help="each morning, in hall hours")
    ap.add_argument("--futures", type=int, default=200, help="the oracle's futures per ticket")
    ap.add_argument("--utilisation", type=float, default=0.95, help="offered load")
    ap.add_argument(
        "--misconfigured",
        type=float,
        default=1.0,
        help="calls truly take this times the configured handling time (the hall is not told)",
    )
    args = ap.parse_args()
    rows: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    began = time.perf_counter()
    for seed in range(1, args.mornings + 1):
        for service, *answers in morning(seed, args):
            rows[service].append(tuple(answers))
            rows["all"].append(tuple(answers))
    took = time.perf_counter() - began
    mean = statistics.fmean(r[-1] for r in rows["all"])
    print(
        f"{args.mornings} mornings of {args.hours:g} h at utilisation {args.utilisation:.2f}: "
        f"{len(rows['all'])} tickets, mean wait {mean / 60:.1f} min ({took:.0f} s, "
        f"calls {args.misconfigured:g} × the configured handling, "
        f"{args.futures} futures per ticket)"
    )
    print(
        "service  tickets  mean wait   |error| % / bias %:   told        oracle    "
        "oracle median       old"
    )
    for service in [*sorted(MIX), "all"]:
        r = rows[service]
        cells = [figures([(x[k], x[-1]) for x in r]) for k in range(4)]
        print(
            f"{service:>7}  {len(r):7d}  {statistics.fmean(x[-1] for x in r) / 60:6.1f} min  "
            + "  ".join(f"{e:9.0f} {b:+4.0f}" for e, b in cells)
        )


if __name__ == "__main__":
    main()
