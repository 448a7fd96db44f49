"""The display's boards as plain Python: calls, freshness, filters, levels, alerts, figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from display.board import (
    MAX_ALERTS,
    RECENT_CALLS,
    CallBoard,
    SupervisionBoard,
    level_of,
)
from hallserver.protocol import Thresholds
from terminal.hall import HallInfo

TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=TZ)

HALL = HallInfo.from_json(
    {
        "id": "h",
        "name": "示例市政务服务中心",
        "name_en": "Sample",
        "notice": "请带身份证",
        "timezone": "Asia/Shanghai",
        "services": [{"code": c, "name": f"业务{c}", "name_en": c} for c in "ABCM"],
        "windows": [
            {"id": "1", "name": "1号窗口"},
            {"id": "3", "name": "3号窗口"},
            {"id": "7", "name": "7号窗口 司法公证"},
        ],
        "thresholds": {
            "wait_yellow_s": 1200,
            "wait_red_s": 2400,
            "handling_yellow_s": 600,
            "handling_red_s": 1200,
            "pause_yellow_s": 900,
            "pause_red_s": 1800,
        },
    }
)


class Clock:
    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def ticket(
    number: str,
    *,
    status: str = "called",
    window: str | None = "1",
    issued: dt.datetime = T0,
    called: dt.datetime | None = T0,
    started: dt.datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": f"id-{number}",
        "number": number,
        "service": number[0],
        "status": status,
        "window": window,
        "issued_at": issued.isoformat(),
        "called_at": called.isoformat() if called else None,
        "started_at": started.isoformat() if started else None,
        "recalls": 0,
        **extra,
    }


def event(seq: int, type_: str, at: dt.datetime = T0, **data: Any) -> dict[str, Any]:
    return {"seq": seq, "type": type_, "at": at.isoformat(), "data": data}


def test_a_call_goes_on_the_board_and_the_recent_list() -> None:
    board = CallBoard(HALL, now=Clock())
    call = board.apply(event(1, "ticket.called", ticket=ticket("A012", window="3"), window="3"))
    assert call is not None and (call.number, call.window_name) == ("A012", "3号窗口")
    assert [c.number for c in board.current_calls()] == ["A012"]
    assert [c.number for c in board.recent] == ["A012"]
    assert board.is_fresh(call) and board.worth_announcing(call)


def test_recall_moves_the_number_up_without_doubling_it() -> None:
    clock = Clock()
    board = CallBoard(HALL, now=clock)
    board.apply(event(1, "ticket.called", ticket=ticket("A001"), window="1"))
    board.apply(event(2, "ticket.called", ticket=ticket("B001", window="3"), window="3"))
    recall = board.apply(
        event(
            3,
            "ticket.recalled",
            ticket=ticket("A001", called=T0 + dt.timedelta(seconds=30), recalls=1),
            window="1",
        )
    )
    assert recall is not None and recall.recall
    assert [c.number for c in board.recent] == ["A001", "B001"]
    assert [c.number for c in board.current_calls()] == ["A001", "B001"]


def test_finished_no_show_and_closed_windows_leave_the_board() -> None:
    board = CallBoard(HALL, now=Clock())
    board.apply(event(1, "ticket.called", ticket=ticket("A001"), window="1"))
    board.apply(event(2, "ticket.called", ticket=ticket("B001", window="3"), window="3"))
    board.apply(event(3, "ticket.called", ticket=ticket("M001", window="7"), window="7"))
    board.apply(event(4, "ticket.finished", ticket=ticket("A001", status="done"), window="1"))
    board.apply(event(5, "ticket.no_show", ticket=ticket("B001", status="no_show"), window="3"))
    board.apply(event(6, "window.closed", window="7"))
    assert board.current_calls() == []
    assert [c.number for c in board.recent] == ["M001", "B001", "A001"]  # history stays


def test_freshness_and_announcing_age_follow_the_clock() -> None:
    clock = Clock()
    board = CallBoard(HALL, now=clock)
    call = board.apply(event(1, "ticket.called", ticket=ticket("A001"), window="1"))
    assert call is not None
    clock.now = T0 + dt.timedelta(seconds=20)
    assert not board.is_fresh(call) and board.worth_announcing(call)
    clock.now = T0 + dt.timedelta(seconds=90)
    assert not board.worth_announcing(call)  # replayed after an outage: shown, not said


def test_a_zone_display_shows_only_its_services() -> None:
    board = CallBoard(HALL, services=["A", "B"], now=Clock())
    assert board.apply(event(1, "ticket.called", ticket=ticket("C001"), window="1")) is None
    assert board.apply(event(2, "ticket.called", ticket=ticket("B001"), window="1")) is not None
    board.load_queues([{"service": s, "waiting": 2, "estimated_wait_s": 300} for s in "ABCM"])
    assert list(board.queues) == ["A", "B"]


def test_lists_stay_bounded_over_a_long_day() -> None:
    board = CallBoard(HALL, now=Clock())
    for n in range(5000):
        window = "137"[n % 3]
        board.apply(
            event(n, "ticket.called", ticket=ticket(f"A{n:04d}", window=window), window=window)
        )
    assert len(board.recent) == RECENT_CALLS
    assert len(board.current) == 3


def test_snapshot_rebuilds_the_calls_at_the_windows() -> None:
    board = CallBoard(HALL, now=Clock())
    board.apply(event(1, "ticket.called", ticket=ticket("A001"), window="1"))
    board.load_windows(
        [
            {"id": "1", "current": None},
            {"id": "3", "current": ticket("B002", window="3", status="serving")},
            {"id": "7", "current": ticket("M003", window="7", status="done")},
        ]
    )
    assert [(c.number, c.window) for c in board.current_calls()] == [("B002", "3")]
    assert [c.number for c in board.recent] == ["B002", "A001"]


def test_levels_by_threshold() -> None:
    limits = Thresholds(wait_yellow_s=10, wait_red_s=20)
    assert [level_of(limits, "wait", s) for s in (None, 0, 9, 10, 19, 20, 99)] == [
        "ok",
        "ok",
        "ok",
        "yellow",
        "yellow",
        "red",
        "red",
    ]


def test_window_rows_are_coloured_by_the_halls_thresholds() -> None:
    clock = Clock(T0 + dt.timedelta(minutes=45))
    board = SupervisionBoard(HALL, now=clock)
    board.load_windows(
        [
            # waited 25 min (yellow), handling since called 15 min ago (yellow: 600..1200)
            {
                "id": "1",
                "status": "open",
                "clerk_name": "张*",
                "current": ticket(
                    "A001",
                    issued=T0 + dt.timedelta(minutes=5),
                    called=T0 + dt.timedelta(minutes=30),
                ),
            },
            # waited 5 min, started 25 min ago: handling red
            {
                "id": "3",
                "status": "open",
                "clerk_name": "李*",
                "current": ticket(
                    "B001",
                    window="3",
                    issued=T0 + dt.timedelta(minutes=10),
                    called=T0 + dt.timedelta(minutes=15),
                    started=T0 + dt.timedelta(minutes=20),
                    status="serving",
                ),
            },
            {
                "id": "7",
                "status": "paused",
                "paused_at": (T0 + dt.timedelta(minutes=25)).isoformat(),
                "pause_reason": "午休",
                "current": None,
            },
        ]
    )
    rows = {r.id: r for r in board.window_rows()}
    assert (rows["1"].wait_level, rows["1"].handling_level, rows["1"].level) == (
        "yellow",
        "yellow",
        "yellow",
    )
    assert (rows["3"].waited_s, rows["3"].handling_s) == (300, 1500)
    assert rows["3"].level == "red"
    assert (rows["7"].paused_s, rows["7"].pause_level) == (1200, "yellow")

    board.load_queues(
        [
            {"service": "A", "waiting": 3, "longest_wait_s": 2500},
            {"service": "B", "waiting": 1, "longest_wait_s": 100},
        ]
    )
    assert [(q.line.service.code, q.level) for q in board.queue_rows()] == [
        ("A", "red"),
        ("B", "ok"),
    ]


def test_window_events_update_the_supervision_rows() -> None:
    board = SupervisionBoard(HALL, now=Clock())
    board.apply(event(1, "window.opened", window="3", clerk_name="李*"))
    board.apply(event(2, "ticket.called", ticket=ticket("B001", window="3"), window="3"))
    assert {r.id: r.number for r in board.window_rows()}["3"] == "B001"
    board.apply(event(3, "ticket.finished", ticket=ticket("B001", status="done"), window="3"))
    board.apply(event(4, "window.paused", window="3", reason="开会"))
    row = {r.id: r for r in board.window_rows()}["3"]
    assert (row.status, row.number, row.pause_reason) == ("paused", "", "开会")


def test_alerts_escalate_in_place_and_leave_when_acknowledged() -> None:
    board = SupervisionBoard(HALL, now=Clock())
    waiting = ticket("A009", status="waiting", window=None, called=None)
    board.apply(
        event(
            10,
            "hall.alert",
            kind="wait",
            level="yellow",
            subject="id-A009",
            ticket=waiting,
            seconds=1200,
        )
    )
    board.apply(
        event(11, "hall.alert", kind="pause", level="yellow", subject="3", window="3", seconds=900)
    )
    board.apply(
        event(
            12,
            "hall.alert",
            kind="wait",
            level="red",
            subject="id-A009",
            ticket=waiting,
            seconds=2400,
        )
    )
    assert [(a.seq, a.kind, a.level) for a in board.open_alerts()] == [
        (12, "wait", "red"),
        (11, "pause", "yellow"),
    ]
    board.acknowledge(12)
    assert [a.seq for a in board.open_alerts()] == [11]
    for n in range(200):
        board.apply(
            event(
                100 + n,
                "hall.alert",
                kind="bad_review",
                level="red",
                window="1",
                ticket=ticket(f"A{n:03d}", status="done"),
                reasons=["attitude"],
            )
        )
    assert len(board.alerts) == MAX_ALERTS


def test_todays_figures_from_events_and_the_day_roll() -> None:
    clock = Clock()
    board = SupervisionBoard(HALL, now=clock)
    later = T0 + dt.timedelta(minutes=10)
    for seq, number in ((1, "A001"), (2, "A002"), (3, "A003")):
        waiting = ticket(number, status="waiting", window=None, called=None)
        board.apply(event(seq, "ticket.issued", ticket=waiting))
    for seq, number, score in ((4, "A001", 5), (7, "A003", 1)):
        board.apply(event(seq, "ticket.called", later, ticket=ticket(number, called=later)))
        done = ticket(number, status="done", called=later)
        board.apply(event(seq + 1, "ticket.finished", later, ticket=done, window="1", service_s=0))
        rated = done | {"score": score}
        board.apply(event(seq + 2, "ticket.evaluated", later, ticket=rated, score=score))
    board.apply(event(10, "ticket.called", later, ticket=ticket("A002", called=later)))
    board.apply(event(11, "ticket.no_show", later, ticket=ticket("A002", status="no_show")))
    today = board.figures
    f = today.figures
    assert (f.issued, f.served, f.no_show, f.avg_wait_s, f.satisfaction_rate) == (3, 2, 1, 600, 0.5)
    assert today.since == T0
    clock.now = tomorrow = T0 + dt.timedelta(days=1)
    board.apply(
        event(12, "ticket.issued", tomorrow, ticket=ticket("A001", issued=tomorrow, called=None))
    )
    today = board.figures
    assert (today.day, today.figures.issued, today.figures.served) == (tomorrow.date(), 1, 0)
    assert today.since == tomorrow.replace(hour=0, minute=0)


def test_stats_from_the_server_replace_the_counting() -> None:
    board = SupervisionBoard(HALL, now=Clock())
    board.load_stats(
        {
            "date": "2026-11-23",
            "issued": 120,
            "served": 90,
            "no_show": 4,
            "avg_wait_s": 410,
            "satisfaction_rate": 0.9667,
            "evaluations": 60,
        }
    )
    board.apply(event(1, "ticket.issued", ticket=ticket("A001", status="waiting", called=None)))
    today = board.figures
    f = today.figures
    assert (today.since, f.issued, f.avg_wait_s, f.satisfaction_rate) == (None, 120, 410, 0.9667)


def test_alert_texts_name_the_ticket_window_and_time() -> None:
    from display.board import Alert
    from display.supervision_view import alert_text

    def alert(kind: str, **kw: Any) -> Alert:
        return Alert(
            seq=1,
            at=T0,
            kind=kind,
            level="red",
            window=kw.get("window"),
            number=kw.get("number", ""),
            seconds=kw.get("seconds"),
            reasons=kw.get("reasons", []),
        )

    assert alert_text(alert("wait", number="A009", seconds=1500)) == "A009 等候超时 25:00"
    assert alert_text(alert("handling", number="B001", window="3", seconds=2460)) == (
        "3号窗口 B001 办理超时 41:00"
    )
    assert alert_text(alert("pause", window="7", seconds=3700)) == "7号窗口 暂停超时 1:01:40"
    review = alert("bad_review", number="C003", window="4", reasons=["attitude", "efficiency"])
    assert alert_text(review) == "4号窗口 C003 差评（态度、效率）"
