"""How the terminals write times, waits and names: one rule for paper, screen and voice."""

from __future__ import annotations

import math
import re

DIGITS_ZH = "零一二三四五六七八九"


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


def window_number(window_name: str) -> str:
    """ "3号窗口" / "7号窗口 司法公证" / "3" → "3"; a name without a number stays as it is."""
    m = re.match(r"\s*(\d+)", window_name)
    return m.group(1) if m else window_name.strip()


def spoken_ticket(number: str, language: str = "zh") -> str:
    """A ticket number for a speech engine, one character at a time so that no engine reads
    "012" as twelve: "A012" → "A 零 一 二" (in English "A 0 1 2")."""
    if language == "en":
        return " ".join(number)
    return " ".join(DIGITS_ZH[int(ch)] if ch.isdigit() else ch for ch in number)
