"""The wait estimator on constructed queues with known answers."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random

import numpy as np
import pytest

from hallserver.domain import estimate
from hallserver.domain.estimate import residual_s
from hallserver.domain.hall import AppointmentRequest, Hall, IssueRequest
from hallserver.domain.stats import day_stats
from hallserver.domain.views import queues_view, ticket_view
from tests.hallserver.domainkit import MONDAY_9, Clock, issue, make_hall, sample_settings

# The sample hall: windows 1, 2 serve A B F G; 3 serves B F G; A takes 900 s, B 600 s.


@pytest.fixture
def exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls take exactly the configured time until the hall learns otherwise: the futures all
    agree and the answers are a deterministic hall's."""
    monkeypatch.setattr(estimate, "ASSUMED_CV", 0.0)


def open_windows(hall: Hall, clock: Clock, *ids: str) -> None:
    for w in ids:
        hall.sign_in(w, f"clerk-{w}", f"职员{w}", clock.now)


def told(hall: Hall, clock: Clock, ticket: str) -> int | None:
    return ticket_view(hall, hall.ticket(ticket), clock.now)["estimated_wait_s"]  # type: ignore[return-value]


def test_one_service_two_idle_windows_call_in_pairs(exact: None) -> None:
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "1", "2")
    tickets = [issue(hall, clock, "A") for _ in range(5)]
    # Issued a second apart (at 1…5 s), each called by an idle window when it comes: windows
    # 1 and 2 are busy until 901 and 902 s, then with the third and fourth until 1801 and 1802 s.
    assert [hall.ticket(t).estimated_wait_s for t in tickets] == [0, 0, 901 - 3, 902 - 4, 1801 - 5]
    # The same answers asked again now, and the wall's figure for the next A ticket.
    assert [told(hall, clock, t) for t in tickets] == [0, 0, 901 - 5, 902 - 5, 1801 - 5]
    queues = {q["service"]: q for q in queues_view(hall, clock.now)}
    assert queues["A"]["estimated_wait_s"] == 1802 - 5  # window 2, free again at 1802 s


def test_comprehensive_windows_share_the_line_across_services(exact: None) -> None:
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "1", "2", "3")
    b1, a1, b2, a2 = (issue(hall, clock, s) for s in "BABA")
    # Played from B1's issue (3 s ago): window 1 takes B1 (600 s), window 2 A1 (900 s), window 3
    # B2 (600 s); at 600 s window 1 is the first free window that serves A: A2 is called then,
    # not after 1 ahead × 900 ÷ 2 windows = 450 s.
    assert [told(hall, clock, t) for t in (b1, a1, b2)] == [0, 0, 0]
    assert told(hall, clock, a2) == 600 - 3
    queues = {q["service"]: q for q in queues_view(hall, clock.now)}
    # A new A ticket: window 2, which called A1 when it came (2 s), is out of work first, at
    # 902 s (window 1 serves A2 until 1501 s).
    assert queues["A"]["estimated_wait_s"] == 902 - 4
    # A new B ticket: window 3 called B2 when it came (3 s) and is out of work at 603 s.
    assert queues["B"]["estimated_wait_s"] == 603 - 4


def test_priority_calls_jump_the_line_within_the_run_limit(exact: None) -> None:
    hall, clock = make_hall(sample_settings(priority_run=1)), Clock()
    normal = [issue(hall, clock, "K") for _ in range(2)]
    green = [issue(hall, clock, "K", channel="green", staff=True) for _ in range(2)]
    open_windows(hall, clock, "9")
    # One window, 120 s a call, at most one priority call in a row: G1, N1, G2, N2.
    waits = [told(hall, clock, t) for t in (green[0], normal[0], green[1], normal[1])]
    assert waits == [0, 120, 240, 360]


