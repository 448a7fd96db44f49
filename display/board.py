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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hallserver.protocol import Thresholds

FRESH_S = 15  # a call stays highlighted this long after it was made
ANNOUNCE_MAX_AGE_S = 60  # an older call (replayed after an outage) is shown but never spoken
RECENT_CALLS = 10
MAX_ALERTS = 50
SATISFIED_MIN_SCORE = 3  # 满意率 counts ★3–★5 (GB/T 39734 default)
ENDS_AT_WINDOW = {"ticket.finished", "ticket.no_show", "ticket.transferred", "ticket.cancelled"}

Now = Callable[[], dt.datetime]


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def parse_time(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class HallInfo:
    """The parts of GET /hall a display needs."""

    id: str
    name: str
    name_en: str
    notice: str
    services: dict[str, Service]
    windows: dict[str, str]  # id → name
    thresholds: Thresholds
    timezone: str = ""

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> HallInfo:
        return cls(
            id=str(body.get("id", "")),
            name=str(body.get("name", "")),
            name_en=str(body.get("name_en", "")),
            notice=str(body.get("notice", "")),
            services={
                s["code"]: Service(s["code"], s.get("name", s["code"]), s.get("name_en", ""))
                for s in body.get("services", [])
            },
            windows={w["id"]: w.get("name", w["id"]) for w in body.get("windows", [])},
            thresholds=Thresholds.from_hall(body),
            timezone=str(body.get("timezone") or ""),
        )

    def clock(self) -> Now:
        """Now in the hall's time zone (a display's own clock may be set to UTC)."""
        try:
            zone: dt.tzinfo | None = ZoneInfo(self.timezone) if self.timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None:
            return local_now
        return lambda: dt.datetime.now(zone)

    def window_name(self, window_id: str) -> str:
        return self.windows.get(window_id, f"{window_id}号窗口")


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
        self.current: dict[str, Call] = {}  # window id → the call there
        self.recent: deque[Call] = deque(maxlen=RECENT_CALLS)
        self.queues: dict[str, QueueLine] = {}

    def shows(self, service: str) -> bool:
        return not self.services or service in self.services

    def apply(self, event: Mapping[str, Any]) -> Call | None:
        """Update from one event; the Call when the event is a call or recall shown here."""
        kind = event.get("type", "")
        data = event.get("data") or {}
        ticket = data.get("ticket") or {}
        if kind in ("ticket.called", "ticket.recalled"):
            if not self.shows(ticket.get("service", "")):
                return None
            window = str(data.get("window") or ticket.get("window") or "")
            call = Call(
                ticket_id=ticket.get("id", ""),
                number=ticket.get("number", ""),
                service=ticket.get("service", ""),
                window=window,
                window_name=self.hall.window_name(window),
                at=parse_time(ticket.get("called_at")) or parse_time(event.get("at")) or self.now(),
                recall=kind == "ticket.recalled",
            )
            self.current[window] = call
            # A recall moves the number back to the top of the recent list instead of doubling it.
            for old in [c for c in self.recent if c.ticket_id == call.ticket_id]:
                self.recent.remove(old)
            self.recent.appendleft(call)
            return call
        if kind in ENDS_AT_WINDOW:
            self._end(ticket.get("id", ""))
        elif kind == "window.closed":
            self.current.pop(str(data.get("window", "")), None)
        return None

    def _end(self, ticket_id: str) -> None:
        for window, call in list(self.current.items()):
            if call.ticket_id == ticket_id:
                del self.current[window]

    def load_windows(self, windows: Iterable[Mapping[str, Any]]) -> None:
        """Rebuild the calls at the windows from GET /windows (after a reconnect)."""
        current: dict[str, Call] = {}
        for w in windows:
            ticket = w.get("current")
            if not ticket or ticket.get("status") not in ("called", "serving"):
                continue
            if not self.shows(ticket.get("service", "")):
                continue
            called = parse_time(ticket.get("called_at"))
            if called is None:
                continue
            window = str(w.get("id", ""))
            current[window] = Call(
                ticket["id"],
                ticket["number"],
                ticket["service"],
                window,
                self.hall.window_name(window),
                called,
                bool(ticket.get("recalls")),
            )
        self.current = current
        known = {c.ticket_id for c in self.recent}
        for call in sorted(current.values(), key=lambda c: c.at):
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
@dataclass
class WindowState:
    id: str
    name: str
    status: str = "closed"  # open | paused | closed
    clerk_name: str = ""
    pause_reason: str | None = None
    paused_at: dt.datetime | None = None
    current: dict[str, Any] | None = None


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


@dataclass
class DayFigures:
    """Today's figures: from GET /stats, or counted from the event stream where it is refused."""

    day: dt.date
    source: str = "events"  # "stats": exact for the whole day; "events": since `since`
    since: dt.datetime | None = None
    issued: int = 0
    served: int = 0
    no_show: int = 0
    wait_total_s: int = 0
    waits: int = 0
    evaluations: int = 0
    satisfied: int = 0
    stats_avg_wait_s: int | None = None
    stats_satisfaction: float | None = None

    @property
    def avg_wait_s(self) -> int | None:
        if self.source == "stats":
            return self.stats_avg_wait_s
        return self.wait_total_s // self.waits if self.waits else None

    @property
    def satisfaction_rate(self) -> float | None:
        if self.source == "stats":
            return self.stats_satisfaction
        return self.satisfied / self.evaluations if self.evaluations else None


class SupervisionBoard:
    """电子监察: windows, queues, today's figures and alerts, coloured by the hall's thresholds."""

    def __init__(self, hall: HallInfo, now: Now = local_now) -> None:
        self.hall = hall
        self.now = now
        self.windows: dict[str, WindowState] = {
            wid: WindowState(wid, name) for wid, name in hall.windows.items()
        }
        self.queues: dict[str, QueueLine] = {}
        self.alerts: list[Alert] = []
        start = now()
        self.figures = DayFigures(day=start.date(), since=start)

    # snapshots
    def load_windows(self, windows: Iterable[Mapping[str, Any]]) -> None:
        for w in windows:
            wid = str(w.get("id", ""))
            state = self.windows.setdefault(wid, WindowState(wid, self.hall.window_name(wid)))
            state.status = str(w.get("status", "closed"))
            state.clerk_name = str(w.get("clerk_name") or "")
            state.pause_reason = w.get("pause_reason")
            state.paused_at = parse_time(w.get("paused_at"))
            state.current = w.get("current")

    def load_queues(self, queues: Iterable[Mapping[str, Any]]) -> None:
        self.queues = _queue_lines(self.hall, queues, lambda _code: True)

    def load_stats(self, stats: Mapping[str, Any]) -> None:
        f = self.figures
        f.source, f.since = "stats", None
        f.day = dt.date.fromisoformat(str(stats.get("date", f.day.isoformat())))
        f.issued = int(stats.get("issued") or 0)
        f.served = int(stats.get("served") or 0)
        f.no_show = int(stats.get("no_show") or 0)
        f.evaluations = int(stats.get("evaluations") or 0)
        f.stats_avg_wait_s = stats.get("avg_wait_s")
        f.stats_satisfaction = stats.get("satisfaction_rate")

    # events
    def apply(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type", "")
        data = event.get("data") or {}
        at = parse_time(event.get("at")) or self.now()
        self._count(kind, data, at)
        if kind == "hall.alert":
            self._alert(int(event.get("seq", 0)), at, data)
            return
        wid = str(data.get("window") or "")
        state = self.windows.get(wid)
        ticket = data.get("ticket")
        if kind.startswith("window.") and state is not None:
            if kind == "window.opened":
                state.status, state.clerk_name = "open", str(data.get("clerk_name") or "")
            elif kind == "window.closed":
                state.status, state.clerk_name, state.current = "closed", "", None
            elif kind == "window.paused":
                state.status, state.paused_at = "paused", at
                state.pause_reason = data.get("reason")
            elif kind == "window.resumed":
                state.status, state.paused_at, state.pause_reason = "open", None, None
        elif kind in ("ticket.called", "ticket.recalled", "ticket.started") and state is not None:
            state.current = ticket
        elif kind in ENDS_AT_WINDOW and ticket:
            for s in self.windows.values():
                if s.current and s.current.get("id") == ticket.get("id"):
                    s.current = None

    def _count(self, kind: str, data: Mapping[str, Any], at: dt.datetime) -> None:
        f = self.figures
        if f.source == "stats":
            return  # GET /stats is exact; refreshed by the controller
        if at.date() != f.day:
            if at.date() < f.day:
                return
            self.figures = f = DayFigures(
                day=at.date(), since=at.replace(hour=0, minute=0, second=0, microsecond=0)
            )
        ticket = data.get("ticket") or {}
        if kind == "ticket.issued":
            f.issued += 1
        elif kind == "ticket.finished":
            f.served += 1
        elif kind == "ticket.no_show":
            f.no_show += 1
        elif kind == "ticket.called" and not ticket.get("transferred_from"):
            waited = seconds_between(
                parse_time(ticket.get("issued_at")), parse_time(ticket.get("called_at"))
            )
            if waited is not None and not ticket.get("checkins"):
                f.wait_total_s += waited
                f.waits += 1
        elif kind == "ticket.evaluated":
            score = data.get("score", ticket.get("score"))
            if isinstance(score, int):
                f.evaluations += 1
                f.satisfied += score >= SATISFIED_MIN_SCORE

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
            called = parse_time(ticket.get("called_at"))
            began = parse_time(ticket.get("started_at")) or called
            waited = seconds_between(parse_time(ticket.get("issued_at")), called)
            handling = seconds_between(began, now) if ticket else None
            paused = seconds_between(w.paused_at, now) if w.status == "paused" else None
            rows.append(
                WindowRow(
                    w.id,
                    w.name,
                    w.status,
                    w.clerk_name,
                    ticket.get("number", ""),
                    waited,
                    handling,
                    paused,
                    w.pause_reason,
                    level_of(t, "wait", waited),
                    level_of(t, "handling", handling),
                    level_of(t, "pause", paused),
                )
            )
        return sorted(rows, key=lambda r: (len(r.id), r.id))

    def queue_rows(self) -> list[QueueRow]:
        t = self.hall.thresholds
        return [QueueRow(q, level_of(t, "wait", q.longest_wait_s)) for q in self.queues.values()]
