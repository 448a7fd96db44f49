"""The days a console page is asked for in its query: one day, or a period of at most a year;
a malformed or impossible one is the page's 400, in Chinese and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from aiohttp import web

MAX_DAYS = 366  # a period's days, both ends counted: a leap year at the most


def day(text: str | None, default: dt.date) -> dt.date:
    """The day `text` names (YYYY-MM-DD), `default` when it is empty or missing."""
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        raise web.HTTPBadRequest(text=f"日期格式应为 YYYY-MM-DD · Not a date: {text!r}") from None


def period(query: Mapping[str, str], today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """since…until from the query: until today and the `days` days up to it unless told."""
    until = day(query.get("until"), today)
    since = day(query.get("since"), until - dt.timedelta(days=days - 1))
    if since > until:
        raise web.HTTPBadRequest(text="开始日期晚于结束日期 · The range starts after it ends")
    if (until - since).days >= MAX_DAYS:
        raise web.HTTPBadRequest(text="至多一年 · At most one year at a time")
    return since, until