def test_an_appointment_early_for_its_slot_is_called_once_its_slot_begins(
    exact: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(estimate, "SPREAD_MAX", 0)  # a hall too big for futures: the replay's calls
    hall, clock = make_hall(), Clock()
    normal = [issue(hall, clock, "K") for _ in range(3)]
    slot = clock.now + dt.timedelta(seconds=130)
    hall.add_appointment(
        AppointmentRequest("YY-1", "K", slot, slot + dt.timedelta(minutes=30)), clock.now
    )
    booked = issue(hall, clock, appointment="YY-1")
    open_windows(hall, clock, "9")
    # One window, 120 s a call: at 120 s the citizen who booked is early (the slot begins at
    # 129 s) and waits behind N2 as a normal ticket; at 240 s, inside the slot, comes before N3.
    waits = [told(hall, clock, t) for t in (normal[0], normal[1], booked, normal[2])]
    assert waits == [0, 120, 240, 360]


def test_a_green_ticket_is_told_at_once_and_the_others_at_the_next_replay(exact: None) -> None:
    hall, clock = make_hall(), Clock()
    hall.estimator.refresh_s = 10  # a busy hall: the others' waits at most 10 s old
    open_windows(hall, clock, "9")  # K only, 120 s a call
    first = issue(hall, clock, "K")
    hall.call_next("9", clock.now)
    normal = [issue(hall, clock, "K") for _ in range(2)]
    # Issued at 1 s and called at once, the first keeps window 9 until 121 s.
    assert [told(hall, clock, t) for t in normal] == [121 - 3, 241 - 3]
    green = hall.issue(IssueRequest(service="K", channel="green", staff=True), clock.now)
    # Played as far as its own call: next, when window 9 is free.
    assert green.estimated_wait_s == told(hall, clock, green.id) == 121 - 3
    assert [told(hall, clock, t) for t in normal] == [121 - 3, 241 - 3]  # not yet replayed
    clock.advance(10)  # the next replay has them after the green ticket
    assert [told(hall, clock, t) for t in normal] == [241 - 13, 361 - 13]
    assert hall.ticket(first).status == "called"


def test_a_busy_window_is_free_after_the_expected_rest_of_its_call():
    hall, clock = make_hall(), Clock()
    first = issue(hall, clock, "K")
    open_windows(hall, clock, "9")
    hall.call_next("9", clock.now)
    assert hall.ticket(first).status == "called"
    clock.advance(20)
    second = issue(hall, clock, "K")
    expected = residual_s(120, (0.5 * 120) ** 2, 21)  # nothing learned yet: CV 0.5 assumed
    assert told(hall, clock, second) == pytest.approx(expected, abs=2)  # the futures' mean
    assert 99 < expected < 120  # less than a whole call, more than 120 − 21


def test_a_replay_nobody_moved_is_redone_as_a_busy_window_runs_over():
    hall, clock = make_hall(), Clock()
    first = issue(hall, clock, "K")
    open_windows(hall, clock, "9")
    hall.call_next("9", clock.now)  # at 1 s
    clock.advance(99)
    second = issue(hall, clock, "K")  # at 101 s: the call has run 100 s of the usual 120
    then = told(hall, clock, second)
    assert then == pytest.approx(residual_s(120, (0.5 * 120) ** 2, 100), abs=2)
    # K's 120 s is the sample hall's shortest handling time: a replay stands for 6 s.
    clock.advance(5)
    assert told(hall, clock, second) == then - 5
    # 20 s on, the window still busy: replayed, the rest of a call that has run 120 s (the
    # old replay, 20 s on, would say 37 s).
    clock.advance(15)
    assert told(hall, clock, second) == pytest.approx(residual_s(120, 3600, 120), abs=2)
    assert hall.ticket(first).status == "called"


def test_the_first_of_two_busy_windows_is_free_sooner_than_either_is_expected_to_be():
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "4", "5")  # both serve C D E
    for _ in range(2):
        issue(hall, clock, "C")
    hall.call_next("4", clock.now)
    hall.call_next("5", clock.now)
    first, second = issue(hall, clock, "C"), issue(hall, clock, "C")
    each = residual_s(420, (0.5 * 420) ** 2, 2)  # C: 420 s, nothing learned yet
    # E[min] of two lognormal rests is below either's mean; the second is called by the other
    # window or by the first one again, whichever is free sooner.
    assert 0.5 * each < told(hall, clock, first) < each < told(hall, clock, second)
    # The same laws drawn 200,000 times (C's calls lognormal(420 s, CV 0.5), rests given 2 s)
    # against the estimator's 128 futures.
    rng = np.random.default_rng(1)
    s2 = math.log1p(0.25)
    law = lambda n: rng.lognormal(math.log(420) - s2 / 2, math.sqrt(s2), n)  # noqa: E731
    rests = law(600_000).reshape(-1, 2)
    rests = rests[(rests > 2).all(axis=1)][:200_000] - 2
    soon, late = rests.min(axis=1), rests.max(axis=1)
    again = soon + law(len(soon))
    assert told(hall, clock, first) == pytest.approx(soon.mean(), rel=0.05)
    assert told(hall, clock, second) == pytest.approx(np.minimum(late, again).mean(), rel=0.05)


