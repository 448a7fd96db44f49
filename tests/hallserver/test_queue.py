"""The queues' order-statistic lanes give the answers of a plain scan of the lines: the same
ticket called, the same number ahead, whatever the commands and the clock did."""

from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from hallserver.domain.errors import HallError
from hallserver.domain.hall import AppointmentRequest, Hall, IssueRequest
from hallserver.domain.queue import NORMAL, Line, ServiceQueue, ahead_of, choose, rank
from hallserver.domain.tickets import Lane, Status, Ticket
from tests.hallserver.domainkit import Clock, issue, make_hall
from tests.hallserver.test_properties import WINDOWS, apply
from tests.hallserver.test_properties import command as plain_command


def scanned_ahead(t: Ticket, q: ServiceQueue, now: dt.datetime, grace: int) -> int:
    """The number ahead by scanning every lane, as the hall counted before the lanes were sorted."""
    lanes = [*q.transfer, *q.green, *q.appointments]
    line = list(q.normal)
    mine = rank(t, now, grace)
    before = sum(1 for x in lanes if x is not t and rank(x, now, grace) < mine)
    if t.lane is Lane.NORMAL:
        return before + line.index(t)
    if mine[0] < NORMAL:
        return before
    for i, x in enumerate(line):
        if rank(x, now, grace) >= mine:
            return before + i
    return before + len(line)


def scanned_choice(hall: Hall, window: str, now: dt.datetime) -> Ticket | None:
    """The ticket a window calls, from every waiting ticket it may call."""
    policy = hall.settings.policy
    if hall.window_queues[window]:
        return hall.window_queues[window][0]
    spec = hall.settings.window(window)
    assert spec is not None
    candidates: list[Ticket] = []
    for s in spec.services:
        q = hall.queues[s]
        candidates += [*q.transfer, *q.green, *q.appointments, *list(q.normal)[:1]]
    ranked = sorted(candidates, key=lambda t: rank(t, now, policy.appointment_grace_s))
    if not ranked:
        return None
    best = ranked[0]
    normal = [t for t in ranked if rank(t, now, policy.appointment_grace_s)[0] == NORMAL]
    klass = rank(best, now, policy.appointment_grace_s)[0]
    if klass == 1 and hall.windows[window].priority_run >= policy.priority_run and normal:
        return normal[0]
    return best


appointment = st.tuples(
    st.just("appointment"), st.sampled_from(["A", "B", "C"]), st.integers(-60, 90)
)
command = st.one_of(plain_command, appointment, appointment)


@settings(max_examples=120, deadline=None)
@given(st.lists(command, min_size=10, max_size=150))
def test_sorted_lanes_answer_as_a_scan_of_the_lines(commands: list[tuple]) -> None:
    hall, clock = make_hall(), Clock()
    grace = hall.settings.policy.appointment_grace_s
    for i, w in enumerate(WINDOWS):
        hall.sign_in(w, f"c{i}", "x", clock.now)
    issued: list[str] = []
    for n, cmd in enumerate(commands):
        with contextlib.suppress(HallError):
            if cmd[0] == "appointment":
                start = clock.now + dt.timedelta(minutes=cmd[2])
                end = start + dt.timedelta(minutes=30)
                hall.add_appointment(AppointmentRequest(f"Y{n}", cmd[1], start, end), clock.now)
                issued.append(hall.issue(IssueRequest("", appointment=f"Y{n}"), clock.now).id)
            else:
                apply(hall, clock, cmd, issued)
        now = clock.now
        for t in hall.waiting():
            if t.lane is not Lane.WINDOW:
                q = hall.queues[t.service]
                assert ahead_of(t, q, now, grace) == scanned_ahead(t, q, now, grace), t
        for w in WINDOWS:
            spec = hall.settings.window(w)
            assert spec is not None
            chosen = choose(
                hall.window_queues[w],
                [hall.queues[s] for s in spec.services],
                now,
                grace_s=grace,
                priority_run=hall.windows[w].priority_run,
                max_priority_run=hall.settings.policy.priority_run,
            )
            assert (chosen and chosen[1]) is scanned_choice(hall, w, now)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 8), st.integers(0, 40)), max_size=120))
def test_a_line_keeps_the_order_a_list_would(steps: list[tuple[bool, int, int]]) -> None:
    line, model = Line(), []
    clock = Clock()
    for n, (join, place, pick) in enumerate(steps):
        if join or not model:
            t = Ticket(str(n), clock.now.date(), str(n), "A", clock.now, n)
            line.insert(place, t)
            model.insert(place, t)
        else:
            gone = model.pop(pick % len(model))
            line.remove(gone)
        assert list(line) == model
        assert all(line.index(t) == i for i, t in enumerate(model))


def test_many_check_ins_at_the_same_place_keep_their_order() -> None:
    line = Line()
    clock = Clock()
    tickets = [Ticket(str(n), clock.now.date(), str(n), "A", clock.now, n) for n in range(300)]
    for t in tickets[:5]:
        line.append(t)
    for t in tickets[5:]:
        line.insert(3, t)  # each one 3 places behind the head, ahead of the one before it
    assert list(line) == [*tickets[:3], *reversed(tickets[5:]), *tickets[3:5]]


def test_an_appointment_out_of_its_slot_is_called_when_it_ranks_before_the_lines_head() -> None:
    hall, clock = make_hall(), Clock()
    a1, a2, a3, a4, a5, a6 = (issue(hall, clock, "A") for _ in range(6))
    hall.sign_in("1", "c1", "x", clock.now)
    assert hall.call_next("1", clock.advance(1)).id == a1
    hall.no_show("1", clock.advance(1))
    slot = clock.now + dt.timedelta(hours=1)  # booked later: it waits as a normal ticket now
    hall.add_appointment(
        AppointmentRequest("Y1", "A", slot, slot + dt.timedelta(minutes=30)), clock.now
    )
    appt = hall.issue(IssueRequest("", appointment="Y1"), clock.advance(1)).id
    hall.check_in(a1, clock.advance(1))  # 3 places behind the head, queued after the appointment
    assert [t.id for t in hall.queues["A"].normal] == [a2, a3, a4, a1, a5, a6]
    # The appointment goes when it ranks before the line's head: a5 and a6 were issued before
    # it, but wait behind the checked-in a1, which ranks after it.
    assert hall.ahead(hall.ticket(appt), clock.now) == 3
    assert hall.ahead(hall.ticket(a1), clock.now) == 4
    called = []
    for _ in range(7):
        called.append(hall.call_next("1", clock.advance(1)).id)
        hall.finish("1", clock.advance(1))
    assert called == [a2, a3, a4, appt, a1, a5, a6]
    assert all(hall.ticket(t).status is Status.DONE for t in called)
