"""Which ticket a window calls next: priority class, then the time the citizen has waited.

Classes: 0 transferred (to this window or its services), 1 green and appointments inside their
slot, 2 everyone else. A window calls at most `priority_run` class-1 tickets in a row while class-2
tickets wait, so the normal line never starves.

Every lane is an order-statistic list (sortedcontainers): a ticket's place, the number ahead of it
and its removal cost O(log n) however long the queue. Appointment tickets are the exception: their
class changes with the clock (inside their slot or not), so their lane is ranked afresh at each
look — it holds as many tickets as the service has booked slots, not as many as are waiting.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Protocol

from sortedcontainers import SortedKeyList

from .tickets import Channel, Lane, Ticket

TRANSFER, PRIORITY, NORMAL = 0, 1, 2

Rank = tuple[int, dt.datetime, int]


def waited_key(ticket: Ticket) -> tuple[dt.datetime, int]:
    """Who has waited longer: the time it (re)entered a queue, then the hall-wide issue order."""
    assert ticket.queued_at is not None
    return ticket.queued_at, ticket.order


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


def rank(ticket: Ticket, now: dt.datetime, grace_s: int) -> Rank:
    return (ticket_class(ticket, now, grace_s), *waited_key(ticket))


def ranks_by_the_clock(ticket: Ticket) -> bool:
    """Whether the ticket's rank changes with the clock while it waits: an appointment's class
    does (inside its slot or not, unless it was transferred); every other ticket's stands."""
    return ticket.channel is Channel.APPOINTMENT and ticket.lane not in (Lane.TRANSFER, Lane.WINDOW)


class Line:
    """Tickets in the order they are called: each joins at the back or a few places behind the
    head (a checked-in 过号); finding, counting and removing any of them costs O(log n)."""

    def __init__(self) -> None:
        # A place is an integer for a ticket that joined at the back, a fraction between its
        # neighbours' places for one put in between, so no other ticket ever moves.
        self._place: dict[Ticket, int | Fraction] = {}
        self._tickets = SortedKeyList(key=self._place.__getitem__)

    def __len__(self) -> int:
        return len(self._tickets)

    def __iter__(self) -> Iterator[Ticket]:
        return iter(self._tickets)

    def __getitem__(self, i: int) -> Ticket:
        return self._tickets[i]

    def append(self, ticket: Ticket) -> None:
        last = self._place[self._tickets[-1]] if self._tickets else -1
        self._place[ticket] = math.floor(last) + 1
        self._tickets.add(ticket)

    def insert(self, i: int, ticket: Ticket) -> None:
        """Put the ticket at index i: behind i tickets, ahead of the rest."""
        if i >= len(self._tickets):
            self.append(ticket)
            return
        after = self._place[self._tickets[i]]
        before = self._place[self._tickets[i - 1]] if i > 0 else after - 1
        self._place[ticket] = Fraction(before + after, 2)
        self._tickets.add(ticket)

    def remove(self, ticket: Ticket) -> None:
        self._tickets.remove(ticket)
        del self._place[ticket]

    def index(self, ticket: Ticket) -> int:
        return self._tickets.index(ticket)


def _by_wait() -> SortedKeyList:
    return SortedKeyList(key=waited_key)


