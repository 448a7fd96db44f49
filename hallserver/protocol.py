"""The wire contract shared by the server and the terminals (API.md): pure constants, no IO.

Terminals import this module only; everything else in hallserver is the server's own business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

API_PREFIX = "/api/v1"
SERVICE_TYPE = "_hallq._tcp.local."  # zeroconf; TXT keys: hall, api, name
API_VERSION = "v1"

TICKET_STATUSES = ("waiting", "called", "serving", "done", "no_show", "transferred", "cancelled")
CHANNELS = ("normal", "appointment", "green")
WINDOW_STATUSES = ("closed", "open", "paused")
DEVICE_STATES = ("ok", "degraded", "down")

EVENT_TYPES = frozenset(
    (
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.transferred",
        "ticket.checked_in",
        "ticket.evaluated",
        "ticket.cancelled",  # waiting tickets left at the day's roll-over (not in API.md v1's list)
        "window.opened",
        "window.closed",
        "window.paused",
        "window.resumed",
        "device.status",
        "hall.alert",
        "hall.config_changed",  # a manager changed the hall config: terminals read GET /hall again
    )
)

# 好差评 (GB/T 39734): five levels; ★1–2 is 差评 and needs at least one reason.
BAD_REVIEW_MAX_SCORE = 2
EVALUATION_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
EVALUATION_REASONS = {
    "attitude": "态度",
    "efficiency": "效率",
    "one_time_notice": "一次告知",
    "environment": "环境",
    "other": "其他",
}


def is_bad_review(score: int) -> bool:
    """★1–2: 差评, which needs a reason and raises a 电子监察 alert."""
    return score <= BAD_REVIEW_MAX_SCORE


# The WebSocket close code the server uses for a client that lags too far behind.
WS_CLOSE_TOO_SLOW = 4000
# … and for a device whose token was revoked while it was connected (it goes back to pairing).
WS_CLOSE_REVOKED = 4001


@dataclass(frozen=True)
class Thresholds:
    """电子监察 limits in seconds, as GET /hall carries them under `thresholds`."""

    wait_yellow_s: int = 1200
    wait_red_s: int = 2400
    handling_yellow_s: int = 1200
    handling_red_s: int = 2400
    pause_yellow_s: int = 900
    pause_red_s: int = 1800

    @classmethod
    def from_hall(cls, hall: Mapping[str, Any]) -> Thresholds:
        """From a GET /hall body; unknown keys are ignored, missing ones keep the defaults."""
        given = hall.get("thresholds") or {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in given.items() if k in known})

    def level(self, kind: str, seconds: float) -> str:
        """ "ok", "yellow" or "red" for a wait, a handling time or a pause (kind)."""
        yellow, red = getattr(self, f"{kind}_yellow_s"), getattr(self, f"{kind}_red_s")
        return "red" if seconds >= red else "yellow" if seconds >= yellow else "ok"


def day_figures(tickets: Iterable[Mapping[str, Any]], satisfied_min_score: int) -> dict[str, Any]:
    """GET /stats's figures of a set of tickets, each with status, wait_s, service_s and score.

    The one definition, for the server's answer and for the terminals that count the same day
    from the event stream: a wait is the ticket's `wait_s` (issue or appointment slot, whichever
    is later, to its first call); 满意率 counts ratings at or above the hall's threshold.
    """
    rows = list(tickets)
    waits = [r["wait_s"] for r in rows if r["wait_s"] is not None]
    served = [r for r in rows if r["status"] == "done"]
    scores = [r["score"] for r in rows if r["score"] is not None]
    satisfied = sum(1 for s in scores if s >= satisfied_min_score)
    return {
        "issued": len(rows),
        "served": len(served),
        "no_show": sum(1 for r in rows if r["status"] == "no_show"),
        "waiting": sum(1 for r in rows if r["status"] == "waiting"),
        "avg_wait_s": _average(waits),
        "avg_service_s": _average([r["service_s"] for r in served]),
        "evaluations": len(scores),
        "satisfaction_rate": round(satisfied / len(scores), 4) if scores else None,
    }


def _average(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None
