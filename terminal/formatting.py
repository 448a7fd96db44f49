"""How the terminals write times and waits: one rule for paper, screen and voice."""

from __future__ import annotations

import math


def wait_minutes(seconds: float) -> int:
    """Whole minutes of an estimated wait, rounded up: a citizen is never told too little."""
    return max(0, math.ceil(seconds / 60))


def wait_text(seconds: float | None) -> str:
    """ "约 15 分钟" for an estimated wait, "即到" for none, "—" when unknown."""
    if seconds is None:
        return "—"
    minutes = wait_minutes(seconds)
    return f"约 {minutes} 分钟" if minutes else "即到"
