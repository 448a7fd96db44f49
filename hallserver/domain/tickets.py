"""Tickets and windows as the hall's rules see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    NORMAL = "normal"
    APPOINTMENT = "appointment"
    GREEN = "green"


class Lane(StrEnum):
    """Where a waiting ticket sits: the order it is called in depends on it."""

    NORMAL = "normal"  # the service's FIFO line
    PRIORITY = "priority"  # green or appointment tickets of the service
    TRANSFER = "transfer"  # transferred to the service: ahead of normal tickets
    WINDOW = "window"  # transferred to one window: that window calls it first
    NONE = "none"  # not waiting


OPEN_STATUSES = (Status.CALLED, Status.SERVING)


def number_text(prefix: str, n: int, digits: int = 3) -> str:
    """A001 … A999, then A1000: at least `digits` digits, never truncated."""
    return f"{prefix}{n:0{digits}d}"


@dataclass(eq=False)  # identity: queues find and remove tickets by object, not by field values
class Ticket:
    id: str
    day: dt.date
    number: str
    service: str
    issued_at: dt.datetime
    order: int  # hall-wide issue order, breaks ties between equal times
    matter: str = ""
    channel: Channel = Channel.NORMAL
    status: Status = Status.WAITING
    lane: Lane = Lane.NORMAL
    queued_at: dt.datetime | None = None  # when it last (re)entered a queue
    called_at: dt.datetime | None = None  # the latest call
    first_called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    window: str | None = None
    target_window: str | None = None
    transferred_from: str | None = None
    recalls: int = 0
    checkins: int = 0
    id_hash: str | None = None
    holder: str = ""
    appointment: str | None = None
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None
    wait_s: int | None = None
    estimated_wait_s: int | None = None  # told at issue, to weigh against wait_s
    service_s: int = 0  # handling time accumulated over every window that served it
    score: int | None = None
    reasons: tuple[str, ...] = ()
    comment: str = ""
    device: str = ""
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        if self.queued_at is None:
            self.queued_at = self.issued_at


@dataclass
class WindowState:
    """A window's live state: who sits there, whether it calls, what it is serving."""

    id: str
    clerk: str | None = None
    clerk_name: str = ""
    opened_at: dt.datetime | None = None
    paused: bool = False
    pause_reason: str = ""
    paused_at: dt.datetime | None = None
    back_at: dt.datetime | None = None  # when the clerk said the pause would end, if they did
    current: str | None = None  # ticket id
    priority_run: int = 0  # priority calls in a row, for the anti-starvation ratio

    @property
    def status(self) -> str:
        if self.clerk is None:
            return "closed"
        return "paused" if self.paused else "open"


@dataclass
class Appointment:
    code: str
    service: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    id_hash: str | None = None
    holder: str = ""
    ticket: str | None = None  # the ticket issued for it, once used


@dataclass
class Event:
    seq: int
    type: str
    at: dt.datetime
    data: dict[str, object] = field(default_factory=dict)
