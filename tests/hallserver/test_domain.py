"""The hall's rules, without IO: numbering, routing, channels, recalls, transfer, evaluation."""

from __future__ import annotations

import datetime as dt

import pytest

from hallserver.domain.errors import BadRequest, Conflict, NotFound, Unprocessable
from hallserver.domain.hall import AppointmentRequest, IssueRequest
from hallserver.domain.tickets import Status
from hallserver.domain.views import ticket_view
from identity import check_char
from tests.hallserver.domainkit import TZ, Clock, issue, make_hall, sample_settings

OLD = "11010519491231002X"  # born 1949: green-channel age


def young(n: int = 1) -> str:
    first17 = f"33010619950115{n % 1000:03d}"
    return first17 + check_char(first17)


def open_window(hall, clock, window="1", clerk="c1"):
    hall.sign_in(window, clerk, "王芳", clock.now)


def test_numbers_are_prefixed_padded_and_go_past_999():
    hall, clock = make_hall(), Clock()
    numbers = [hall.ticket(issue(hall, clock, "B")).number for _ in range(1001)]
    assert numbers[:2] == ["B001", "B002"]
    assert numbers[998] == "B999" and numbers[999] == "B1000"
    assert len(set(numbers)) == len(numbers)


def test_numbering_restarts_at_local_midnight_and_cancels_the_leftover_queue():
    hall, clock = make_hall(), Clock()
    first = issue(hall, clock, "A")
    hall.take_changes()
    clock.now = dt.datetime(2026, 11, 24, 0, 0, 1, tzinfo=TZ)
    again = hall.issue(IssueRequest("A"), clock.now, ignore_hours=True).id
    assert hall.ticket(again).number == "A001"
    assert first not in hall.tickets  # yesterday's waiting ticket is gone from today's hall
    kinds = [e.type for e in hall.take_changes().events]
    assert kinds == ["ticket.cancelled", "ticket.issued"]


def test_id_number_checksum_is_enforced():
    hall, clock = make_hall(), Clock()
    with pytest.raises(Unprocessable) as e:
        hall.issue(IssueRequest("A", id_number="110105194912310021"), clock.now)
    assert e.value.code == "invalid_id_number"


def test_one_waiting_ticket_per_id_and_service():
    hall, clock = make_hall(), Clock()
    first = issue(hall, clock, "C", id_number=young())
    with pytest.raises(Conflict) as e:
        issue(hall, clock, "C", id_number=young())
    assert e.value.code == "already_waiting" and e.value.details["ticket"] == first
    issue(hall, clock, "D", id_number=young())  # another service is fine
    open_window(hall, clock, "4")
    hall.call_next("4", clock.now)
    hall.finish("4", clock.advance(60))
    issue(hall, clock, "C", id_number=young())  # once served, a new ticket may be taken


def test_idempotency_key_returns_the_same_ticket():
    hall, clock = make_hall(), Clock()
    a = issue(hall, clock, "A", device="kiosk-1", idempotency_key="k1")
    b = issue(hall, clock, "A", device="kiosk-1", idempotency_key="k1")
    c = issue(hall, clock, "A", device="kiosk-2", idempotency_key="k1")
    assert a == b != c


def test_comprehensive_window_calls_the_longest_waiting_across_its_services():
    hall, clock = make_hall(), Clock()
    b = issue(hall, clock, "B")
    a = issue(hall, clock, "A")
    g = issue(hall, clock, "G")
    open_window(hall, clock)
    called = []
    for _ in range(3):
        called.append(hall.call_next("1", clock.advance(5)).id)
        hall.finish("1", clock.advance(5))
    assert called == [b, a, g]
    assert hall.call_next("1", clock.advance(1)) is None


def test_specialized_window_only_calls_its_service():
    hall, clock = make_hall(), Clock()
    issue(hall, clock, "A")
    h = issue(hall, clock, "H")
    open_window(hall, clock, "7")
    assert hall.call_next("7", clock.now).id == h
    hall.finish("7", clock.advance(1))
    assert hall.call_next("7", clock.now) is None