def test_lognormal_residual_matches_the_integral_of_the_survival():
    mean, var = 300.0, 150.0**2
    s2 = math.log1p(var / mean**2)
    mu, s = math.log(mean) - s2 / 2, math.sqrt(s2)
    t = np.linspace(1e-6, 40 * mean, 400_001)
    survival = 0.5 * np.vectorize(math.erfc)((np.log(t) - mu) / s / math.sqrt(2))
    for elapsed in (0.0, 100.0, 300.0, 900.0):
        tail = t >= elapsed
        integral = np.trapezoid(survival[tail], t[tail]) / (survival[tail][0] if elapsed else 1)
        assert residual_s(mean, var, elapsed) == pytest.approx(integral, rel=2e-3)
    assert residual_s(mean, var, 900.0) > residual_s(mean, var, 300.0) - 300.0 + 1


def test_window_time_and_turnaround_are_learned_from_the_calls():
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "9")
    for _ in range(3):
        issue(hall, clock, "K")
    for took in (100, 140):
        hall.call_next("9", clock.advance(5))  # 5 s after the window was free (or opened)
        hall.start("9", clock.advance(10))
        hall.finish("9", clock.advance(took))
    estimator = hall.estimator
    assert [x for _, x in estimator.window_times["K"]] == [110, 150]  # call → free
    assert estimator.turnaround.mean(0.0) == pytest.approx(5.0)  # only after the first call
    # Two calls against the configured 120 s: cv² = 800 ÷ 130², weight b = cv² ÷ (cv² + 2 × 0.2²)
    # on the prior; first the hall's pace (260 s against 2 × 120 usual), then the service.
    cv2 = 800 / 130**2
    b = cv2 / (cv2 + 2 * 0.2**2)
    prior = 120 * (1 + (1 - b) * (260 / 240 - 1))
    mean = prior + (1 - b) * (130 - prior)
    assert estimator.window_time("K", clock.now) == pytest.approx((mean, cv2 * mean**2))
    assert estimator.cost_s("K", clock.now) == pytest.approx(mean + 5)


def calls_taking(hall: Hall, clock: Clock, window: str, service: str, times: list[float]) -> None:
    """Calls of `service` at `window`, each keeping it the given seconds (call → finish)."""
    for took in times:
        issue(hall, clock, service)
        hall.call_next(window, clock.now)
        hall.finish(window, clock.advance(took))


def test_a_few_calls_move_the_prior_a_little_and_many_replace_it() -> None:
    spread = [100.0, 200.0]  # a mean of 150 s against the configured 120 s, cv 0.47
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "9")  # K only
    calls_taking(hall, clock, "9", "K", spread)
    few = hall.estimator.mean_s("K", clock.now)
    assert 120 < few < 135  # two calls of that spread could well be a 120-second service's
    calls_taking(hall, clock, "9", "K", spread * 24)
    assert hall.estimator.mean_s("K", clock.now) == pytest.approx(150, rel=0.05)
    # Calls that all take the same time are no noise: they replace the prior at once.
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "9")
    calls_taking(hall, clock, "9", "K", [150.0, 150.0])
    assert hall.estimator.mean_s("K", clock.now) == pytest.approx(150)


def test_a_slow_day_moves_the_prior_of_services_not_called_yet() -> None:
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "4")  # C D E: 420, 360, 420 s configured
    rng = random.Random(1)
    for service, configured in [("C", 420), ("D", 360)] * 10:
        calls_taking(hall, clock, "4", service, [1.3 * configured * rng.lognormvariate(-0.02, 0.2)])
    assert "E" not in hall.estimator.window_times
    assert hall.estimator.mean_s("E", clock.now) > 1.2 * 420  # every call ran 30 % long today


def test_extending_the_replay_for_new_tickets_equals_replaying_from_scratch():
    rng = random.Random(3)
    hall, clock = make_hall(), Clock()
    hall.estimator.refresh_s = 0  # a fresh replay after every call
    open_windows(hall, clock, "1", "3", "4", "6")
    tickets = []
    for _ in range(60):
        tickets.append(issue(hall, clock, rng.choice("ABCDEFG")))
        if rng.random() < 0.2:
            busy = [w for w in ("1", "3", "4", "6") if hall.windows[w].current]
            if busy and rng.random() < 0.5:
                hall.finish(rng.choice(busy), clock.advance(30))
            free = [w for w in ("1", "3", "4", "6") if not hall.windows[w].current]
            if free:
                hall.call_next(rng.choice(free), clock.now)
    waiting = [t for t in tickets if hall.ticket(t).status == "waiting"]
    answers = [told(hall, clock, t) for t in waiting]
    extended = hall.estimator.current(clock.now)
    fresh = hall.estimator.replay(extended.at)
    assert len(waiting) > 20 and extended.call_s.keys() == fresh.call_s.keys()
    late = (clock.now - extended.at).total_seconds()
    assert answers == [math.ceil(fresh.call_s[t] - late - 1e-6) for t in waiting]


