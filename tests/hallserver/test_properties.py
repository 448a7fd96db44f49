"""Invariants under any sequence of commands (hypothesis): nothing lost, nothing called twice,
FIFO within a class, numbers unique within a day."""

from __future__ import annotations

import contextlib
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from hallserver.domain.errors import HallError
from hallserver.domain.hall import Hall, IssueRequest
from hallserver.domain.tickets import OPEN_STATUSES, Lane, Status
from tests.hallserver.domainkit import Clock, make_hall

SERVICES = ["A", "B", "C", "D", "F", "H"]
WINDOWS = ["1", "2", "3", "4", "6", "7"]

issue = st.tuples(
    st.just("issue"),
    st.sampled_from(SERVICES),
    st.sampled_from(["normal", "normal", "normal", "green"]),
)
call = st.tuples(st.just("call"), st.sampled_from(WINDOWS))
finish = st.tuples(st.just("finish"), st.sampled_from(WINDOWS))
# Issue, call and finish dominate a real day; the rest are rarer.
command = st.one_of(
    issue,
    issue,
    issue,
    call,
    call,
    call,
    finish,
    finish,
    st.tuples(st.just("recall"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("start"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("no_show"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("transfer"), st.sampled_from(WINDOWS), st.sampled_from(SERVICES)),
    st.tuples(st.just("transfer_window"), st.sampled_from(WINDOWS), st.sampled_from(WINDOWS)),
    st.tuples(st.just("pause"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("resume"), st.sampled_from(WINDOWS)),
    st.tuples(st.just("check_in"), st.integers(0, 200)),
    st.tuples(st.just("wait"), st.integers(1, 600)),
)


def apply(hall: Hall, clock: Clock, cmd: tuple, issued: list[str]) -> None:
    now = clock.advance(1)
    kind = cmd[0]
    if kind == "issue":
        t = hall.issue(IssueRequest(cmd[1], channel=cmd[2], staff=True), now)
        issued.append(t.id)
    elif kind in ("call", "finish", "recall", "start", "no_show"):
        getattr(hall, {"call": "call_next"}.get(kind, kind))(cmd[1], now)
    elif kind == "transfer":
        hall.transfer(cmd[1], now, service=cmd[2])
    elif kind == "transfer_window":
        hall.transfer(cmd[1], now, to_window=cmd[2])
    elif kind == "pause":
        hall.pause(cmd[1], "", now)
    elif kind == "resume":
        hall.resume(cmd[1], now)
    elif kind == "check_in" and issued:
        hall.check_in(issued[cmd[1] % len(issued)], now)
    elif kind == "wait":
        clock.advance(cmd[1])


def check(hall: Hall, issued: list[str], call_log: list[tuple[str, str]]) -> None:
    # No ticket lost: every ticket issued is known and in exactly one place.
    assert set(issued) == set(hall.tickets)
    queued = Counter(t.id for t in hall.waiting())
    assert all(n == 1 for n in queued.values())
    for t in hall.tickets.values():
        assert (t.status is Status.WAITING) == (t.id in queued), t
        assert (t.lane is not Lane.NONE) == (t.status is Status.WAITING)
    # Called by at most one window at a time.
    currents = [w.current for w in hall.windows.values() if w.current]
    assert len(currents) == len(set(currents))
    open_tickets = {t.id for t in hall.tickets.values() if t.status in OPEN_STATUSES}
    assert open_tickets == set(currents)
    # Numbers never repeat within a day.
    numbers = [t.number for t in hall.tickets.values()]
    assert len(numbers) == len(set(numbers))
    # FIFO within a class: plain normal tickets of one service are first called in issue order.
    plain = [
        t
        for t in hall.tickets.values()
        if t.channel == "normal" and not t.checkins and not t.transferred_from
    ]
    first_calls = [tid for tid, _ in call_log]
    for service in SERVICES:
        mine = sorted((t for t in plain if t.service == service), key=lambda t: t.order)
        called = [t.id for t in mine if t.first_called_at is not None]
        assert called == [t.id for t in mine[: len(called)]], "a later ticket jumped the line"
        assert called == [x for x in first_calls if x in set(called)]


@settings(max_examples=150, deadline=None)
@given(st.lists(command, min_size=10, max_size=150))
def test_invariants_hold_for_any_sequence_of_commands(commands: list[tuple]) -> None:
    hall, clock = make_hall(), Clock()
    for i, w in enumerate(WINDOWS):
        hall.sign_in(w, f"c{i}", "x", clock.now)
    issued: list[str] = []
    call_log: list[tuple[str, str]] = []
    for cmd in commands:
        seq_before = hall.seq
        with contextlib.suppress(HallError):
            apply(hall, clock, cmd, issued)
        for e in hall.changes.events:
            if e.seq > seq_before and e.type == "ticket.called":
                tid = e.data["ticket"]["id"]  # type: ignore[index]
                if tid not in {x for x, _ in call_log}:
                    call_log.append((tid, e.data["window"]))  # type: ignore[arg-type]
        check(hall, issued, call_log)
    events = hall.take_changes().events
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # gapless
