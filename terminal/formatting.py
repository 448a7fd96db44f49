"""How the terminals write times, waits and names: one rule for paper, screen and voice."""

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


def duration_text(seconds: float | None) -> str:
    """ "12:05" for a time running at a window (minutes and seconds), "1:02:05" past an hour."""
    if seconds is None:
        return "—"
    h, rest = divmod(max(0, int(seconds)), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def window_name(window_id: str, name: str = "") -> str:
    """A window's name, "7号窗口" when the hall gives none."""
    return name or f"{window_id}号窗口"
