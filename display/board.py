"""What the wall displays show, as plain Python fed with events and snapshots (no Qt, no IO).

`CallBoard` is the hall mode (citizens): calls at the windows, the last calls, the queues.
`SupervisionBoard` is 电子监察 (managers): every window with its times coloured by the hall's
thresholds, queues with their longest wait, today's figures, alerts until acknowledged.
Both keep only bounded state (per window, per service, fixed-length lists): a display runs for
weeks.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hallserver.protocol import Thresholds
from terminal.figures import DayBook, DayFigures
from terminal.hall import HallInfo, Service
from terminal.i18n import Text
from terminal.windows import (
    WindowState,
    handling_s,
    parse_time,
    seconds_between,
    waited_s,
)

FRESH_S = 15  # a call stays highlighted this long after it was made
ANNOUNCE_MAX_AGE_S = 60  # an older call (replayed after an outage) is shown but never spoken
RECENT_CALLS = 10
MAX_ALERTS = 50

Now = Callable[[], dt.datetime]


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def level_of(thresholds: Thresholds, kind: str, seconds: int | None) -> str:
    """ "ok", "yellow" or "red" for a wait, handling time or pause; "ok" when there is none."""
    return "ok" if seconds is None else thresholds.level(kind, seconds)


def worst(*levels: str) -> str:
    order = ("ok", "yellow", "red")
    return max(levels, key=order.index, default="ok")


@dataclass(frozen=True)
class Call:
    """A number called to a window."""

    ticket_id: str
    number: str
    service: str
    window: str
    window_name: str
    at: dt.datetime
    recall: bool = False


@dataclass(frozen=True)
class QueueLine:
    service: Service
    waiting: int
    estimated_wait_s: int | None
    longest_wait_s: int | None


def _queue_lines(
    hall: HallInfo, queues: Iterable[Mapping[str, Any]], shown: Callable[[str], bool]
) -> dict[str, QueueLine]:
    lines = {}
    for q in queues:
        code = str(q.get("service", ""))
        if code not in hall.services or not shown(code):
            continue
        lines[code] = QueueLine(
            hall.services[code],
            int(q.get("waiting") or 0),
            q.get("estimated_wait_s"),
            q.get("longest_wait_s"),
        )
    return dict(sorted(lines.items()))


# ----- hall mode -------------------------------------------------------------------------------
class CallBoard:
    """Calls now at the windows, the last calls and the queues, for the services shown here.

    `services` comes from the display's device config (GET /devices/me); empty means all.
    """

    def __init__(self, hall: HallInfo, services: Iterable[str] = (), now: Now = local_now) -> None:
        self.hall = hall
        self.services = frozenset(services)
        self.now = now
        self.windows: dict[str, WindowState] = {wid: WindowState(wid) for wid in hall.windows}
        self.recent: deque[Call] = deque(maxlen=RECENT_CALLS)
        self.queues: dict[str, QueueLine] = {}

    def shows(self, service: str) -> bool:
        return not self.services or service in self.services

    def _call(self, window: str, ticket: Mapping[str, Any] | None) -> Call | None:
        """The call a window's current ticket makes on this board (None: nothing shown)."""
        if not ticket or ticket.get("status") not in ("called", "serving"):
            return None
        if not self.shows(str(ticket.get("service", ""))):
            return None
        called = parse_time(ticket.get("called_at"))
        if called is None:
            return None
        return Call(
            ticket_id=str(ticket.get("id", "")),
            number=str(ticket.get("number", "")),
            service=str(ticket.get("service", "")),
            window=window,
            window_name=self.hall.window_name(window),
            at=called,
            recall=bool(ticket.get("recalls")),
        )

    @property
    def current(self) -> dict[str, Call]:
        """Window id → the call there."""
        calls = {wid: self._call(wid, w.current) for wid, w in self.windows.items()}
        return {wid: call for wid, call in calls.items() if call is not None}

    def apply(self, event: Mapping[str, Any]) -> Call | None:
        """Update from one event; the Call when the event is a call or recall shown here."""
        window = str((event.get("data") or {}).get("window") or "")
        state = self.windows.setdefault(window, WindowState(window)) if window else None
        if state is None or not state.apply(event):
            return None
        if event.get("type") not in ("ticket.called", "ticket.recalled"):
            return None
        call = self._call(window, state.current)
        if call is not None:
            self._remember(call)
        return call

    def _remember(self, call: Call) -> None:
        # A recall moves the number back to the top of the recent list instead of doubling it.
        for old in [c for c in self.recent if c.ticket_id == call.ticket_id]:
            self.recent.remove(old)
        self.recent.appendleft(call)

    def load_windows(self, windows: Iterable[Mapping[str, Any]]) -> None:
        """Rebuild the calls at the windows from GET /windows (after a reconnect)."""
        for w in windows:
            wid = str(w.get("id", ""))
            self.windows.setdefault(wid, WindowState(wid)).load(w)
        known = {c.ticket_id for c in self.recent}
        for call in sorted(self.current.values(), key=lambda c: c.at):
            if call.ticket_id not in known:
                self.recent.appendleft(call)

    def load_queues(self, queues: Iterable[Mapping[str, Any]]) -> None:
        self.queues = _queue_lines(self.hall, queues, self.shows)

    def current_calls(self) -> list[Call]:
        """Newest first."""
        return sorted(self.current.values(), key=lambda c: c.at, reverse=True)

    def is_fresh(self, call: Call) -> bool:
        return (self.now() - call.at).total_seconds() < FRESH_S

    def worth_announcing(self, call: Call) -> bool:
        """Recent enough to say aloud (a call replayed after an outage is old news)."""
        return (self.now() - call.at).total_seconds() < ANNOUNCE_MAX_AGE_S