def test_green_channel_needs_age_or_staff_and_goes_first():
    hall, clock = make_hall(), Clock()
    normal = issue(hall, clock, "C")
    with pytest.raises(Unprocessable) as e:
        issue(hall, clock, "C", id_number=young(), channel="green")
    assert e.value.code == "green_not_allowed"
    green = issue(hall, clock, "C", id_number=OLD, channel="green")
    staff_green = issue(hall, clock, "D", channel="green", staff=True)
    assert hall.ticket(green).channel == "green"
    assert hall.ahead(hall.ticket(normal), clock.now) == 1  # the green ticket is ahead of it
    open_window(hall, clock, "4")
    assert hall.call_next("4", clock.now).id == green
    hall.finish("4", clock.advance(1))
    assert hall.call_next("4", clock.now).id == staff_green


def test_priority_cannot_starve_the_normal_line():
    hall, clock = make_hall(sample_settings(priority_run=2)), Clock()
    normal = issue(hall, clock, "C")
    greens = [issue(hall, clock, "C", channel="green", staff=True) for _ in range(4)]
    open_window(hall, clock, "4")
    order = []
    for _ in range(5):
        order.append(hall.call_next("4", clock.advance(1)).id)
        hall.finish("4", clock.advance(1))
    assert order == [greens[0], greens[1], normal, greens[2], greens[3]]


def test_appointment_has_priority_inside_its_slot_only():
    hall, clock = make_hall(), Clock()
    start = clock.now + dt.timedelta(minutes=30)
    hall.add_appointment(
        AppointmentRequest("YY1", "A", start, start + dt.timedelta(minutes=30)), clock.now
    )
    early = issue(hall, clock, "A")
    appt = issue(hall, clock, "", appointment="YY1")
    assert hall.ticket(appt).channel == "appointment"
    with pytest.raises(Conflict) as e:
        issue(hall, clock, "", appointment="YY1")
    assert e.value.code == "appointment_used"
    with pytest.raises(NotFound):
        issue(hall, clock, "", appointment="nope")
    open_window(hall, clock)
    # Before the slot the appointment waits like anyone else: the earlier ticket goes first.
    assert hall.ahead(hall.ticket(appt), clock.now) == 1
    clock.now = start + dt.timedelta(minutes=1)
    assert hall.ahead(hall.ticket(appt), clock.now) == 0
    assert hall.call_next("1", clock.now).id == appt
    t = hall.ticket(appt)
    assert t.wait_s == 60  # waiting counts from the booked time, not the early arrival
    hall.finish("1", clock.advance(1))
    assert hall.call_next("1", clock.advance(1)).id == early


def test_recall_limit_marks_no_show_and_check_in_reinserts_behind_the_head():
    hall, clock = make_hall(sample_settings(max_recalls=2, checkin_behind=2)), Clock()
    first = issue(hall, clock, "B")
    others = [issue(hall, clock, "B") for _ in range(4)]
    open_window(hall, clock)
    hall.call_next("1", clock.now)
    assert hall.recall("1", clock.advance(30)).recalls == 1
    assert hall.recall("1", clock.advance(30)).recalls == 2
    assert hall.recall("1", clock.advance(30)).status is Status.NO_SHOW
    with pytest.raises(Conflict):
        hall.recall("1", clock.now)  # nothing current any more
    hall.check_in(first, clock.advance(60))
    assert hall.ahead(hall.ticket(first), clock.now) == 2
    with pytest.raises(Conflict) as e:
        hall.check_in(first, clock.now)
    assert e.value.code == "not_no_show"
    order = []
    while (t := hall.call_next("1", clock.advance(1))) is not None:
        order.append(t.id)
        hall.finish("1", clock.advance(1))
    assert order == [others[0], others[1], first, others[2], others[3]]


