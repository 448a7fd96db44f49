"""The hall: every rule about tickets, windows and queues, as pure state changes.

`Hall` does no IO and reads no clock: each command takes `now`, changes the state and records
events and the rows it touched, which the server then makes durable in one transaction.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sortedcontainers import SortedKeyList

from identity import age_on, birth_date_of, id_number_is_valid, mask_name

from ..protocol import DEVICE_STATES, EVENT_TYPES, is_bad_review
from .errors import BadRequest, ConfigRefused, Conflict, NotFound, Unprocessable
from .estimate import WaitEstimator
from .evaluation import check_evaluation
from .queue import Line, ServiceQueue, ahead_of, choose
from .settings import HallSettings
from .supervision import Supervisor
from .tickets import (
    OPEN_STATUSES,
    Appointment,
    Channel,
    Event,
    Lane,
    Status,
    Ticket,
    WindowState,
    number_text,
)
from .views import alert_view, ticket_view

MAX_PAUSE_MINUTES = 480  # a pause announced longer than a working day is a mistake


@dataclass
class Changes:
    """What one or more commands touched: events to append and rows to write."""

    events: list[Event] = field(default_factory=list)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    windows: dict[str, WindowState] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    handling: dict[str, float] = field(default_factory=dict)
    device_states: dict[str, tuple[str, str, dt.datetime]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.events
            or self.tickets
            or self.windows
            or self.appointments
            or self.counters
            or self.handling
            or self.device_states
        )


@dataclass(frozen=True)
class IssueRequest:
    service: str
    matter: str = ""
    id_number: str | None = None
    name: str = ""
    appointment: str | None = None
    channel: str | None = None
    device: str = ""
    idempotency_key: str | None = None
    staff: bool = False  # issued by hall staff (manager role): may grant the green channel


@dataclass(frozen=True)
class AppointmentRequest:
    """An appointment booked outside the hall (预约), as the booking platform sends it."""

    code: str
    service: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    id_number: str | None = None
    name: str = ""


class Hall:
    """One hall's live state and rules."""

    def __init__(
        self,
        settings: HallSettings,
        *,
        tz: dt.tzinfo,
        hash_id: Callable[[str], str],
        new_id: Callable[[], str],
    ) -> None:
        self.settings = settings
        self.tz = tz
        self._hash_id = hash_id
        self._new_id = new_id
        self.day: dt.date | None = None
        self.seq = 0
        self.order = 0
        self.tickets: dict[str, Ticket] = {}
        self.by_idem: dict[tuple[str, str], Ticket] = {}
        self.by_holder: dict[tuple[str, str], Ticket] = {}  # (id_hash, service) → waiting ticket
        self.counters: dict[str, int] = {s.code: 0 for s in settings.services}
        self.queues: dict[str, ServiceQueue] = {s.code: ServiceQueue() for s in settings.services}
        self.window_queues: dict[str, Line] = {w.id: Line() for w in settings.windows}
        # Every waiting ticket by issue time: the 电子监察 wait check reads only the oldest.
        self._by_issue = SortedKeyList(key=lambda t: (t.issued_at, t.order))
        self.windows: dict[str, WindowState] = {w.id: WindowState(w.id) for w in settings.windows}
        self.appointments: dict[str, Appointment] = {}
        self.handling: dict[str, float] = {s.code: float(s.handling_s) for s in settings.services}
        self.supervisor = Supervisor(settings.thresholds)
        self.estimator = WaitEstimator(self)
        self.changes = Changes()

    # ----- state rebuilt from the store ---------------------------------------------------------
    def restore(
        self,
        *,
        day: dt.date | None,
        seq: int,
        order: int,
        tickets: Iterable[Ticket],
        windows: Iterable[WindowState],
        appointments: Iterable[Appointment],
        counters: dict[str, int],
        handling: dict[str, float],
        alerts: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        self.day, self.seq, self.order = day, seq, order
        self.counters.update({k: v for k, v in counters.items() if k in self.counters})
        self.handling.update({k: v for k, v in handling.items() if k in self.handling})
        for w in windows:
            if w.id in self.windows:
                self.windows[w.id] = w
        for a in appointments:
            self.appointments[a.code] = a
        waiting = sorted(
            (t for t in tickets if self._keep(t)), key=lambda t: (t.queued_at, t.order)
        )
        for t in waiting:
            self.tickets[t.id] = t
            if t.idempotency_key:
                self.by_idem[(t.device, t.idempotency_key)] = t
            if t.status is Status.WAITING:
                self._enqueue(t, t.lane)
        for w in self.windows.values():
            if w.current and (w.current not in self.tickets):
                w.current = None
        self.supervisor.restore(alerts)
        self.changes = Changes()

    def _keep(self, t: Ticket) -> bool:
        return t.day == self.day or t.status in (Status.WAITING, *OPEN_STATUSES)

    # ----- helpers -------------------------------------------------------------------------------
    def take_changes(self) -> Changes:
        changes, self.changes = self.changes, Changes()
        return changes

    def _emit(self, event_type: str, now: dt.datetime, **data: object) -> Event:
        assert event_type in EVENT_TYPES, event_type  # the contract lists every event type
        self.seq += 1
        event = Event(self.seq, event_type, now, dict(data))
        self.changes.events.append(event)
        return event

    def _touch(self, *tickets: Ticket) -> None:
        for t in tickets:
            self.changes.tickets[t.id] = t

    def _touch_window(self, w: WindowState) -> None:
        self.changes.windows[w.id] = w
        self.estimator.moved()

    def local(self, now: dt.datetime) -> dt.datetime:
        return now.astimezone(self.tz)

    def begin(self, now: dt.datetime) -> None:
        """Roll the day over at local midnight: numbers restart, yesterday's queue is cancelled."""
        today = self.local(now).date()
        if self.day == today:
            return
        if self.day is not None:
            for t in [t for t in self.tickets.values() if t.status is Status.WAITING]:
                self._dequeue(t)
                t.status = Status.CANCELLED
                self._touch(t)
                self._emit(
                    "ticket.cancelled", now, ticket=ticket_view(self, t, now), reason="day_end"
                )
            for tid in [i for i, t in self.tickets.items() if not self._open_or_today(t, today)]:
                del self.tickets[tid]
            self.by_idem.clear()
        self.day = today
        for code in self.counters:
            self.counters[code] = 0
            self.changes.counters[code] = 0
        self.supervisor.new_day()

    @staticmethod
    def _open_or_today(t: Ticket, today: dt.date) -> bool:
        return t.day == today or t.status in OPEN_STATUSES

    def _service(self, code: str) -> ServiceQueue:
        if code not in self.queues:
            raise Unprocessable(f"unknown service {code!r}", code="unknown_service")
        return self.queues[code]

    def window(self, window_id: str) -> WindowState:
        if window_id not in self.windows:
            raise NotFound(f"no window {window_id!r}", code="unknown_window")
        return self.windows[window_id]

    def ticket(self, ticket_id: str) -> Ticket:
        t = self.tickets.get(ticket_id)
        if t is None:
            raise NotFound("no such ticket", code="unknown_ticket")
        return t

    def _enqueue(self, t: Ticket, lane: Lane, *, behind: int | None = None) -> None:
        t.lane = lane
        if lane is Lane.WINDOW:
            assert t.target_window is not None
            self.window_queues[t.target_window].append(t)
        else:
            self.queues[t.service].join(t, behind=behind)
        self._by_issue.add(t)
        if t.id_hash:
            self.by_holder[(t.id_hash, t.service)] = t
        self.estimator.joined(t)

    def _dequeue(self, t: Ticket) -> None:
        if t.lane is Lane.WINDOW and t.target_window is not None:
            self.window_queues[t.target_window].remove(t)
        elif t.lane is not Lane.NONE:
            self.queues[t.service].remove(t)
        if t.lane is not Lane.NONE:
            self._by_issue.remove(t)
        t.lane = Lane.NONE
        self.estimator.moved()
        if t.id_hash and self.by_holder.get((t.id_hash, t.service)) is t:
            del self.by_holder[(t.id_hash, t.service)]

    # ----- live figures ------------------------------------------------------------------------
    def wait_s(self, t: Ticket, now: dt.datetime) -> int | None:
        """Seconds until a waiting ticket is expected to be called (the estimator's replay)."""
        return self.estimator.wait_s(t, now)

    def new_ticket_wait_s(self, service: str, now: dt.datetime) -> int | None:
        """The wait a ticket of `service` issued now would be told."""
        return self.estimator.new_ticket_wait_s(service, now)

    def ahead(self, t: Ticket, now: dt.datetime) -> int:
        grace = self.settings.policy.appointment_grace_s
        if t.lane is Lane.WINDOW and t.target_window is not None:
            return self.window_queues[t.target_window].index(t)
        return ahead_of(t, self.queues[t.service], now, grace)

    def waiting_for(self, service: str) -> int:
        """Tickets of a service waiting, those transferred to one of its windows included."""
        at_windows = sum(
            1 for wq in self.window_queues.values() for t in wq if t.service == service
        )
        return len(self.queues[service]) + at_windows

    def waiting_at(self, window_id: str) -> int:
        """Tickets transferred to this one window, waiting for it."""
        return len(self.window_queues[window_id])

    def issued_for(self, device: str, idempotency_key: str) -> Ticket | None:
        """The ticket a device already got with this Idempotency-Key today, if any."""
        return self.by_idem.get((device, idempotency_key))

    # ----- citizens ------------------------------------------------------------------------------
    def issue(self, req: IssueRequest, now: dt.datetime, *, ignore_hours: bool = False) -> Ticket:
        """Give a citizen a ticket; raises when a rule forbids it."""
        self.begin(now)
        if req.idempotency_key:
            again = self.issued_for(req.device, req.idempotency_key)
            if again is not None:
                return again
        appointment = self._appointment_for(req, now) if req.appointment else None
        service_code = appointment.service if appointment else req.service
        service = self.settings.service(service_code)
        if service is None:
            raise Unprocessable(f"unknown service {service_code!r}", code="unknown_service")
        if req.matter and service.matters and req.matter not in service.matters:
            raise Unprocessable(f"unknown matter {req.matter!r}", code="unknown_matter")
        id_hash = None
        age = None
        if req.id_number:
            number = self._valid_id_number(req.id_number)
            id_hash = self._hash_id(number)
            born = birth_date_of(number)
            age = age_on(born, self.local(now).date()) if born else None
            held = self.by_holder.get((id_hash, service.code))
            if held is not None and held.status is Status.WAITING:
                raise Conflict(
                    "this ID already holds a waiting ticket for this service",
                    code="already_waiting",
                    ticket=held.id,
                )
        if appointment and appointment.id_hash and id_hash and appointment.id_hash != id_hash:
            raise Unprocessable(
                "the appointment belongs to another ID", code="appointment_mismatch"
            )
        if not ignore_hours and not self.settings.hours.is_open(self.local(now)):
            raise Conflict("the hall is not issuing tickets now", code="hall_closed")
        if service.daily_quota is not None and self.counters[service.code] >= service.daily_quota:
            raise Conflict("today's tickets for this service are all given out", code="quota_full")
        channel = self._channel(req, appointment, age)

        self.counters[service.code] += 1
        self.changes.counters[service.code] = self.counters[service.code]
        self.order += 1
        t = Ticket(
            id=self._new_id(),
            day=self.local(now).date(),
            number=number_text(service.code, self.counters[service.code], service.digits),
            service=service.code,
            matter=req.matter,
            issued_at=now,
            order=self.order,
            channel=channel,
            id_hash=id_hash or (appointment.id_hash if appointment else None),
            holder=mask_name(req.name) if req.name else (appointment.holder if appointment else ""),
            device=req.device,
            idempotency_key=req.idempotency_key,
        )
        if appointment is not None:
            t.appointment = appointment.code
            t.slot_start, t.slot_end = appointment.slot_start, appointment.slot_end
            appointment.ticket = t.id
            self.changes.appointments[appointment.code] = appointment
        self.tickets[t.id] = t
        if req.idempotency_key:
            self.by_idem[(req.device, req.idempotency_key)] = t
        self._enqueue(t, Lane.NORMAL if channel is Channel.NORMAL else Lane.PRIORITY)
        t.estimated_wait_s = self.estimator.wait_s(t, now)  # kept to compare with the real wait
        self._touch(t)
        self._emit("ticket.issued", now, ticket=ticket_view(self, t, now))
        return t

    @staticmethod
    def _valid_id_number(text: str) -> str:
        """The ID number as GB 11643 writes it (upper-case X), or 422 when its check fails."""
        number = text.strip().upper()
        if not id_number_is_valid(number):
            raise Unprocessable("ID number fails the GB 11643 check", code="invalid_id_number")
        return number

    def _appointment_for(self, req: IssueRequest, now: dt.datetime) -> Appointment:
        assert req.appointment is not None
        a = self.appointments.get(req.appointment)
        if a is None:
            raise NotFound("no such appointment", code="unknown_appointment")
        if a.ticket is not None:
            raise Conflict(
                "this appointment has already been used", code="appointment_used", ticket=a.ticket
            )
        if self.local(a.slot_start).date() != self.local(now).date():
            raise Conflict("this appointment is for another day", code="appointment_not_today")
        return a

    def _channel(
        self, req: IssueRequest, appointment: Appointment | None, age: int | None
    ) -> Channel:
        if appointment is not None:
            return Channel.APPOINTMENT
        wanted = req.channel or "normal"
        if wanted == "normal":
            return Channel.NORMAL
        if wanted == "green":
            if req.staff or (age is not None and age >= self.settings.policy.green_age):
                return Channel.GREEN
            raise Unprocessable(
                f"绿色通道 needs age {self.settings.policy.green_age}+ from the ID card "
                "or a member of staff",
                code="green_not_allowed",
            )
        if wanted == "appointment":
            raise Unprocessable(
                "an appointment ticket needs the appointment code", code="appointment_required"
            )
        raise BadRequest(f"unknown channel {wanted!r}", code="invalid_channel")

    def check_in(self, ticket_id: str, now: dt.datetime) -> Ticket:
        """A 过号 citizen comes back: waits again a few places behind the head, limited times."""
        self.begin(now)
        t = self.ticket(ticket_id)
        if t.status is not Status.NO_SHOW:
            raise Conflict("only a ticket marked no-show can check in", code="not_no_show")
        if t.checkins >= self.settings.policy.max_checkins:
            raise Conflict("this ticket has checked in too many times", code="checkin_limit")
        if t.service not in self.queues:
            raise Conflict("this ticket's service is no longer offered", code="unknown_service")
        t.checkins += 1
        t.status = Status.WAITING
        t.window = None
        t.target_window = None
        t.queued_at = now
        self._enqueue(t, Lane.NORMAL, behind=self.settings.policy.checkin_behind)
        self._touch(t)
        self._emit("ticket.checked_in", now, ticket=ticket_view(self, t, now))
        return t

    def evaluate(
        self, ticket_id: str, score: object, reasons: object, comment: object, now: dt.datetime
    ) -> Ticket:
        t = self.ticket(ticket_id)
        if t.status is not Status.DONE:
            raise Unprocessable("only a finished ticket can be rated", code="not_finished")
        if t.score is not None:
            raise Conflict("this ticket has already been rated", code="already_evaluated")
        t.score, t.reasons, t.comment = check_evaluation(score, reasons, comment)
        self._touch(t)
        self._emit(
            "ticket.evaluated",
            now,
            ticket=ticket_view(self, t, now),
            window=t.window,
            score=t.score,
            reasons=list(t.reasons),
        )
        if is_bad_review(t.score):
            self._emit(
                "hall.alert",
                now,
                kind="bad_review",
                level="red",
                window=t.window,
                ticket=ticket_view(self, t, now),
                reasons=list(t.reasons),
            )
        return t

    def add_appointment(self, req: AppointmentRequest, now: dt.datetime) -> Appointment:
        id_hash = self._hash_id(self._valid_id_number(req.id_number)) if req.id_number else None
        if req.code in self.appointments:
            raise Conflict("an appointment with this code exists", code="duplicate_code")
        if req.service not in self.queues:
            raise Unprocessable(f"unknown service {req.service!r}", code="unknown_service")
        if req.slot_end <= req.slot_start:
            raise Unprocessable("slot_end must be after slot_start", code="invalid_slot")
        a = Appointment(
            code=req.code,
            service=req.service,
            slot_start=req.slot_start,
            slot_end=req.slot_end,
            id_hash=id_hash,
            holder=mask_name(req.name) if req.name else "",
        )
        self.appointments[a.code] = a
        self.changes.appointments[a.code] = a
        return a

    def appointment(self, code: str) -> Appointment:
        a = self.appointments.get(code)
        if a is None:
            raise NotFound("no such appointment", code="unknown_appointment")
        return a

    def appointment_valid(self, a: Appointment, now: dt.datetime) -> bool:
        grace = dt.timedelta(seconds=self.settings.policy.appointment_grace_s)
        return (
            a.ticket is None
            and self.local(a.slot_start).date() == self.local(now).date()
            and now <= a.slot_end + grace
        )

    # ----- windows -------------------------------------------------------------------------------
    def sign_in(self, window_id: str, clerk: str, clerk_name: str, now: dt.datetime) -> WindowState:
        self.begin(now)
        w = self.window(window_id)
        if w.clerk == clerk:
            return w
        if w.current is not None:
            raise Conflict("finish the current ticket before another clerk signs in", code="busy")
        for other in self.windows.values():
            if other.clerk == clerk and other.id != window_id:
                raise Conflict(f"this clerk is signed in at window {other.id}", code="clerk_busy")
        w.clerk, w.clerk_name, w.opened_at = clerk, clerk_name, now
        w.paused, w.pause_reason, w.paused_at, w.priority_run = False, "", None, 0
        self._touch_window(w)
        self._emit("window.opened", now, window=w.id, clerk=clerk, clerk_name=clerk_name)
        return w

    def sign_out(self, window_id: str, now: dt.datetime) -> WindowState:
        w = self.window(window_id)
        if w.clerk is None:
            raise Conflict("no clerk is signed in at this window", code="no_clerk")
        if w.current is not None:
            raise Conflict("finish the current ticket before signing out", code="busy")
        w.clerk, w.clerk_name, w.opened_at, w.paused, w.paused_at = None, "", None, False, None
        w.back_at = None
        self.supervisor.forget_window(w.id)
        self._touch_window(w)
        self._emit("window.closed", now, window=w.id)
        return w

    def _staffed(self, window_id: str) -> WindowState:
        w = self.window(window_id)
        if w.clerk is None:
            raise Conflict("no clerk is signed in at this window", code="no_clerk")
        return w

    def _current(self, window_id: str) -> tuple[WindowState, Ticket]:
        w = self._staffed(window_id)
        if w.current is None:
            raise Conflict("this window has no current ticket", code="no_current_ticket")
        return w, self.tickets[w.current]

    def call_next(self, window_id: str, now: dt.datetime) -> Ticket | None:
        self.begin(now)
        w = self._staffed(window_id)
        if w.paused:
            raise Conflict("the window is paused", code="window_paused")
        if w.current is not None:
            raise Conflict("the current ticket is still open", code="busy", ticket=w.current)
        spec = self.settings.window(window_id)
        assert spec is not None
        policy = self.settings.policy
        chosen = choose(
            self.window_queues[window_id],
            [self.queues[s] for s in spec.services if s in self.queues],
            now,
            grace_s=policy.appointment_grace_s,
            priority_run=w.priority_run,
            max_priority_run=policy.priority_run,
        )
        if chosen is None:
            return None
        (klass, *_), t = chosen
        w.priority_run = w.priority_run + 1 if klass == 1 else (w.priority_run if klass == 0 else 0)
        self._dequeue(t)
        t.status = Status.CALLED
        t.window = window_id
        t.target_window = None
        t.called_at = now
        t.started_at = None
        t.recalls = 0
        if t.first_called_at is None:
            t.first_called_at = now
            since = t.issued_at
            if t.slot_start is not None and t.slot_start > since:
                since = t.slot_start
            t.wait_s = max(0, int((now - since).total_seconds()))
        w.current = t.id
        self.estimator.called(window_id, t, now)
        self._touch(t)
        self._touch_window(w)
        self._emit("ticket.called", now, ticket=ticket_view(self, t, now), window=window_id)
        return t

    def recall(self, window_id: str, now: dt.datetime) -> Ticket:
        """Call the current citizen again; past the recall limit the ticket becomes 过号."""
        _, t = self._current(window_id)
        if t.status is not Status.CALLED:
            raise Conflict("the citizen is already being served", code="already_started")
        if t.recalls >= self.settings.policy.max_recalls:
            return self.no_show(window_id, now)
        t.recalls += 1
        t.called_at = now
        self._touch(t)
        self._emit("ticket.recalled", now, ticket=ticket_view(self, t, now), window=window_id)
        return t

    def start(self, window_id: str, now: dt.datetime) -> Ticket:
        _, t = self._current(window_id)
        if t.status is not Status.CALLED:
            raise Conflict("the ticket is already being served", code="already_started")
        t.status = Status.SERVING
        t.started_at = now
        self._touch(t)
        self._emit("ticket.started", now, ticket=ticket_view(self, t, now), window=window_id)
        return t

    def _segment_s(self, t: Ticket, now: dt.datetime) -> int:
        began = t.started_at or t.called_at or now
        return max(0, int((now - began).total_seconds()))

    def finish(self, window_id: str, now: dt.datetime) -> Ticket:
        w, t = self._current(window_id)
        segment = self._segment_s(t, now)
        t.service_s += segment
        alpha = self.settings.policy.ewma_alpha
        self.handling[t.service] = alpha * segment + (1 - alpha) * self.handling[t.service]
        self.changes.handling[t.service] = self.handling[t.service]
        t.status = Status.DONE
        t.finished_at = now
        w.current = None
        self.estimator.freed(window_id, now)
        self.supervisor.forget_ticket(t.id)
        self._touch(t)
        self._touch_window(w)
        self._emit(
            "ticket.finished",
            now,
            ticket=ticket_view(self, t, now),
            window=window_id,
            service_s=segment,
        )
        return t

    def no_show(self, window_id: str, now: dt.datetime) -> Ticket:
        w, t = self._current(window_id)
        if t.status is not Status.CALLED:
            raise Conflict(
                "a citizen being served cannot be marked no-show", code="already_started"
            )
        t.status = Status.NO_SHOW
        t.finished_at = now
        w.current = None
        self.estimator.freed(window_id, now)
        self.supervisor.forget_ticket(t.id)
        self._touch(t)
        self._touch_window(w)
        self._emit("ticket.no_show", now, ticket=ticket_view(self, t, now), window=window_id)
        return t

    def transfer(
        self,
        window_id: str,
        now: dt.datetime,
        *,
        service: str | None = None,
        to_window: str | None = None,
    ) -> Ticket:
        """The current ticket waits again at another service or window, ahead of normal tickets."""
        if (service is None) == (to_window is None):
            raise BadRequest("give exactly one of service or window", code="invalid_transfer")
        w, t = self._current(window_id)
        if to_window is not None:
            target = self.settings.window(to_window)
            if target is None:
                raise Unprocessable(f"unknown window {to_window!r}", code="unknown_window")
            if to_window == window_id:
                raise Unprocessable("cannot transfer to the same window", code="same_window")
            new_service = t.service if t.service in target.services else target.services[0]
        else:
            assert service is not None
            self._service(service)
            new_service = service
        t.service_s += self._segment_s(t, now)
        t.transferred_from = window_id
        t.status = Status.WAITING
        t.window = None
        t.started_at = None
        t.called_at = None
        t.recalls = 0
        t.queued_at = now
        t.service = new_service
        t.target_window = to_window
        w.current = None
        self.estimator.freed(window_id, now)
        self.supervisor.forget_ticket(t.id)
        self._enqueue(t, Lane.WINDOW if to_window else Lane.TRANSFER)
        self._touch(t)
        self._touch_window(w)
        self._emit(
            "ticket.transferred",
            now,
            ticket=ticket_view(self, t, now),
            window=window_id,
            to_service=new_service,
            to_window=to_window,
        )
        return t

    def pause(
        self, window_id: str, reason: str, now: dt.datetime, minutes: int | None = None
    ) -> WindowState:
        """Stop calling; `minutes`: how long the clerk expects to be away (citizens are told
        when the window opens again, and the waits count on it)."""
        if minutes is not None and not 1 <= minutes <= MAX_PAUSE_MINUTES:
            raise BadRequest(f"minutes must be 1…{MAX_PAUSE_MINUTES}", code="invalid_field")
        w = self._staffed(window_id)
        if w.paused:
            raise Conflict("the window is already paused", code="window_paused")
        w.paused, w.pause_reason, w.paused_at = True, reason, now
        w.back_at = now + dt.timedelta(minutes=minutes) if minutes else None
        self._touch_window(w)
        back = {"back_at": w.back_at.isoformat()} if w.back_at else {}
        self._emit("window.paused", now, window=w.id, reason=reason, **back)
        return w

    def resume(self, window_id: str, now: dt.datetime) -> WindowState:
        w = self._staffed(window_id)
        if not w.paused:
            raise Conflict("the window is not paused", code="not_paused")
        if w.paused_at is not None:
            self.estimator.resumed((now - w.paused_at).total_seconds())
        w.paused, w.pause_reason, w.paused_at, w.back_at = False, "", None, None
        self.supervisor.forget_window(w.id)
        self._touch_window(w)
        self._emit("window.resumed", now, window=w.id)
        return w

    # ----- configuration -------------------------------------------------------------------------
    def reconfigure(self, settings: HallSettings, now: dt.datetime, **about: object) -> None:
        """Run on `settings` from now on (a manager's change, already valid as a config) and
        tell every terminal (hall.config_changed, with `about`: version, by, summary).
        Refused, changing nothing, as `check_reconfigure` says."""
        self.begin(now)
        self.check_reconfigure(settings)
        self._apply(settings)
        self._emit("hall.config_changed", now, **about)

    def check_reconfigure(self, settings: HallSettings) -> None:
        """ConfigRefused when `settings` would strand someone: a removed service with citizens
        waiting or at a window, a removed window with a clerk, a citizen or a transferred
        ticket; and the hall's id, time zone and city link, which terminals, the day and the
        city feed were started with, change only with a restart."""
        old = self.settings
        for key, zh, before, after in (
            ("hall.id", "大厅编号", old.id, settings.id),
            ("hall.timezone", "时区", old.timezone, settings.timezone),
            ("city.url", "市级数据库地址", old.city_url, settings.city_url),
        ):
            if before != after:
                raise ConfigRefused(
                    key,
                    f"{zh}在大厅运行中不能修改（{before!r}）：请修改配置文件并重启服务器",
                    f"cannot change while the hall runs ({before!r}): edit the file and restart",
                )
        codes = {s.code for s in settings.services}
        for i, s in enumerate(old.services):
            if s.code in codes:
                continue
            held = self.waiting_for(s.code) + sum(
                1
                for t in self.tickets.values()
                if t.service == s.code and t.status in OPEN_STATUSES
            )
            if held:
                raise ConfigRefused(
                    f"services[{i}]",
                    f"业务 {s.code} {s.name} 还有 {held} 位群众在等候或办理，办完后才能删除",
                    f"service {s.code} still has {held} citizens waiting or at a window: "
                    "remove it once they are served",
                )
        ids = {w.id for w in settings.windows}
        for i, w in enumerate(old.windows):
            state = self.windows[w.id]
            if w.id in ids or not (state.clerk or state.current or self.waiting_at(w.id)):
                continue
            raise ConfigRefused(
                f"windows[{i}]",
                f"{w.name} 有工作人员签到、正在办理或有转来的群众等候，不能删除：先关闭窗口",
                f"window {w.id} has a clerk, a citizen or transferred tickets: close it first",
            )

    def _apply(self, settings: HallSettings) -> None:
        codes = {s.code for s in settings.services}
        ids = {w.id for w in settings.windows}
        self.settings = settings
        for s in settings.services:
            self.queues.setdefault(s.code, ServiceQueue())
            self.counters.setdefault(s.code, 0)  # a service back the same day goes on counting
            self.handling.setdefault(s.code, float(s.handling_s))
        for code in [c for c in self.queues if c not in codes]:
            del self.queues[code]
        for w in settings.windows:
            self.windows.setdefault(w.id, WindowState(w.id))
            self.window_queues.setdefault(w.id, Line())
        for wid in [w for w in self.windows if w not in ids]:
            del self.windows[wid], self.window_queues[wid]
            self.supervisor.forget_window(wid)
        self.supervisor.t = settings.thresholds
        self.estimator.moved()

    # ----- devices and supervision ---------------------------------------------------------------
    def device_status(self, device: str, state: str, detail: str, now: dt.datetime) -> None:
        if state not in DEVICE_STATES:
            raise BadRequest("state must be ok, degraded or down", code="invalid_state")
        detail = detail[:500]
        self.changes.device_states[device] = (state, detail, now)
        self._emit("device.status", now, device=device, state=state, detail=detail)

    def tick(self, now: dt.datetime) -> None:
        """Periodic: roll the day, raise 电子监察 alerts for newly crossed thresholds."""
        self.begin(now)
        old = now - dt.timedelta(seconds=self.supervisor.first_wait_limit_s())
        at_windows = [(w.id, self.tickets.get(w.current or "")) for w in self.windows.values()]
        crossings = self.supervisor.check(
            now,
            waits=((t.id, t.issued_at) for t in self._by_issue.irange_key(max_key=(old, math.inf))),
            handling=[
                (t.id, window, began)
                for window, t in at_windows
                if t and t.status in OPEN_STATUSES and (began := t.started_at or t.called_at)
            ],
            pauses=[
                (w.id, w.paused_at, w.pause_reason)
                for w in self.windows.values()
                if w.paused and w.paused_at
            ],
        )
        for c in crossings:
            self._emit("hall.alert", now, **alert_view(self, c, now))

    def waiting(self) -> Iterator[Ticket]:
        """Every waiting ticket, in the order they were issued."""
        return iter(self._by_issue)
