"""A page's days from its query, the same in every console: the default period, at most a
year (a leap year's 366 days), and a clear 400 for a range that ends before it starts or a day
that is not one."""

from __future__ import annotations

import datetime as dt

import pytest
from aiohttp import web

from webshell.periods import MAX_DAYS, day, period

TODAY = dt.date(2026, 12, 2)


def test_a_period_is_the_last_days_up_to_today_unless_told() -> None:
    assert period({}, TODAY, 7) == (dt.date(2026, 11, 26), TODAY)
    assert period({"until": "2026-01-31"}, TODAY, 30) == (dt.date(2026, 1, 2), dt.date(2026, 1, 31))
    assert period({"since": "2026-12-01", "until": ""}, TODAY, 7) == (dt.date(2026, 12, 1), TODAY)


def test_a_leap_year_is_the_longest_period() -> None:
    leap = {"since": "2024-01-01", "until": "2024-12-31"}
    assert (period(leap, TODAY, 7)[1] - period(leap, TODAY, 7)[0]).days + 1 == MAX_DAYS == 366
    with pytest.raises(web.HTTPBadRequest) as longer:
        period({"since": "2024-01-01", "until": "2025-01-01"}, TODAY, 7)
    assert longer.value.text == "至多一年 · At most one year at a time"


def test_a_range_backwards_or_a_day_that_is_not_one_is_a_400_in_both_languages() -> None:
    with pytest.raises(web.HTTPBadRequest) as backwards:
        period({"since": "2026-12-02", "until": "2026-12-01"}, TODAY, 7)
    assert backwards.value.text == "开始日期晚于结束日期 · The range starts after it ends"
    for text in ("2026-02-30", "yesterday", "2026/12/01"):
        with pytest.raises(web.HTTPBadRequest) as bad:
            day(text, TODAY)
        assert bad.value.text == f"日期格式应为 YYYY-MM-DD · Not a date: {text!r}"
    assert day("", TODAY) == TODAY and day(None, TODAY) == TODAY
