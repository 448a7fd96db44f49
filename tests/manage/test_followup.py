"""差评整改 deadlines in working days."""

from __future__ import annotations

import datetime as dt

from manage.followup import is_overdue, working_days_between

FRIDAY = dt.date(2026, 11, 27)


def test_working_days_skip_the_weekend() -> None:
    assert working_days_between(FRIDAY, FRIDAY) == 0
    assert working_days_between(FRIDAY, FRIDAY + dt.timedelta(days=2)) == 0  # Sunday
    assert working_days_between(FRIDAY, FRIDAY + dt.timedelta(days=3)) == 1  # Monday
    assert working_days_between(FRIDAY, FRIDAY + dt.timedelta(days=14)) == 10


def test_a_case_is_overdue_after_the_allowed_working_days() -> None:
    wednesday = FRIDAY + dt.timedelta(days=5)
    assert not is_overdue(FRIDAY, wednesday, allowed=3)  # Mon, Tue, Wed
    assert is_overdue(FRIDAY, wednesday + dt.timedelta(days=1), allowed=3)