def test_with_exact_handling_times_every_estimate_comes_true():
    """The replay is the hall's own routing: with each call taking exactly the service's time
    and clerks calling the moment they are free, the wait told is the wait served, across
    services competing for windows, green tickets and the priority run limit (green tickets in
    the opening backlog only: one arriving later rightly overtakes those already told)."""
    rng = random.Random(11)
    hall, clock = make_hall(sample_settings(priority_run=2)), Clock()
    hall.estimator.refresh_s = 0  # a fresh replay after every call
    windows = ("1", "2", "3", "4", "6")
    open_windows(hall, clock, *windows)
    took = {s.code: s.handling_s for s in hall.settings.services}
    for service in "ABCDEF" * 2:  # the hall has learned that calls take exactly these times
        issue(hall, clock, service)
        window = next(w for w in windows if service in hall.settings.window(w).services)
        hall.call_next(window, clock.now)
        hall.finish(window, clock.advance(took[service]))
    start = clock.now
    backlog = [
        hall.issue(IssueRequest(service=rng.choice("ABCDEF"), channel=channel, staff=True), start)
        for channel in ["green", None, None] * 4
    ]
    expected = {t.id: told(hall, clock, t.id) for t in backlog}
    moments = [(rng.uniform(60, 3600), "arrive", "") for _ in range(30)]
    moments += [(0.0, "free", w) for w in windows]
    heapq.heapify(moments)
    while moments:
        at, kind, w = heapq.heappop(moments)
        clock.now = start + dt.timedelta(seconds=at)
        if kind == "arrive":
            t = hall.issue(IssueRequest(service=rng.choice("ABCDEF")), clock.now)
            expected[t.id] = t.estimated_wait_s
            for idle in windows:
                if hall.windows[idle].current is None:
                    heapq.heappush(moments, (at, "free", idle))
            continue
        if hall.windows[w].current:
            hall.finish(w, clock.now)
        called = hall.call_next(w, clock.now)
        if called is not None:
            heapq.heappush(moments, (at + took[called.service], "free", w))
    results = [(told_s, hall.ticket(t).wait_s) for t, told_s in expected.items()]
    assert all(0 <= est - real <= 1 for est, real in results), results  # type: ignore[operator]
    assert max(real for _, real in results) > 1800  # type: ignore[type-var]  # a real queue


def test_the_day_figures_say_how_honest_the_estimates_were():
    rows = [
        {"service": "A", "window": "1", "status": "done", "wait_s": 600, "service_s": 300,
         "score": None, "estimated_wait_s": 500},
        {"service": "A", "window": "1", "status": "done", "wait_s": 200, "service_s": 300,
         "score": None, "estimated_wait_s": 400},
        {"service": "A", "window": None, "status": "waiting", "wait_s": None, "service_s": 0,
         "score": None, "estimated_wait_s": 50},
    ]  # fmt: skip
    figures = day_stats(rows)
    assert (figures["estimate_error_s"], figures["estimate_bias_s"]) == (150, 50)


def test_a_database_from_before_gains_the_told_wait_and_back_at_columns(tmp_path):
    from hallserver.domain.tickets import WindowState
    from hallserver.store import Store

    store = Store(tmp_path / "hall.db")
    store.conn.execute("ALTER TABLE tickets DROP COLUMN estimated_wait_s")  # as hallq 0.1 made it
    store.conn.execute("ALTER TABLE windows DROP COLUMN back_at")  # as hallq 0.2 made it
    store.conn.execute(
        "INSERT INTO windows (id, clerk, paused, paused_at) VALUES ('1', 'c1', 1, ?)",
        (MONDAY_9.isoformat(),),
    )
    store.close()
    store = Store(tmp_path / "hall.db")
    assert "estimated_wait_s" in store.db.table("tickets").columns_dict
    (kept,) = store.load(MONDAY_9.date())["windows"]  # a pause from before: no time said
    assert kept == WindowState("1", clerk="c1", paused=True, paused_at=MONDAY_9)
    store.close()


def test_a_paused_window_calls_again_after_the_expected_rest_of_its_pause():
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "9")  # K only, 120 s
    hall.pause("9", "休息", clock.now)
    first = issue(hall, clock, "K")
    # No pause has ended yet today: 15 minutes assumed, 1 s of it gone.
    assert told(hall, clock, first) == 900 - 1
    hall.resume("9", clock.advance(299))  # this one lasted 300 s: the hall learns it
    hall.call_next("9", clock.now)
    hall.finish("9", clock.advance(120))
    hall.pause("9", "休息", clock.now)
    second = issue(hall, clock, "K")
    assert 290 < told(hall, clock, second) < 300


