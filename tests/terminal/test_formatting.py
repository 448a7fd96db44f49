"""The one rule for waits on paper, screen and voice; times running at a window; names."""

from terminal.formatting import (
    duration_text,
    spoken_ticket,
    wait_minutes,
    wait_text,
    window_name,
    window_number,
)


def test_wait_is_rounded_up_so_no_one_is_told_too_little() -> None:
    assert wait_minutes(0) == 0
    assert wait_minutes(1) == 1
    assert wait_minutes(60) == 1
    assert wait_minutes(61) == 2
    assert wait_minutes(725) == 13


def test_wait_text_agrees_with_the_printed_minutes() -> None:
    assert wait_text(None) == "—"
    assert wait_text(0) == "即到"
    assert wait_text(90) == "约 2 分钟"  # the wall said 约 2 分钟 where paper said 2: both say 2
    assert wait_text(725) == f"约 {wait_minutes(725)} 分钟"


def test_durations_read_as_a_clock() -> None:
    assert [duration_text(s) for s in (None, -3, 65, 3725)] == ["—", "00:00", "01:05", "1:02:05"]


def test_a_window_without_a_name_is_named_by_its_number() -> None:
    assert window_name("7") == "7号窗口"
    assert window_name("7", "司法公证窗口") == "司法公证窗口"


def test_ticket_numbers_are_spoken_one_character_at_a_time() -> None:
    assert spoken_ticket("A012") == "A 零 一 二"
    assert spoken_ticket("A012", "en") == "A 0 1 2"
    assert [window_number(n) for n in ("3号窗口", "7号窗口 司法公证", "服务台")] == [
        "3",
        "7",
        "服务台",
    ]
