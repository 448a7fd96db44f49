"""A window as the terminals follow it: one reducer from the hall's events (no Qt, no IO).

The clerk's desk, the window-facing rating screen and the wall displays all keep their windows
with `WindowState`: loaded from GET /windows, then moved on by the events of the stream, so every
screen agrees with the server and with each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .i18n import Text

Ticket = dict[str, Any]
BACK_AT = Text("预计 {time} 恢复")

# Events that put a ticket at a window, and those that take it away (data.window is the window).
OPENS_AT_WINDOW = frozenset(("ticket.called", "ticket.recalled", "ticket.started"))
ENDS_AT_WINDOW = frozenset(
    ("ticket.finished", "ticket.no_show", "ticket.transferred", "ticket.cancelled")
)


def parse_time(text: object) -> dt.datetime | None:
    """An ISO 8601 time from the wire; None for a missing or malformed one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    """Whole seconds from `start` to `end` (never negative); None when either is unknown."""
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def waiting_since(ticket: Mapping[str, Any]) -> dt.datetime | None:
    """Where a citizen's wait starts, as the server counts it: the later of issue and slot."""
    issued, slot = parse_time(ticket.get("issued_at")), parse_time(ticket.get("slot_start"))
    return max(issued, slot) if issued and slot else issued


def waited_s(ticket: Mapping[str, Any]) -> int | None:
    """How long the citizen at a window waited for its (latest) call."""
    return seconds_between(waiting_since(ticket), parse_time(ticket.get("called_at")))


def handling_s(ticket: Mapping[str, Any], now: dt.datetime) -> int | None:
    """Handling time so far: from the start, else from the call (as the server counts it)."""
    began = parse_time(ticket.get("started_at")) or parse_time(ticket.get("called_at"))
    return seconds_between(began, now)


def event_ticket(event: Mapping[str, Any]) -> Ticket | None:
    """The ticket object an event carries, if any."""
    ticket = (event.get("data") or {}).get("ticket")
    return ticket if isinstance(ticket, dict) else None


@dataclass
class WindowState:
    """One window's status, clerk, pause and current ticket, as GET /windows has them."""

    id: str
    status: str = "closed"  # closed | open | paused
    clerk: str | None = None
    clerk_name: str = ""
    pause_reason: str | None = None
    paused_at: dt.datetime | None = None
    back_at: dt.datetime | None = None  # when the clerk said the window opens again
    current: Ticket | None = None

    def load(self, view: Mapping[str, Any]) -> None:
        """A window object from GET /windows (or an answer carrying one): the whole truth."""
        self.status = str(view.get("status") or "closed")
        self.clerk = view.get("clerk")
        self.clerk_name = str(view.get("clerk_name") or "")
        self.pause_reason = view.get("pause_reason")
        self.paused_at = parse_time(view.get("paused_at"))
        self.back_at = parse_time(view.get("back_at"))
        self.current = view.get("current")

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Move on by one event of the hall's stream; True when this window changed."""
        data = event.get("data") or {}
        if data.get("window") != self.id:
            return False
        kind = event.get("type", "")
        if kind in OPENS_AT_WINDOW:
            self.current = event_ticket(event)
        elif kind in ENDS_AT_WINDOW:
            self.current = None
        elif kind == "window.opened":
            self.status, self.clerk = "open", data.get("clerk")
            self.clerk_name = str(data.get("clerk_name") or "")
            self.pause_reason, self.paused_at, self.back_at = None, None, None
        elif kind == "window.closed":
            self.status, self.clerk, self.clerk_name, self.current = "closed", None, "", None
            self.pause_reason, self.paused_at, self.back_at = None, None, None
        elif kind == "window.paused":
            self.status, self.pause_reason = "paused", str(data.get("reason") or "")
            self.paused_at = parse_time(event.get("at"))
            self.back_at = parse_time(data.get("back_at"))
        elif kind == "window.resumed":
            self.status, self.pause_reason, self.paused_at, self.back_at = "open", None, None, None
        else:
            return False
        return True

    def back(self) -> Text | None:
        """预计 13:30 恢复 · Back at 13:30 — when a paused window's clerk said they would be
        back (the hall writes its times in its own zone); None when they did not say."""
        if self.status != "paused" or self.back_at is None:
            return None
        return BACK_AT.format(time=self.back_at.strftime("%H:%M"))

    @property
    def signed_in(self) -> bool:
        return self.status != "closed"

    def current_status(self) -> str | None:
        """The current ticket's status (called or serving), None when nobody is at the window."""
        return self.current.get("status") if self.current else None
