"""The hall's configuration as typed values: what the rules need to know about one hall."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..protocol import Thresholds

__all__ = ["Thresholds"]  # the 电子监察 limits are part of the wire contract

WINDOW_KINDS = ("comprehensive", "specialized", "issuance", "help", "consultation")
DEVICE_ROLES = ("kiosk", "caller", "display", "manager")


@dataclass(frozen=True)
class Service:
    """One queue; its code is also the ticket prefix (A001)."""

    code: str
    name: str
    name_en: str = ""
    matters: tuple[str, ...] = ()
    daily_quota: int | None = None
    handling_s: int = 480
    digits: int = 3


@dataclass(frozen=True)
class Window:
    id: str
    name: str
    kind: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class Device:
    id: str
    role: str
    window: str | None = None
    name: str = ""
    services: tuple[str, ...] = ()  # what a display shows (empty: all)
    speaker: bool = False  # the display that speaks for its zone


@dataclass(frozen=True)
class Period:
    """延时服务: hours tickets are issued beyond the regular ones (a Saturday morning, the
    lunch break, a late evening), on the listed weekdays."""

    weekdays: tuple[int, ...]
    open: dt.time
    last_ticket: dt.time

    def covers(self, local: dt.datetime) -> bool:
        return local.isoweekday() in self.weekdays and self.open <= local.time() < self.last_ticket


@dataclass(frozen=True)
class Hours:
    """Opening hours: tickets are issued only between open and last_ticket on listed weekdays,
    and in the extended periods (延时服务)."""

    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekday, 1 = Monday
    open: dt.time = dt.time(9, 0)
    last_ticket: dt.time = dt.time(17, 0)
    extended: tuple[Period, ...] = ()

    def is_open(self, local: dt.datetime) -> bool:
        regular = Period(self.weekdays, self.open, self.last_ticket)
        return regular.covers(local) or any(p.covers(local) for p in self.extended)


def period_table(p: Hours | Period) -> dict[str, object]:
    """Weekdays and times as the config file and GET /hall write them ("08:30")."""
    return {
        "weekdays": list(p.weekdays),
        "open": p.open.isoformat("minutes"),
        "last_ticket": p.last_ticket.isoformat("minutes"),
    }


@dataclass(frozen=True)
class Policy:
    max_recalls: int = 2  # recalls allowed before the next one marks the citizen 过号
    checkin_behind: int = 3  # a checked-in no-show waits again this many places behind the head
    max_checkins: int = 1
    priority_run: int = 3  # at most this many priority calls in a row while normal tickets wait
    appointment_grace_s: int = 900  # late beyond this after the slot: treated as normal
    green_age: int = 70  # 绿色通道 by age read from the ID card
    satisfied_min_score: int = 3  # 满意率 counts scores at or above this
    ewma_alpha: float = 0.2
    photo_retention_days: int = 30
    kiosk_tickets_per_minute: int = 60
    bad_review_working_days: int = 3  # a 差评 case still open after this many is overdue


@dataclass(frozen=True)
class HallSettings:
    id: str
    name: str
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    devices: tuple[Device, ...] = ()
    name_en: str = ""
    timezone: str = "Asia/Shanghai"
    notice: str = ""
    hours: Hours = field(default_factory=Hours)
    policy: Policy = field(default_factory=Policy)
    thresholds: Thresholds = field(default_factory=Thresholds)
    city_url: str = ""  # [city] url: the city's PostgreSQL, fed in the background (city/feed.py)
    phone_url: str = ""  # [hall] phone_url: the ticket QR opens <phone_url>/t/<id> (phone.py)

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def window(self, window_id: str) -> Window | None:
        return next((w for w in self.windows if w.id == window_id), None)

    def device(self, device_id: str) -> Device | None:
        return next((d for d in self.devices if d.id == device_id), None)
