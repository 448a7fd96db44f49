"""A day the hall recorded, replayed by the simulation: is the model the hall?

From the event log: when each citizen came and for what (green or not), how long each call
kept its window (call → finish, 过号 or transfer), what followed a call (a transfer, a check-in
after 过号), when each window called (its clerk's sessions less its pauses) and how long its
clerk took before each call (from the window free with citizens waiting, or from a citizen
coming to the idle window). The simulation replays that with the hall's routing; the waits it
gives are set against the waits the hall measured (first call − issue).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from hallserver.domain.settings import Policy, Window

from .simulation import Arrivals, Clerks, Return, simulate_day


@dataclass(frozen=True)
class Sessions:
    """When each window called on a recorded day (s after the log's start): its clerk's
    sessions less its pauses."""

    spans: Mapping[str, tuple[tuple[float, float], ...]]

    def is_open(self, window: str, t_s: float) -> bool:
        return any(a <= t_s < b for a, b in self.spans.get(window, ()))

    def next_open_s(self, window: str, t_s: float) -> float | None:
        return next((max(a, t_s) for a, b in self.spans.get(window, ()) if b > t_s), None)

    def next_change_s(self, t_s: float) -> float | None:
        edges = self._edges
        i = bisect.bisect_right(edges, t_s)
        return edges[i] if i < len(edges) else None

    @cached_property
    def _edges(self) -> list[float]:
        edges = {x for spans in self.spans.values() for span in spans for x in span}
        return sorted(x for x in edges if math.isfinite(x))


@dataclass(frozen=True)
class RecordedDay:
    """A recorded day ready to replay, and the waits the hall measured."""

    arrivals: Arrivals
    sessions: Sessions
    clerks: Clerks
    waits_s: np.ndarray  # first call − issue; NaN: never called
    never_called: int  # citizens the hall never called (their call time is the service's mean)

    def replay(self, windows: Sequence[Window], policy: Policy, *, seed: int = 1) -> np.ndarray:
        """The simulated waits of the same citizens."""
        clerks = Clerks(self.clerks.after_free_s, self.clerks.after_arrival_s, seed)
        return simulate_day(windows, self.sessions, self.arrivals, policy, clerks)


@dataclass
class _Citizen:
    at_s: float
    service: str
    priority: bool
    holds: list[float]
    returns: list[Return]  # call_s filled in from `holds` at the end
    called_s: float | None = None
    calls: int = 0


def recorded_day(events: Iterable[Mapping[str, Any]]) -> RecordedDay:
    """The day of an event log: one day's events, their bodies as the hall stores them, in
    order of seq."""
    t0: dt.datetime | None = None
    citizens: dict[str, _Citizen] = {}
    queued: dict[str, float] = {}  # ticket → when it last (re)entered a queue
    calls: dict[str, tuple[str, float]] = {}  # window → (ticket, called at)
    free: dict[str, float] = {}  # window → since when it could call
    opened: dict[str, float] = {}  # window → start of the span under way
    spans: dict[str, list[tuple[float, float]]] = {}
    after_free: dict[str, list[float]] = {}  # window → its clerk's time to call, in order
    after_arrival: dict[tuple[str, int], float] = {}  # (ticket, call) → the first clerk's time

    def close(w: str, at: float) -> None:
        start = opened.pop(w, None)
        if start is not None:
            spans.setdefault(w, []).append((start, at))

    for e in events:
        at_dt = dt.datetime.fromisoformat(e["at"])
        t0 = t0 or at_dt
        at = (at_dt - t0).total_seconds()
        kind, data = e["type"], e["data"]
        t = data.get("ticket") or {}
        w = data.get("window")
        if kind == "ticket.issued":
            citizens[t["id"]] = _Citizen(at, t["service"], t["channel"] != "normal", [], [])
            queued[t["id"]] = at
        elif kind == "ticket.called":
            c = citizens[t["id"]]
            if c.called_s is None:
                c.called_s = at
            since, came = free.get(w, at), queued[t["id"]]
            if came <= since:
                after_free.setdefault(w, []).append(at - since)
            else:
                after_arrival[(t["id"], c.calls)] = at - came
            c.calls += 1
            calls[w] = (t["id"], at)
        elif kind in ("ticket.finished", "ticket.no_show", "ticket.transferred"):
            tid, called = calls.pop(w)
            citizens[tid].holds.append(at - called)
            free[w] = at
            if kind == "ticket.transferred":
                citizens[tid].returns.append(
                    Return(data["to_service"], math.nan, None, data.get("to_window"))
                )
                queued[tid] = at
        elif kind == "ticket.checked_in":
            citizens[t["id"]].returns.append(Return(t["service"], math.nan, at))
            queued[t["id"]] = at
        elif kind in ("window.opened", "window.resumed"):
            opened[w] = free[w] = at
        elif kind in ("window.closed", "window.paused"):
            close(w, at)
    for w in list(opened):
        close(w, math.inf)
    return _day(citizens, spans, after_free, after_arrival)


def _day(
    by_id: dict[str, _Citizen],
    spans: dict[str, list[tuple[float, float]]],
    after_free: dict[str, list[float]],
    after_arrival: dict[tuple[str, int], float],
) -> RecordedDay:
    ids = sorted(by_id, key=lambda tid: by_id[tid].at_s)
    index = {tid: i for i, tid in enumerate(ids)}
    citizens = [by_id[tid] for tid in ids]
    by_service: dict[str, list[float]] = {}
    for c in citizens:
        if c.holds:
            by_service.setdefault(c.service, []).append(c.holds[0])
    every = [h for hs in by_service.values() for h in hs]
    mean = {s: float(np.mean(hs)) for s, hs in by_service.items()}
    call_s, returns, never = [], {}, 0
    for i, c in enumerate(citizens):
        if not c.holds:
            never += 1
        call_s.append(c.holds[0] if c.holds else mean.get(c.service, float(np.mean(every or [0]))))
        # A return counts when the hall called it again: its call time is the next hold.
        later = [
            Return(r.service, h, r.at_s, r.window)
            for r, h in zip(c.returns, c.holds[1:], strict=False)
        ]
        if later:
            returns[i] = tuple(later)
    arrivals = Arrivals(
        np.array([c.at_s for c in citizens]),
        tuple(c.service for c in citizens),
        np.array([c.priority for c in citizens], dtype=bool),
        np.array(call_s),
        returns,
    )
    waits = np.array(
        [c.called_s - c.at_s if c.called_s is not None else math.nan for c in citizens]
    )
    return RecordedDay(
        arrivals,
        Sessions({w: tuple(s) for w, s in spans.items()}),
        Clerks(
            {w: np.array(x) for w, x in after_free.items()},
            {(index[tid], k): lag for (tid, k), lag in after_arrival.items()},
        ),
        waits,
        never,
    )
