"""差评整改 (GB/T 39734): when a follow-up case is overdue, counted in working days."""

from __future__ import annotations

import datetime as dt


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days (Monday–Friday) after `start` up to and including `end`."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (start + dt.timedelta(days=weeks * 7 + i)).isoweekday() <= 5:
            count += 1
    return count


def is_overdue(opened: dt.date, today: dt.date, allowed: int) -> bool:
    """An open case is overdue once more than `allowed` working days have passed (the hall's
    [policy] bad_review_working_days, 3 by default)."""
    return working_days_between(opened, today) > allowed
