"""Erlang C: c identical windows, Poisson arrivals, exponential handling (M/M/c).

The textbook check for the simulation and the first guess of the planner: λ = 1/min, 8 min a
call, 10 windows → a mean wait of 1.64 min; 9 windows → 5.23 min.
"""

from __future__ import annotations

import math


def wait_probability(windows: int, load: float) -> float:
    """P(a citizen waits at all): Erlang's C formula, `load` = λ × handling (in erlangs)."""
    if load <= 0:
        return 0.0
    if windows <= load:
        return 1.0
    # The Erlang B recursion, then C from B: stable for hundreds of windows.
    b = 1.0
    for k in range(1, windows + 1):
        b = load * b / (k + load * b)
    rho = load / windows
    return b / (1 - rho + rho * b)


def mean_wait_s(windows: int, rate_per_s: float, handling_s: float) -> float:
    """Mean wait in the queue; infinite when the windows cannot keep up."""
    load = rate_per_s * handling_s
    if load <= 0:
        return 0.0
    if windows <= load:
        return math.inf
    return wait_probability(windows, load) * handling_s / (windows - load)


def wait_over_probability(windows: int, rate_per_s: float, handling_s: float, t_s: float) -> float:
    """P(wait > t): the waiting ones wait exponentially with rate (c − a) / handling."""
    load = rate_per_s * handling_s
    if load <= 0:
        return 0.0
    if windows <= load:
        return 1.0
    return wait_probability(windows, load) * math.exp(-(windows - load) * t_s / handling_s)


def windows_needed(
    rate_per_s: float, handling_s: float, *, target_mean_s: float, target_p90_s: float
) -> int:
    """The fewest windows that keep the mean wait and the 90th percentile under their targets."""
    if rate_per_s <= 0:
        return 0
    c = max(1, math.floor(rate_per_s * handling_s) + 1)
    while (
        mean_wait_s(c, rate_per_s, handling_s) > target_mean_s
        or wait_over_probability(c, rate_per_s, handling_s, target_p90_s) > 0.10
    ):
        c += 1
    return c