def test_a_pause_counts_as_long_as_the_clerk_said_then_as_the_days_pauses_were():
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "9")  # K only, 120 s
    hall.pause("9", "午间休息", clock.now, minutes=60)
    assert hall.windows["9"].back_at == clock.now + dt.timedelta(hours=1)
    first = issue(hall, clock, "K")
    assert told(hall, clock, first) == 3600 - 1  # not the 15 minutes a pause is assumed to take
    clock.advance(3600 + 60)  # the clerk is late: the hour said is over
    assert told(hall, clock, first) == math.ceil(residual_s(900, (0.5 * 900) ** 2, 3661) - 1e-6)
    hall.resume("9", clock.now)
    assert hall.windows["9"].back_at is None


def test_window_times_come_from_the_same_time_of_day_until_today_says_otherwise():
    from tests.hallserver.domainkit import TZ
    from tests.planner.historykit import history

    mondays = [dt.date(2026, 11, 2) + dt.timedelta(weeks=k) for k in range(3)]
    nine, two = (dt.datetime(2026, 11, 2, h, tzinfo=TZ) for h in (9, 14))
    past = history(mondays, nine, {"K": [10, 10]}, {"K": 300.0})  # mornings: 300 s a call
    past += history(mondays, two, {"K": [10, 10]}, {"K": 60.0})  # afternoons: 60 s
    for start, each in ((MONDAY_9, 300), (MONDAY_9.replace(hour=14), 60)):
        hall, clock = make_hall(), Clock(start)
        hall.estimator.learn_history(past, TZ)
        open_windows(hall, clock, "9")  # K only; configured 120 s
        issue(hall, clock, "K")
        hall.call_next("9", clock.now)
        waiting = [issue(hall, clock, "K") for _ in range(2)]
        mean, var = hall.estimator.window_time("K", clock.now)
        assert mean == pytest.approx(each, rel=0.1)  # that half hour's calls, not the 120 s
        expected = residual_s(mean, var, 2) + mean  # one window: the rest, then a whole call
        assert told(hall, clock, waiting[1]) == pytest.approx(expected, rel=0.02)
    # Calls today that all took 100 s outweigh the past: the hall has changed.
    for _ in range(5):
        issue(hall, clock, "K")
        hall.finish("9", clock.advance(99))
        hall.call_next("9", clock.now)
    assert hall.estimator.mean_s("K", clock.now) == pytest.approx(100, abs=1)


def test_a_slow_morning_makes_a_slow_afternoon_not_a_morning_afternoon() -> None:
    from tests.hallserver.domainkit import TZ
    from tests.planner.historykit import history

    mondays = [dt.date(2026, 11, 2) + dt.timedelta(weeks=k) for k in range(3)]
    nine, two = (dt.datetime(2026, 11, 2, h, tzinfo=TZ) for h in (9, 14))
    past = history(mondays, nine, {"K": [10, 10]}, {"K": 300.0})  # mornings: 300 s a call
    past += history(mondays, two, {"K": [10, 10]}, {"K": 60.0})  # afternoons: 60 s
    hall, clock = make_hall(), Clock(MONDAY_9)
    hall.estimator.learn_history(past, TZ)
    open_windows(hall, clock, "9")  # K only
    usual = {h: hall.estimator.window_time("K", MONDAY_9.replace(hour=h))[0] for h in (9, 14)}
    assert usual == {9: pytest.approx(300, rel=0.1), 14: pytest.approx(60, rel=0.1)}
    for _ in range(8):  # this morning every call runs 10 % over its half hour's usual
        mean = hall.estimator.past["K", estimate._slot(clock.now)][0]
        calls_taking(hall, clock, "9", "K", [1.1 * mean])
    afternoon = hall.estimator.mean_s("K", MONDAY_9.replace(hour=14))
    assert afternoon == pytest.approx(1.1 * usual[14], rel=0.01)  # not a morning's 330 s


def test_a_citizen_at_an_idle_window_waits_for_the_clerk_to_see_them():
    hall, clock = make_hall(), Clock()
    open_windows(hall, clock, "9")  # K only
    for _ in range(2):
        issue(hall, clock, "K")
        hall.call_next("9", clock.advance(10))  # the clerk looks up 10 s after the citizen came
        hall.finish("9", clock.advance(120))
        clock.advance(60)  # the window waits, idle
    assert hall.estimator.reaction.mean(0.0) == pytest.approx(10)  # the first call had no idle
    newcomer = issue(hall, clock, "K")
    assert hall.ticket(newcomer).estimated_wait_s == 10