def test_check_in_is_limited():
    hall, clock = make_hall(sample_settings(max_checkins=1)), Clock()
    t = issue(hall, clock, "B")
    open_window(hall, clock)
    for _ in range(2):
        hall.call_next("1", clock.advance(1))
        hall.no_show("1", clock.advance(1))
        if hall.ticket(t).checkins == 0:
            hall.check_in(t, clock.advance(1))
    with pytest.raises(Conflict) as e:
        hall.check_in(t, clock.now)
    assert e.value.code == "checkin_limit"


def test_transfer_to_service_and_window_goes_ahead_of_normal_tickets():
    hall, clock = make_hall(), Clock()
    t = issue(hall, clock, "B")
    waiting_c = issue(hall, clock, "C")
    open_window(hall, clock, "1")
    open_window(hall, clock, "4", "c4")
    open_window(hall, clock, "7", "c7")
    hall.call_next("1", clock.now)
    moved = hall.transfer("1", clock.advance(60), service="C")
    assert moved.status is Status.WAITING and moved.service == "C"
    assert moved.transferred_from == "1"
    assert hall.ahead(hall.ticket(waiting_c), clock.now) == 1
    assert hall.call_next("4", clock.advance(1)).id == t
    hall.transfer("4", clock.advance(60), to_window="7")
    assert hall.ticket(t).service == "H"  # window 7 serves only 司法公证
    assert hall.call_next("7", clock.advance(1)).id == t
    with pytest.raises(BadRequest):
        hall.transfer("7", clock.now)


def test_window_states_and_errors():
    hall, clock = make_hall(), Clock()
    with pytest.raises(Conflict) as e:
        hall.call_next("1", clock.now)
    assert e.value.code == "no_clerk"
    open_window(hall, clock)
    with pytest.raises(Conflict):
        open_window(hall, clock, "2")  # the same clerk at a second window
    issue(hall, clock, "A")
    issue(hall, clock, "A")
    hall.call_next("1", clock.now)
    with pytest.raises(Conflict) as e:
        hall.call_next("1", clock.now)
    assert e.value.code == "busy"
    hall.start("1", clock.advance(1))
    with pytest.raises(Conflict):
        hall.no_show("1", clock.now)
    hall.finish("1", clock.advance(300))
    hall.pause("1", "午休", clock.now)
    with pytest.raises(Conflict) as e:
        hall.call_next("1", clock.now)
    assert e.value.code == "window_paused"
    hall.resume("1", clock.advance(10))
    assert hall.call_next("1", clock.now) is not None
    with pytest.raises(Conflict):
        hall.sign_out("1", clock.now)
    with pytest.raises(NotFound):
        hall.call_next("99", clock.now)


def test_handling_time_from_start_else_call_and_ewma_feeds_the_estimate():
    hall, clock = make_hall(sample_settings(ewma_alpha=0.5)), Clock()
    issue(hall, clock, "K")
    open_window(hall, clock, "9")
    hall.call_next("9", clock.now)
    hall.start("9", clock.advance(20))
    hall.finish("9", clock.advance(100))
    assert hall.handling["K"] == pytest.approx(0.5 * 100 + 0.5 * 120)
    a = issue(hall, clock, "K")
    b = issue(hall, clock, "K")
    assert ticket_view(hall, hall.ticket(a), clock.now)["estimated_wait_s"] == 0
    assert (
        ticket_view(hall, hall.ticket(b), clock.now)["estimated_wait_s"] == 110
    )  # 1 ahead × 110 s / 1


