"""电子监察: flag waits, handling and pauses that cross the hall's yellow and red thresholds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .settings import Thresholds
from .tickets import Status

if TYPE_CHECKING:
    from .hall import Hall

LEVELS = ("yellow", "red")


class Supervisor:
    """Remembers which level was raised for what, so each crossing is reported once."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.t = thresholds
        self.raised: dict[tuple[str, str], str] = {}  # (kind, subject) → level

    def restore(self, raised: Iterable[tuple[str, str, str]]) -> None:
        for kind, subject, level in raised:
            self.raised[(kind, subject)] = level

    def new_day(self) -> None:
        self.raised.clear()

    def forget_ticket(self, ticket_id: str) -> None:
        for kind in ("wait", "handling"):
            self.raised.pop((kind, ticket_id), None)

    def forget_window(self, window_id: str) -> None:
        self.raised.pop(("pause", window_id), None)

    def _crossed(self, kind: str, subject: str, seconds: float) -> str | None:
        """The level newly crossed by this subject, or None when there is nothing new."""
        level = self.t.level(kind, seconds)
        before = self.raised.get((kind, subject))
        if level == "ok" or before == level or before == "red":
            return None
        self.raised[(kind, subject)] = level
        return level

    def check(self, hall: Hall, now: dt.datetime) -> Iterator[dict[str, object]]:
        for waiting in hall.waiting():
            waited = (now - waiting.issued_at).total_seconds()
            if level := self._crossed("wait", waiting.id, waited):
                yield {
                    "kind": "wait",
                    "level": level,
                    "subject": waiting.id,
                    "seconds": int(waited),
                    "ticket": hall.view(waiting, now),
                }
        for w in hall.windows.values():
            ticket = hall.tickets.get(w.current) if w.current else None
            began = ticket.started_at or ticket.called_at if ticket else None
            if ticket and began and ticket.status in (Status.CALLED, Status.SERVING):
                took = (now - began).total_seconds()
                if level := self._crossed("handling", ticket.id, took):
                    yield {
                        "kind": "handling",
                        "level": level,
                        "subject": ticket.id,
                        "seconds": int(took),
                        "window": w.id,
                        "ticket": hall.view(ticket, now),
                    }
            if w.paused and w.paused_at:
                paused = (now - w.paused_at).total_seconds()
                if level := self._crossed("pause", w.id, paused):
                    yield {
                        "kind": "pause",
                        "level": level,
                        "subject": w.id,
                        "seconds": int(paused),
                        "window": w.id,
                        "reason": w.pause_reason,
                    }
