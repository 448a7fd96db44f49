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

    def _crossed(
        self, kind: str, subject: str, seconds: float, yellow: int, red: int
    ) -> str | None:
        level = "red" if seconds >= red else "yellow" if seconds >= yellow else None
        if level is None:
            return None
        before = self.raised.get((kind, subject))
        if before == level or before == "red":
            return None
        self.raised[(kind, subject)] = level
        return level

    def check(self, hall: Hall, now: dt.datetime) -> Iterator[dict[str, object]]:
        t = self.t
        for ticket in hall.waiting():
            assert ticket.queued_at is not None
            waited = (now - ticket.issued_at).total_seconds()
            level = self._crossed("wait", ticket.id, waited, t.wait_yellow_s, t.wait_red_s)
            if level:
                yield {
                    "kind": "wait",
                    "level": level,
                    "subject": ticket.id,
                    "ticket": hall.view(ticket, now),
                    "seconds": int(waited),
                }
        for w in hall.windows.values():
            if w.current:
                ticket = hall.tickets[w.current]
                began = ticket.started_at or ticket.called_at
                if began and ticket.status in (Status.CALLED, Status.SERVING):
                    took = (now - began).total_seconds()
                    level = self._crossed(
                        "handling", ticket.id, took, t.handling_yellow_s, t.handling_red_s
                    )
                    if level:
                        yield {
                            "kind": "handling",
                            "level": level,
                            "subject": ticket.id,
                            "window": w.id,
                            "ticket": hall.view(ticket, now),
                            "seconds": int(took),
                        }
            if w.paused and w.paused_at:
                paused = (now - w.paused_at).total_seconds()
                level = self._crossed("pause", w.id, paused, t.pause_yellow_s, t.pause_red_s)
                if level:
                    yield {
                        "kind": "pause",
                        "level": level,
                        "subject": w.id,
                        "window": w.id,
                        "reason": w.pause_reason,
                        "seconds": int(paused),
                    }
