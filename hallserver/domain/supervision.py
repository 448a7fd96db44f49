"""电子监察: flag waits, handling and pauses that cross the hall's yellow and red thresholds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .settings import Thresholds


@dataclass(frozen=True)
class Crossing:
    """A threshold newly crossed: `subject` is the ticket (wait, handling) or the window (pause)."""

    kind: str  # wait, handling or pause
    level: str  # yellow or red
    subject: str
    seconds: int
    window: str | None = None
    reason: str = ""


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

    def first_wait_limit_s(self) -> int:
        """No wait shorter than this crosses anything: older waits are all the check needs."""
        return min(self.t.wait_yellow_s, self.t.wait_red_s)

    def _crossed(self, kind: str, subject: str, seconds: float) -> str | None:
        """The level newly crossed by this subject, or None when there is nothing new."""
        level = self.t.level(kind, seconds)
        before = self.raised.get((kind, subject))
        if level == "ok" or before == level or before == "red":
            return None
        self.raised[(kind, subject)] = level
        return level

    def check(
        self,
        now: dt.datetime,
        *,
        waits: Iterable[tuple[str, dt.datetime]],
        handling: Iterable[tuple[str, str, dt.datetime]],
        pauses: Iterable[tuple[str, dt.datetime, str]],
    ) -> list[Crossing]:
        """What crossed a threshold since the last check.

        waits: (ticket, issued at) of waiting tickets; handling: (ticket, window, called or
        started at) of the tickets at the windows; pauses: (window, paused at, reason).
        """
        out = []
        for ticket, since in waits:
            waited = (now - since).total_seconds()
            if level := self._crossed("wait", ticket, waited):
                out.append(Crossing("wait", level, ticket, int(waited)))
        for ticket, window, since in handling:
            took = (now - since).total_seconds()
            if level := self._crossed("handling", ticket, took):
                out.append(Crossing("handling", level, ticket, int(took), window))
        for window, since, reason in pauses:
            paused = (now - since).total_seconds()
            if level := self._crossed("pause", window, paused):
                out.append(Crossing("pause", level, window, int(paused), window, reason))
        return out
