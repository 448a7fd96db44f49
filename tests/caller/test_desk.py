"""The window desk, the 好差评 flow and the transfer search, without a screen or a server."""

from __future__ import annotations

from caller.desk import Action, WindowDesk
from caller.rating import RatingFlow, Stage
from caller.targets import build_targets, search
from hallserver.protocol import Thresholds
from terminal.hall import HallInfo

AT = "2026-11-25T10:00:00+08:00"


def ticket(status: str, tid: str = "t1", number: str = "A001") -> dict[str, object]:
    return {"id": tid, "number": number, "service": "A", "status": status,
            "issued_at": "2026-11-25T09:40:00+08:00", "called_at": AT}  # fmt: skip


def event(kind: str, seq: int = 1, window: str = "1", **data: object) -> dict[str, object]:
    return {"seq": seq, "type": kind, "at": AT, "data": {"window": window, **data}}


def open_desk(clock: list[float] | None = None) -> WindowDesk:
    times = clock if clock is not None else [0.0]
    desk = WindowDesk("1", clock=lambda: times[0])
    desk.apply_snapshot({"id": "1", "status": "open", "clerk": "c1", "clerk_name": "王芳"})
    return desk


def test_a_late_event_older_than_the_answer_does_not_bring_the_ticket_back() -> None:
    desk = open_desk()
    desk.apply_answer(Action.CALL_NEXT, {"ticket": ticket("called")})
    desk.apply_answer(Action.FINISH, {"ticket": ticket("done")})
    assert desk.current is None
    # The WebSocket delivers the call only now, after the finish answer was shown.
    assert not desk.apply_event(event("ticket.called", 1, ticket=ticket("called")))
    assert desk.current is None
    assert not desk.apply_event(event("ticket.finished", 2, ticket=ticket("done")))
    # Later events (the manager calling for this window) apply again.
    assert desk.apply_event(event("ticket.called", 3, ticket=ticket("called", "t2", "A002")))
    assert desk.current is not None and desk.current["number"] == "A002"


def test_an_event_before_its_answer_is_not_overwritten_by_the_late_answer() -> None:
    desk = open_desk()
    desk.apply_answer(Action.CALL_NEXT, {"ticket": ticket("called")})
    assert not desk.apply_event(event("ticket.called", 1, ticket=ticket("called")))
    # finish: the event comes first, then the manager calls the next ticket for the window,
    # and only then the HTTP answer to the clerk's finish arrives.
    assert desk.apply_event(event("ticket.finished", 2, ticket=ticket("done")))
    assert desk.apply_event(event("ticket.called", 3, ticket=ticket("called", "t2", "A002")))
    desk.apply_answer(Action.FINISH, {"ticket": ticket("done")})
    assert desk.current is not None and desk.current["number"] == "A002"
    # and no echo is left waiting: the next event applies at once
    assert desk.apply_event(event("ticket.started", 4, ticket=ticket("serving", "t2", "A002")))


def test_an_echo_that_never_comes_stops_holding_back_events() -> None:
    clock = [0.0]
    desk = open_desk(clock)
    desk.apply_answer(Action.PAUSE, {"window": {"status": "paused", "clerk": "c1"}})
    clock[0] = 10.0
    assert desk.apply_event(event("window.resumed", 5))
    assert desk.status == "open"


def test_recall_past_the_limit_is_shown_as_the_server_answers_no_show() -> None:
    desk = open_desk()
    desk.apply_answer(Action.CALL_NEXT, {"ticket": ticket("called")})
    desk.apply_answer(Action.RECALL, {"ticket": ticket("no_show")})
    assert desk.current is None
    assert desk.allows(Action.CALL_NEXT)


def test_what_the_clerk_may_press() -> None:
    desk = open_desk()
    assert [a for a in Action if desk.allows(a)] == [Action.CALL_NEXT, Action.PAUSE]
    desk.current = ticket("called")
    allowed = {a for a in Action if desk.allows(a)}
    assert allowed == {Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW,
                       Action.TRANSFER, Action.PAUSE}  # fmt: skip
    desk.current = ticket("serving")
    assert {a for a in Action if desk.allows(a)} == {Action.FINISH, Action.TRANSFER, Action.PAUSE}
    desk.current, desk.status = None, "paused"
    assert [a for a in Action if desk.allows(a)] == [Action.RESUME]
    desk.status = "closed"
    assert not any(desk.allows(a) for a in Action)


def test_thresholds_colour_the_waiting_time() -> None:
    th = Thresholds.from_hall({"thresholds": {"wait_yellow_s": 600, "wait_red_s": 1200}})
    assert [th.level("wait", s) for s in (599, 600, 1200)] == ["ok", "yellow", "red"]


def test_rating_flow_bad_review_needs_a_reason() -> None:
    flow = RatingFlow("1")
    flow.apply_window({"status": "open", "clerk": "c1", "clerk_name": "王芳", "name": "1号窗口"})
    flow.apply_event(event("ticket.called", 1, ticket=ticket("called")))
    assert flow.stage is Stage.SERVING
    flow.apply_event(event("ticket.finished", 2, ticket={**ticket("done"), "score": None}))
    assert flow.stage is Stage.RATING
    assert not flow.choose(2)
    assert flow.stage is Stage.REASONS and not flow.can_send
    flow.toggle_reason("attitude")
    flow.toggle_reason("nonsense")
    assert flow.body() == {"score": 2, "reasons": ["attitude"]}
    flow.back_to_levels()
    assert flow.stage is Stage.RATING
    assert flow.choose(5) and flow.body() == {"score": 5}
    flow.sending()
    flow.failed("网络错误")
    assert flow.stage is Stage.RATING and flow.error
    flow.thank()
    assert flow.stage is Stage.THANKS
    flow.done_thanking()
    assert flow.stage is Stage.WELCOME


def test_rating_is_closed_when_the_ticket_was_rated_elsewhere() -> None:
    flow = RatingFlow("1")
    flow.apply_window({"status": "open", "clerk": "c1"})
    flow.apply_event(event("ticket.finished", 1, ticket={**ticket("done"), "score": None}))
    flow.apply_event(event("ticket.evaluated", 2, ticket={**ticket("done"), "score": 4}))
    assert flow.stage is Stage.THANKS


def test_transfer_search_by_number_letter_chinese_and_pinyin() -> None:
    hall = {
        "services": [{"code": "C", "name": "公安服务", "name_en": "Public security"},
                     {"code": "H", "name": "司法公证", "name_en": "Notary"}],
        "windows": [{"id": "1", "name": "1号窗口", "services": ["C"]},
                    {"id": "7", "name": "7号窗口 司法公证", "services": ["H"]}],
    }  # fmt: skip
    targets = build_targets(HallInfo.from_json(hall), "1")
    assert [t.id for t in targets] == ["C", "H", "7"]  # not the own window
    assert search(targets, "7")[0].body == {"window": "7"}
    assert [t.body for t in search(targets, "gafw")] == [{"service": "C"}]
    assert {t.id for t in search(targets, "公证")} == {"H", "7"}
    assert search(targets, "c")[0].id == "C"
    assert search(targets, "zzz") == []
