"""Which ticket a window calls next: priority class, then the time the citizen has waited.

Classes: 0 transferred (to this window or its services), 1 green and appointments inside their
slot, 2 everyone else. A window calls at most `priority_run` class-1 tickets in a row while class-2
tickets wait, so the normal line never starves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .tickets import Channel, Lane, Ticket

TRANSFER, PRIORITY, NORMAL = 0, 1, 2


@dataclass
class ServiceQueue:
    """The waiting tickets of one service, in the order they are called within their class."""

    normal: list[Ticket] = field(default_factory=list)
    priority: list[Ticket] = field(default_factory=list)  # green, appointment and transfer lanes

    def __len__(self) -> int:
        return len(self.normal) + len(self.priority)

    def remove(self, ticket: Ticket) -> None:
        (self.normal if ticket.lane is Lane.NORMAL else self.priority).remove(ticket)


def ticket_class(ticket: Ticket, now: dt.datetime, grace_s: int) -> int:
    if ticket.lane in (Lane.TRANSFER, Lane.WINDOW):
        return TRANSFER
    if ticket.channel is Channel.GREEN:
        return PRIORITY
    if (
        ticket.channel is Channel.APPOINTMENT
        and ticket.slot_start is not None
        and ticket.slot_end is not None
        and ticket.slot_start <= now <= ticket.slot_end + dt.timedelta(seconds=grace_s)
    ):
        return PRIORITY
    return NORMAL


def rank(ticket: Ticket, now: dt.datetime, grace_s: int) -> tuple[int, dt.datetime, int]:
    assert ticket.queued_at is not None
    return (ticket_class(ticket, now, grace_s), ticket.queued_at, ticket.order)


def choose(
    window_queue: list[Ticket],
    queues: list[ServiceQueue],
    now: dt.datetime,
    *,
    grace_s: int,
    priority_run: int,
    max_priority_run: int,
) -> Ticket | None:
    """The ticket a window should call now, or None when none of its queues has one."""
    if window_queue:
        return window_queue[0]
    best: tuple[tuple[int, dt.datetime, int], Ticket] | None = None
    best_normal: tuple[tuple[int, dt.datetime, int], Ticket] | None = None
    for q in queues:
        heads = q.priority + q.normal[:1]
        for t in heads:
            key = rank(t, now, grace_s)
            if best is None or key < best[0]:
                best = (key, t)
            if key[0] == NORMAL and (best_normal is None or key < best_normal[0]):
                best_normal = (key, t)
    if best is None:
        return None
    if best[0][0] == PRIORITY and priority_run >= max_priority_run and best_normal is not None:
        return best_normal[1]
    return best[1]


def ahead_of(ticket: Ticket, q: ServiceQueue, now: dt.datetime, grace_s: int) -> int:
    """How many waiting tickets of the same service are called before this one."""
    mine = rank(ticket, now, grace_s)
    before = sum(1 for t in q.priority if t is not ticket and rank(t, now, grace_s) < mine)
    if ticket.lane is Lane.NORMAL:
        return before + q.normal.index(ticket)
    if mine[0] < NORMAL:
        return before
    # An appointment outside its slot waits like a normal ticket: the normal line is in time order.
    for i, t in enumerate(q.normal):
        if rank(t, now, grace_s) >= mine:
            return before + i
    return before + len(q.normal)