# ----- supervision mode ------------------------------------------------------------------------
@dataclass(frozen=True)
class WindowRow:
    """One window as the supervision screen shows it, times and levels computed for now."""

    id: str
    name: str
    status: str
    clerk_name: str
    number: str
    waited_s: int | None
    handling_s: int | None
    paused_s: int | None
    pause_reason: str | None
    back: Text | None  # when the clerk said the paused window opens again
    wait_level: str
    handling_level: str
    pause_level: str

    @property
    def level(self) -> str:
        return worst(self.wait_level, self.handling_level, self.pause_level)


@dataclass(frozen=True)
class QueueRow:
    line: QueueLine
    level: str


@dataclass
class Alert:
    """A hall.alert event, listed until a manager acknowledges it on the screen."""

    seq: int
    at: dt.datetime
    kind: str  # wait | handling | pause | bad_review
    level: str  # yellow | red
    window: str | None
    number: str
    seconds: int | None
    reasons: list[str]
    acknowledged: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.number or self.window or str(self.seq))


@dataclass(frozen=True)
class TodayFigures:
    """Today's figures as shown: GET /stats (the whole day) or, where it is refused, the day book
    counted from the events since this display started."""

    day: dt.date
    figures: DayFigures
    since: dt.datetime | None = None  # None: the whole day (GET /stats)


class SupervisionBoard:
    """电子监察: windows, queues, today's figures and alerts, coloured by the hall's thresholds."""

    def __init__(self, hall: HallInfo, now: Now = local_now) -> None:
        self.hall = hall
        self.now = now
        self.windows: dict[str, WindowState] = {wid: WindowState(wid) for wid in hall.windows}
        self.queues: dict[str, QueueLine] = {}
        self.alerts: list[Alert] = []
        self.book = DayBook(hall)
        self.started = now()
        self.stats: TodayFigures | None = None

    # snapshots
    def load_windows(self, windows: Iterable[Mapping[str, Any]]) -> None:
        for w in windows:
            wid = str(w.get("id", ""))
            self.windows.setdefault(wid, WindowState(wid)).load(w)

    def load_queues(self, queues: Iterable[Mapping[str, Any]]) -> None:
        self.queues = _queue_lines(self.hall, queues, lambda _code: True)

    def load_stats(self, stats: Mapping[str, Any]) -> None:
        """GET /stats: exact for the whole day, shown instead of the events' count."""
        day = dt.date.fromisoformat(str(stats["date"]))
        self.stats = TodayFigures(day, DayFigures.from_stats(stats))

    @property
    def figures(self) -> TodayFigures:
        today = self.hall.day_of(self.now())
        if self.stats is not None and self.stats.day == today:
            return self.stats
        midnight = dt.datetime.combine(today, dt.time(), self.hall.zone)
        return TodayFigures(today, self.book.figures(today), max(self.started, midnight))

    # events
    def apply(self, event: Mapping[str, Any]) -> None:
        self.book.count(event)
        if event.get("type") == "hall.alert":
            at = parse_time(event.get("at")) or self.now()
            self._alert(int(event.get("seq", 0)), at, event.get("data") or {})
            return
        for state in self.windows.values():
            state.apply(event)

    def _alert(self, seq: int, at: dt.datetime, data: Mapping[str, Any]) -> None:
        ticket = data.get("ticket") or {}
        alert = Alert(
            seq=seq,
            at=at,
            kind=str(data.get("kind", "")),
            level=str(data.get("level", "yellow")),
            window=data.get("window") or ticket.get("window"),
            number=ticket.get("number", ""),
            seconds=data.get("seconds"),
            reasons=list(data.get("reasons") or []),
        )
        # Yellow turning red replaces its own unacknowledged entry rather than adding a second.
        self.alerts = [a for a in self.alerts if a.acknowledged or a.key != alert.key]
        self.alerts.insert(0, alert)
        if len(self.alerts) > MAX_ALERTS:
            done = [a for a in self.alerts if a.acknowledged]
            drop = done[-1] if done else self.alerts[-1]
            self.alerts.remove(drop)

    def acknowledge(self, seq: int) -> None:
        """A manager has seen the alert: it leaves the list."""
        for a in self.alerts:
            if a.seq == seq:
                a.acknowledged = True
        self.alerts = [a for a in self.alerts if not a.acknowledged]

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if not a.acknowledged]

    # rows for the view
    def window_rows(self) -> list[WindowRow]:
        now = self.now()
        t = self.hall.thresholds
        rows = []
        for w in self.windows.values():
            ticket = w.current or {}
            waited = waited_s(ticket)
            handling = handling_s(ticket, now)
            paused = seconds_between(w.paused_at, now) if w.status == "paused" else None
            rows.append(
                WindowRow(
                    w.id,
                    self.hall.window_name(w.id),
                    w.status,
                    w.clerk_name,
                    ticket.get("number", ""),
                    waited,
                    handling,
                    paused,
                    w.pause_reason,
                    w.back(),
                    level_of(t, "wait", waited),
                    level_of(t, "handling", handling),
                    level_of(t, "pause", paused),
                )
            )
        return sorted(rows, key=lambda r: (len(r.id), r.id))

    def queue_rows(self) -> list[QueueRow]:
        t = self.hall.thresholds
        return [QueueRow(q, level_of(t, "wait", q.longest_wait_s)) for q in self.queues.values()]
