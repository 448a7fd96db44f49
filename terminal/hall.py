"""The hall as every terminal knows it: GET /hall, parsed once into typed data (no Qt, no IO)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hallserver.protocol import Thresholds

from .formatting import window_name

log = logging.getLogger("hallq.terminal")

# The hall config's default (GB/T 39734): 满意率 counts ★3–★5; GET /hall says what the hall uses.
DEFAULT_SATISFIED_MIN_SCORE = 3

Now = Callable[[], dt.datetime]


def hall_zone(name: str) -> dt.tzinfo:
    """The hall's time zone; the terminal's own zone when the name is missing or unknown.

    The one fallback rule: a terminal stands in its hall, so its own clock's zone is the best
    guess there is (the server always sends a zone; an old or broken one should not stop work).
    """
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r from the hall: using this terminal's own", name)
    zone = dt.datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


@dataclass(frozen=True)
class Service:
    """One service (queue) of the hall with its 事项."""

    code: str
    name: str
    name_en: str = ""
    matters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    """One window of the hall and the services it calls, in its calling order."""

    id: str
    name: str
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class HallInfo:
    """What GET /hall tells a terminal: names, services, windows, limits, the day's clock."""

    id: str
    name: str
    name_en: str
    notice: str
    zone: dt.tzinfo
    services: dict[str, Service]
    windows: dict[str, Window]
    thresholds: Thresholds
    satisfied_min_score: int = DEFAULT_SATISFIED_MIN_SCORE
    green_age: int | None = None
    phone_url: str = ""  # the ticket QR opens <phone_url>/t/<id>; empty: hallq:ticket:…

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> HallInfo:
        """From the GET /hall body; optional parts missing keep their defaults."""
        policy = body.get("policy") or {}
        return cls(
            id=str(body.get("id", "")),
            name=str(body.get("name", "")),
            name_en=str(body.get("name_en") or ""),
            notice=str(body.get("notice") or ""),
            zone=hall_zone(str(body.get("timezone") or "")),
            services={
                s["code"]: Service(
                    s["code"],
                    s.get("name") or s["code"],
                    s.get("name_en") or "",
                    tuple(s.get("matters") or ()),
                )
                for s in body.get("services", [])
            },
            windows={
                w["id"]: Window(
                    w["id"],
                    w.get("name") or "",
                    tuple(w.get("services") or ()),
                )
                for w in body.get("windows", [])
            },
            thresholds=Thresholds.from_hall(body),
            satisfied_min_score=int(
                policy.get("satisfied_min_score") or DEFAULT_SATISFIED_MIN_SCORE
            ),
            green_age=policy.get("green_age"),
            phone_url=str(body.get("phone_url") or ""),
        )

    # ----- time --------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        """Now on the hall's clock (a terminal's own clock may be set to UTC)."""
        return dt.datetime.now(self.zone)

    def day_of(self, at: dt.datetime) -> dt.date:
        """The hall's day a moment belongs to: days roll at the hall's local midnight."""
        return at.astimezone(self.zone).date()

    # ----- names -------------------------------------------------------------------------------
    def window_name(self, window_id: str) -> str:
        window = self.windows.get(window_id)
        return window_name(window_id, window.name if window else "")

    def service_name(self, code: str) -> tuple[str, str]:
        """(Chinese, English) name of a service; the code itself for an unknown one."""
        service = self.services.get(code)
        return (service.name, service.name_en) if service else (code, code)
