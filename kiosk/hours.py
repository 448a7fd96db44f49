"""The hall's opening hours as the kiosk shows and applies them (from ``GET /hall``'s ``hours``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from terminal.i18n import Text

_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class OpeningHours:
    """Tickets are issued on `weekdays` (ISO, 1 = Monday) from `open` until `last_ticket`, in
    the hall's time zone — unless the server issues at any hour (`enforced` false: 延时服务,
    demos)."""

    weekdays: tuple[int, ...]
    open: dt.time
    last_ticket: dt.time
    timezone: zoneinfo.ZoneInfo
    enforced: bool = True
    extended: tuple[OpeningHours, ...] = ()  # 延时服务: more periods (their own `extended` empty)

    @classmethod
    def from_hall(cls, hall: dict[str, Any]) -> OpeningHours | None:
        """From the body of ``GET /hall``; None when it names no hours."""
        hours = hall.get("hours")
        if not isinstance(hours, dict):
            return None
        zone = zoneinfo.ZoneInfo(hall.get("timezone") or "UTC")

        def period(p: dict[str, Any]) -> OpeningHours:
            return cls(
                tuple(int(d) for d in p["weekdays"]),
                dt.time.fromisoformat(p["open"]),
                dt.time.fromisoformat(p["last_ticket"]),
                zone,
            )

        regular = period(hours)
        return cls(
            regular.weekdays,
            regular.open,
            regular.last_ticket,
            zone,
            bool(hours.get("enforced", True)),
            tuple(period(p) for p in hours.get("extended") or ()),
        )

    def issuing(self, now: dt.datetime) -> bool:
        """True when a ticket may be taken at `now` (an aware time)."""
        if not self.enforced:
            return True
        local = now.astimezone(self.timezone)
        regular = (
            local.isoweekday() in self.weekdays and self.open <= local.time() < self.last_ticket
        )
        return regular or any(p.issuing(now) for p in self.extended)

    def text(self) -> Text:
        """取号时间 周一至周五 09:00–17:00 / Tickets Mon–Fri 09:00–17:00, and the 延时服务
        periods after it (… 延时服务 周六 09:00–12:00 / extended hours Sat 09:00–12:00)."""
        text = Text("取号时间 {days}").format(days=self._days_and_span())
        for p in self.extended:
            text = Text("{hours}；延时服务 {more}").format(hours=text, more=p._days_and_span())
        return text

    def _days_and_span(self) -> Text:
        days = sorted(self.weekdays)
        consecutive = days == list(range(days[0], days[-1] + 1)) if days else False
        if consecutive and len(days) > 2:
            zh_days = f"周{_WEEKDAYS_ZH[days[0] - 1]}至周{_WEEKDAYS_ZH[days[-1] - 1]}"
            en_days = f"{_WEEKDAYS_EN[days[0] - 1]}–{_WEEKDAYS_EN[days[-1] - 1]}"
        else:
            zh_days = "、".join(f"周{_WEEKDAYS_ZH[d - 1]}" for d in days)
            en_days = ", ".join(_WEEKDAYS_EN[d - 1] for d in days)
        span = f"{self.open:%H:%M}–{self.last_ticket:%H:%M}"
        return Text(f"{zh_days} {span}", f"{en_days} {span}")
