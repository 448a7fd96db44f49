"""Today's figures counted from the hall's events, with the server's definitions (GET /stats).

`DayBook` keeps one line per ticket of the day — its service, window, status, wait, handling
time and rating — updated by the events, exactly as the server keeps its tickets table; the
figures are then counted from those lines the way GET /stats counts them: for the hall, per
window, per service, from the same code. A wait runs from the later of issue and the
appointment slot to the ticket's first call; handling time adds up over every window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from hallserver.protocol import day_figures, is_bad_review

from .hall import HallInfo
from .windows import event_ticket, parse_time, seconds_between, waiting_since

_OPEN = ("called", "serving")


@dataclass
class TicketLine:
    """One ticket of the day as the figures count it."""

    id: str
    day: str  # the hall's day of issue, YYYY-MM-DD
    service: str
    status: str
    window: str | None = None
    transferred_from: str | None = None
    wait_s: int | None = None
    service_s: int = 0
    score: int | None = None
    called_before: bool = False
    began: str | None = None  # start of the handling segment now running (started, else called)


@dataclass(frozen=True)
class DayFigures:
    """A day's figures for the hall, a window or a service: GET /stats's fields, and 差评."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    waiting: int = 0
    avg_wait_s: int | None = None
    avg_service_s: int | None = None
    evaluations: int = 0
    satisfaction_rate: float | None = None
    bad: int | None = None  # 差评 (★1–2); None where GET /stats gave the figures

    @classmethod
    def count(cls, lines: Iterable[TicketLine], satisfied_min_score: int) -> DayFigures:
        """The figures of these tickets, as the server counts them."""
        rows = [vars(t) for t in lines]
        bad = sum(1 for r in rows if r["score"] is not None and is_bad_review(r["score"]))
        return cls(**day_figures(rows, satisfied_min_score), bad=bad)

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> DayFigures:
        """The figures of a GET /stats answer (or one of its by_window / by_service entries)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stats.items() if k in known})

    def agrees_with(self, stats: Mapping[str, Any]) -> bool:
        """True when GET /stats (or one of its by_window / by_service entries) says the same."""
        return replace(DayFigures.from_stats(stats), bad=self.bad) == self


class DayBook:
    """Today's tickets, kept from the event stream (each event counted once, by its seq)."""

    def __init__(self, hall: HallInfo) -> None:
        self.hall = hall
        self.lines: dict[str, TicketLine] = {}
        self.last_seq = 0
        self.day = ""  # the latest hall day an event was seen on

    def count(self, event: Mapping[str, Any]) -> bool:
        """Take one event into the book; True when a ticket's line changed."""
        seq = int(event.get("seq") or 0)
        if seq and seq <= self.last_seq:
            return False
        self.last_seq = max(self.last_seq, seq)
        kind = str(event.get("type", ""))
        ticket = event_ticket(event)
        at = parse_time(event.get("at"))
        if not kind.startswith("ticket.") or ticket is None or at is None:
            return False
        self._forget_before(self.hall.day_of(at))
        line = self._line(kind, ticket, at)
        if kind == "ticket.called" and not line.called_before:
            line.wait_s = seconds_between(waiting_since(ticket), at)
            line.called_before = True
        if kind == "ticket.finished":
            line.service_s += int((event.get("data") or {}).get("service_s") or 0)
        elif kind == "ticket.transferred":
            line.service_s += seconds_between(parse_time(line.began), at) or 0
        line.service = str(ticket.get("service") or line.service)
        line.status = str(ticket.get("status") or line.status)
        line.window = ticket.get("window")
        line.transferred_from = ticket.get("transferred_from")
        line.score = ticket.get("score")
        line.began = ticket.get("started_at") or ticket.get("called_at")
        return True

    def _line(self, kind: str, ticket: Mapping[str, Any], at: dt.datetime) -> TicketLine:
        line = self.lines.get(ticket["id"])
        if line is None:
            issued = parse_time(ticket.get("issued_at")) or at
            line = TicketLine(
                id=ticket["id"],
                day=self.hall.day_of(issued).isoformat(),
                service=str(ticket.get("service", "")),
                status=str(ticket.get("status", "")),
                # First seen after its issue: only a first call shows it was never called.
                called_before=kind != "ticket.issued"
                and (
                    kind != "ticket.called"
                    or bool(ticket.get("transferred_from"))
                    or bool(ticket.get("checkins"))
                ),
            )
            self.lines[line.id] = line
        return line

    def _forget_before(self, day: dt.date) -> None:
        """A new day: yesterday's closed tickets leave the book; those still at a window stay."""
        key = day.isoformat()
        if key <= self.day:
            return
        self.day = key
        self.lines = {k: t for k, t in self.lines.items() if t.day >= key or t.status in _OPEN}

    def figures(
        self, day: dt.date, *, window: str | None = None, service: str | None = None
    ) -> DayFigures:
        """The day's figures for the hall, one window or one service (GET /stats's by_window,
        by_service)."""
        key = day.isoformat()
        return DayFigures.count(
            (
                t
                for t in self.lines.values()
                if t.day == key and window in (None, t.window) and service in (None, t.service)
            ),
            self.hall.satisfied_min_score,
        )

    def transferred_from(self, day: dt.date, window: str) -> int:
        """Tickets of the day last transferred away from `window`."""
        key = day.isoformat()
        return sum(1 for t in self.lines.values() if t.day == key and t.transferred_from == window)

    # ----- kept on the terminal across restarts ------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "last_seq": self.last_seq,
            "day": self.day,
            "tickets": [asdict(t) for t in self.lines.values()],
        }

    def load_json(self, data: Mapping[str, Any]) -> None:
        """What `to_json` wrote; raises ValueError or TypeError on anything else."""
        known = {f.name for f in fields(TicketLine)}
        lines = [TicketLine(**{k: v for k, v in t.items() if k in known}) for t in data["tickets"]]
        self.lines = {t.id: t for t in lines}
        self.last_seq = int(data["last_seq"])
        self.day = str(data["day"])