class ServiceQueue:
    """The waiting tickets of one service, in the order they are called within their class."""

    def __init__(self) -> None:
        self.normal = Line()  # the service's line, called from its head
        self.transfer = _by_wait()  # transferred to the service: class 0
        self.green = _by_wait()  # 绿色通道: class 1
        self.appointments = _by_wait()  # class 1 inside their slot, 2 outside: ranked at each look
        # The normal line's tickets that stand in it in the order of their wait (all but the few
        # put in behind the head or not plain normal tickets), so a time can be placed by bisection.
        self._in_time_order = _by_wait()
        self._out_of_order: set[Ticket] = set()

    def __len__(self) -> int:
        return len(self.normal) + len(self.transfer) + len(self.green) + len(self.appointments)

    def _lane(self, ticket: Ticket) -> SortedKeyList:
        if ticket.lane is Lane.TRANSFER:
            return self.transfer
        return self.green if ticket.channel is Channel.GREEN else self.appointments

    def join(self, ticket: Ticket, *, behind: int | None = None) -> None:
        """Queue the ticket in its lane; in the normal line at the back or `behind` the head."""
        if ticket.lane is not Lane.NORMAL:
            self._lane(ticket).add(ticket)
            return
        in_order = self._in_time_order
        if (
            behind is None
            and ticket.channel is Channel.NORMAL
            and (not in_order or waited_key(in_order[-1]) < waited_key(ticket))
        ):
            in_order.add(ticket)
        else:
            self._out_of_order.add(ticket)
        if behind is None:
            self.normal.append(ticket)
        else:
            self.normal.insert(behind, ticket)

    def remove(self, ticket: Ticket) -> None:
        if ticket.lane is not Lane.NORMAL:
            self._lane(ticket).remove(ticket)
            return
        self.normal.remove(ticket)
        if ticket in self._out_of_order:
            self._out_of_order.remove(ticket)
        else:
            self._in_time_order.remove(ticket)

    def heads(self) -> Iterator[Ticket]:
        """The tickets that may be called next: each lane's first, and every appointment."""
        for lane in (self.transfer, self.green):
            if lane:
                yield lane[0]
        yield from self.appointments
        if self.normal:
            yield self.normal[0]

    def ranked(self, now: dt.datetime, grace_s: int) -> Iterator[tuple[Rank, Ticket]]:
        """The heads, each with its rank now."""
        for t in self.heads():
            yield rank(t, now, grace_s), t

    def longest_since(self) -> dt.datetime | None:
        """When the ticket at the head of the longest wait (re)entered the queue."""
        return min((t.queued_at for t in self.heads() if t.queued_at), default=None)

    def priority_count(self, now: dt.datetime, grace_s: int) -> int:
        """Tickets outside the normal line that are called before it now (classes 0 and 1)."""
        timed = sum(1 for t in self.appointments if ticket_class(t, now, grace_s) < NORMAL)
        return len(self.transfer) + len(self.green) + timed

    def ranked_before(self, mine: Rank, now: dt.datetime, grace_s: int) -> int:
        """Tickets outside the normal line that rank before `mine`."""
        klass, key = mine[0], mine[1:]
        if klass == TRANSFER:
            fixed = self.transfer.bisect_key_left(key)
        elif klass == PRIORITY:
            fixed = len(self.transfer) + self.green.bisect_key_left(key)
        else:
            fixed = len(self.transfer) + len(self.green)
        return fixed + sum(1 for t in self.appointments if rank(t, now, grace_s) < mine)

    def line_before(self, mine: Rank, now: dt.datetime, grace_s: int) -> int:
        """Normal-line tickets called before a ticket that waits like them: those ahead of the
        first one in the line that ranks at or after it."""
        first = len(self.normal)
        in_order = self._in_time_order
        i = in_order.bisect_key_left(mine[1:])
        if i < len(in_order):
            first = self.normal.index(in_order[i])
        for t in self._out_of_order:
            if rank(t, now, grace_s) >= mine:
                first = min(first, self.normal.index(t))
        return first


class Front(Protocol):
    """Tickets sent to one window, called from the first (a `Line`, or a replay's copy)."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int) -> Ticket: ...


class Heads(Protocol):
    """A service's tickets that may be called next, each with its rank (a `ServiceQueue`, or a
    replay's copy, which keeps the ranks that do not change)."""

    def ranked(self, now: dt.datetime, grace_s: int) -> Iterable[tuple[Rank, Ticket]]: ...


def choose(
    window_line: Front,
    queues: Iterable[Heads],
    now: dt.datetime,
    *,
    grace_s: int,
    priority_run: int,
    max_priority_run: int,
) -> tuple[Rank, Ticket] | None:
    """The ticket a window should call now with its rank now (its class first), or None when
    none of its queues has one."""
    if window_line:
        return rank(window_line[0], now, grace_s), window_line[0]
    best: tuple[Rank, Ticket] | None = None
    best_normal: tuple[Rank, Ticket] | None = None
    for q in queues:
        for head in q.ranked(now, grace_s):
            key = head[0]
            if best is None or key < best[0]:
                best = head
            if key[0] == NORMAL and (best_normal is None or key < best_normal[0]):
                best_normal = head
    if best is None:
        return None
    if best[0][0] == PRIORITY and priority_run >= max_priority_run and best_normal is not None:
        return best_normal
    return best


def ahead_of(ticket: Ticket, q: ServiceQueue, now: dt.datetime, grace_s: int) -> int:
    """How many waiting tickets of the same service are called before this one."""
    mine = rank(ticket, now, grace_s)
    before = q.ranked_before(mine, now, grace_s)
    if ticket.lane is Lane.NORMAL:
        return before + q.normal.index(ticket)
    if mine[0] < NORMAL:
        return before
    # An appointment outside its slot waits like a normal ticket, by the time it has waited.
    return before + q.line_before(mine, now, grace_s)