def test_evaluation_rules():
    hall, clock = make_hall(), Clock()
    t = issue(hall, clock, "A")
    open_window(hall, clock)
    hall.call_next("1", clock.now)
    with pytest.raises(Unprocessable) as e:
        hall.evaluate(t, 5, [], None, clock.now)
    assert e.value.code == "not_finished"
    hall.finish("1", clock.advance(60))
    hall.take_changes()
    with pytest.raises(Unprocessable) as e:
        hall.evaluate(t, 2, [], None, clock.now)
    assert e.value.code == "reason_required"
    with pytest.raises(BadRequest):
        hall.evaluate(t, 6, [], None, clock.now)
    hall.evaluate(t, 2, ["效率"], "等太久", clock.now)
    assert hall.ticket(t).reasons == ("efficiency",)
    kinds = [e.type for e in hall.take_changes().events]
    assert kinds == ["ticket.evaluated", "hall.alert"]  # 差评 becomes a follow-up for the manager
    with pytest.raises(Conflict) as e:
        hall.evaluate(t, 5, [], None, clock.now)
    assert e.value.code == "already_evaluated"


def test_quota_and_opening_hours():
    from dataclasses import replace

    s = sample_settings()
    s = replace(
        s, services=tuple(replace(x, daily_quota=1) if x.code == "H" else x for x in s.services)
    )
    hall, clock = make_hall(s), Clock()
    hall.issue(IssueRequest("H"), clock.now)
    with pytest.raises(Conflict) as e:
        hall.issue(IssueRequest("H"), clock.now)
    assert e.value.code == "quota_full"
    sunday = dt.datetime(2026, 11, 22, 10, 0, tzinfo=TZ)
    with pytest.raises(Conflict) as e:
        hall.issue(IssueRequest("A"), sunday)
    assert e.value.code == "hall_closed"
    assert hall.issue(IssueRequest("A"), sunday, ignore_hours=True).number == "A001"


def test_supervision_raises_each_threshold_once():
    hall, clock = make_hall(), Clock()
    issue(hall, clock, "A")
    hall.take_changes()
    th = hall.settings.thresholds
    hall.tick(clock.advance(th.wait_yellow_s))
    hall.tick(clock.advance(1))
    hall.tick(clock.advance(th.wait_red_s - th.wait_yellow_s))
    alerts = [e.data for e in hall.take_changes().events if e.type == "hall.alert"]
    assert [(a["kind"], a["level"]) for a in alerts] == [("wait", "yellow"), ("wait", "red")]
    open_window(hall, clock)
    hall.pause("1", "会议", clock.now)
    hall.tick(clock.advance(th.pause_red_s))
    alerts = [e.data for e in hall.take_changes().events if e.type == "hall.alert"]
    assert [(a["kind"], a["level"]) for a in alerts] == [("pause", "red")]


def test_the_domain_speaks_the_wire_contract():
    from hallserver import protocol
    from hallserver.domain.tickets import Channel, WindowState

    assert tuple(Status) == protocol.TICKET_STATUSES
    assert tuple(Channel) == protocol.CHANNELS
    w = WindowState("1")
    seen = {w.status}
    w.clerk = "c1"
    seen.add(w.status)
    w.paused = True
    seen.add(w.status)
    assert seen == set(protocol.WINDOW_STATUSES)


def test_the_supervisor_reads_plain_times_and_reports_each_crossing_once():
    from hallserver.domain.settings import Thresholds
    from hallserver.domain.supervision import Crossing, Supervisor

    sup, clock = Supervisor(Thresholds(wait_yellow_s=10, wait_red_s=20)), Clock()
    issued, paused = clock.now, clock.now

    def check(seconds: int) -> list[Crossing]:
        now = clock.now + dt.timedelta(seconds=seconds)
        return sup.check(now, waits=[("t1", issued)], handling=[], pauses=[("3", paused, "会议")])

    assert check(5) == []
    assert check(10) == [Crossing("wait", "yellow", "t1", 10)]
    assert check(15) == []
    assert check(25) == [Crossing("wait", "red", "t1", 25)]
    sup.forget_ticket("t1")  # it waits again (transferred, checked in): reported anew
    assert check(26) == [Crossing("wait", "red", "t1", 26)]
    assert check(900) == [Crossing("pause", "yellow", "3", 900, "3", "会议")]
