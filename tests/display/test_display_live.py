"""The display against a real hall server: calls on screen and spoken once, across reconnects;
the zone filter; supervision colours, alerts and figures."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from display.board import Call
from display.controller import DisplayController, DisplaySetup, fetch_setup
from display.hall_view import HallView
from display.supervision_view import SupervisionView
from terminal.link import ServerLink
from terminal.theme import HALL_DARK, Theme
from terminal.voice import Announcer, VoiceConfig
from tests.support.server import SAMPLE, HallServerProcess

THEME = Theme(palette=HALL_DARK, scale=0.5)
CLIPS = [
    "chime",
    "qing",
    "hao_dao",
    "hao_chuangkou_banli",
    "ten",
    "hundred",
    *(f"digit_{d}" for d in range(10)),
    *(f"letter_{c}" for c in "ABCDEFGHJKLM"),
]


@pytest.fixture
def short_clips(tmp_path: Path) -> Path:
    """30 ms clips, so announcements take little real time in tests."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in CLIPS:
        with wave.open(str(folder / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(b"\x10\x20" * 480)
    return folder


class Display:
    """A display's link and controller, started like the app does."""

    def __init__(
        self,
        qtbot: QtBot,
        server: HallServerProcess,
        device: str,
        *,
        supervision: bool = False,
        announcer: Announcer | None = None,
    ) -> None:
        self.announcer = announcer
        self.link = ServerLink(server.url, server.tokens[device], reconnect_max_s=0.5)
        setups: list[DisplaySetup] = []
        fetch_setup(self.link, setups.append)
        qtbot.waitUntil(lambda: bool(setups), timeout=10000)
        self.setup = setups[0]
        self.controller = DisplayController(
            self.link, self.setup, supervision=supervision, announcer=announcer
        )
        self.shown: list[Call] = []
        self.controller.call_shown.connect(self.shown.append)
        self.controller.start()
        with qtbot.waitSignal(self.link.resynced, timeout=10000):
            self.link.start()


@pytest.fixture
def displays() -> Iterator[list[Display]]:
    made: list[Display] = []
    yield made
    for d in made:
        d.link.stop()
        if d.announcer is not None:
            # A sound still playing when its player is torn down crashes the media backend's
            # thread (a segfault in the test run): stopped first, as the app does on quit.
            d.announcer.clear()


def call_next(server: HallServerProcess, window: str) -> dict[str, Any]:
    status, body = server.request(
        "POST", f"/windows/{window}/call-next", {}, device=f"caller-{window}"
    )
    assert status == 200 and body["ticket"], body
    return body["ticket"]


def issue(server: HallServerProcess, *services: str) -> None:
    for s in services:
        status, body = server.request("POST", "/tickets", {"service": s}, device="kiosk-1")
        assert status == 201, body


def test_a_call_is_on_screen_and_announced_once(
    qtbot: QtBot, hall_server: HallServerProcess, short_clips: Path, displays: list[Display]
) -> None:
    announcer = Announcer(VoiceConfig(engine="mock"), sounds_dir=short_clips)
    said: list[tuple[str, ...]] = []
    announcer.voice_started.connect(lambda a: said.append(a.key))
    display = Display(qtbot, hall_server, "display-hall", announcer=announcer)
    displays.append(display)
    assert display.setup.speaker and display.setup.services == []
    view = HallView(display.controller.calls, THEME)
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    display.controller.changed.connect(view.refresh)

    hall_server.sign_in("3")
    issue(hall_server, "B", "F")
    ticket = call_next(hall_server, "3")
    qtbot.waitUntil(lambda: view.tiles[0].number.text() == ticket["number"], timeout=5000)
    assert view.tiles[0].place.text() == "3号窗口"
    assert view.tiles[0].fresh
    qtbot.waitUntil(lambda: said == [("call", ticket["number"], "3")], timeout=10000)

    hall_server.request("POST", "/windows/3/recall", {}, device="caller-3")
    qtbot.waitUntil(lambda: len(said) == 2, timeout=10000)
    assert said[1] == ("recall", ticket["number"], "3")
    qtbot.waitUntil(lambda: view.queues.rows["F"][0].text() == "1 人", timeout=5000)


def test_reconnect_replays_exactly_and_announces_nothing_twice(
    qtbot: QtBot, hall_server: HallServerProcess, short_clips: Path, displays: list[Display]
) -> None:
    announcer = Announcer(VoiceConfig(engine="mock"), sounds_dir=short_clips)
    said: list[str] = []
    announcer.voice_started.connect(lambda a: said.append(a.key[1]))
    display = Display(qtbot, hall_server, "display-hall", announcer=announcer)
    displays.append(display)
    hall_server.sign_in("1")
    hall_server.sign_in("4")
    issue(hall_server, "A", "A", "C", "C")

    first = call_next(hall_server, "1")["number"]
    qtbot.waitUntil(lambda: said == [first], timeout=10000)

    with qtbot.waitSignal(display.link.online_changed, timeout=10000):
        hall_server.restart(hard=True)
        during = call_next(hall_server, "4")["number"]  # made while the display is offline
    with qtbot.waitSignal(display.link.resynced, timeout=20000):
        pass
    qtbot.waitUntil(lambda: any(c.number == during for c in display.shown), timeout=5000)
    board = display.controller.calls
    assert {c.number for c in board.current_calls()} == {first, during}

    hall_server.request("POST", "/windows/1/finish", {}, device="caller-1")
    after = call_next(hall_server, "1")["number"]
    qtbot.waitUntil(lambda: said == [first, after], timeout=10000)
    # The replayed call is on the board but was not said; nothing was said twice.
    assert [c.number for c in display.shown] == [first, during, after]


def test_a_zone_display_shows_its_services_and_stays_silent(
    qtbot: QtBot, hall_server: HallServerProcess, displays: list[Display]
) -> None:
    display = Display(
        qtbot, hall_server, "display-enterprise", announcer=Announcer(VoiceConfig(engine="mock"))
    )
    displays.append(display)
    assert display.controller.announcer is None  # not this zone's speaker
    hall_server.sign_in("4")
    hall_server.sign_in("1")
    issue(hall_server, "C", "A")
    call_next(hall_server, "4")  # C: another zone
    a = call_next(hall_server, "1")
    qtbot.waitUntil(lambda: len(display.shown) == 1, timeout=5000)
    assert display.shown[0].number == a["number"]
    qtbot.waitUntil(
        lambda: set(display.controller.calls.queues) == {"A", "B", "F", "G"}, timeout=5000
    )


@pytest.fixture
def strict_hall(tmp_path: Path) -> Iterator[HallServerProcess]:
    """The sample hall with supervision thresholds of seconds, so alerts fire in a test."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("[supervision]", 1)
    rest = rest.split("\n[", 1)[1]
    config = tmp_path / "strict.toml"
    config.write_text(
        head + "[supervision]\nwait_yellow_s = 1\nwait_red_s = 3\n"
        "handling_yellow_s = 1\nhandling_red_s = 3\npause_yellow_s = 1\n"
        "pause_red_s = 3\n\n[" + rest,
        encoding="utf-8",
    )
    server = HallServerProcess(db=tmp_path / "strict.db", config=config)
    server.pair_all()
    server.start()
    yield server
    server.kill()


def test_supervision_colours_alerts_and_acknowledgement(
    qtbot: QtBot, strict_hall: HallServerProcess, displays: list[Display]
) -> None:
    display = Display(qtbot, strict_hall, "display-supervision", supervision=True)
    displays.append(display)
    view = SupervisionView(display.controller, THEME)
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    display.controller.changed.connect(view.refresh)

    strict_hall.sign_in("2")
    issue(strict_hall, "A", "B")
    ticket = call_next(strict_hall, "2")
    qtbot.waitUntil(lambda: view.cards["2"].number.text() == ticket["number"], timeout=5000)
    # Seconds-long thresholds: the handling time turns the card red within a few seconds.
    qtbot.waitUntil(lambda: view.cards["2"].level == "red", timeout=10000)
    qtbot.waitUntil(lambda: view.queue_rows["B"][0].text() == "1", timeout=5000)
    # Each header over its own column, in both languages, aligned as its figures are.
    headers = view.queue_headers
    assert [h.text() for h in headers] == ["队列 Queue", "等候 Waiting", "最长等待 Longest"]
    for header, figure in zip(headers[1:], view.queue_rows["B"], strict=True):
        assert header.alignment() == figure.alignment()
        assert header.alignment() & Qt.AlignmentFlag.AlignRight

    qtbot.waitUntil(lambda: len(view.alert_rows) >= 2, timeout=10000)
    view.show()
    qtbot.waitUntil(lambda: all(row.isVisible() for row in view.alert_rows), timeout=5000)
    kinds = {row.alert.kind for row in view.alert_rows}
    assert {"wait", "handling"} <= kinds
    # Yellow then red for the same subject stays one entry.
    keys = [row.alert.key for row in view.alert_rows]
    assert len(keys) == len(set(keys))
    first = view.alert_rows[0]
    seq = first.alert.seq
    qtbot.mouseClick(first.ack, Qt.MouseButton.LeftButton)
    assert seq not in [a.seq for a in display.controller.watch.open_alerts()]
    qtbot.waitUntil(lambda: seq not in [r.alert.seq for r in view.alert_rows], timeout=5000)

    # A display may read the day's figures from /stats.
    qtbot.waitUntil(lambda: display.controller.watch.figures.since is None, timeout=10000)
    qtbot.waitUntil(lambda: view.figures["issued"].text() == "2", timeout=10000)


def test_supervision_counts_from_events_where_stats_are_refused(
    qtbot: QtBot, hall_server: HallServerProcess, displays: list[Display]
) -> None:
    # A device whose token may not read /stats (here a caller's) counts from the events.
    display = Display(qtbot, hall_server, "caller-3", supervision=True)
    displays.append(display)
    qtbot.waitUntil(lambda: not display.controller.stats_available, timeout=10000)
    issue(hall_server, "A", "B")
    board = display.controller.watch
    qtbot.waitUntil(lambda: board.figures.figures.issued == 2, timeout=10000)
    assert board.figures.since is not None  # counted from the events since the display started


def test_supervision_with_the_manager_token_reads_the_days_stats(
    qtbot: QtBot, hall_server: HallServerProcess, displays: list[Display]
) -> None:
    issue(hall_server, "A", "B", "C")  # before the display starts: still counted
    display = Display(qtbot, hall_server, "manager-1", supervision=True)
    displays.append(display)
    board = display.controller.watch
    qtbot.waitUntil(lambda: board.figures.since is None, timeout=10000)  # the whole day
    assert board.figures.figures.issued == 3
