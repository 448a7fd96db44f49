"""The kiosk window driven like a citizen would: taps, card swipes and scans on simulated
devices, against a real hall server."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from devices.camera import SimCamera
from devices.idcard import SAMPLE_CARDS, SimIdCardReader
from devices.printer import PrinterStatus, SimTicketPrinter
from devices.scanner import SimScanner
from kiosk.__main__ import KioskApp
from kiosk.config import kiosk_config
from kiosk.flow import Screen
from kiosk.hardware import CardWatcher
from kiosk.photo import BoothState
from kiosk.window import BANNER_INK, KioskWindow
from terminal.link import ServerLink
from terminal.voice import VoiceConfig
from tests.support.server import HallServerProcess


@pytest.fixture
def kiosk_app(qtbot: Any, hall_server: HallServerProcess) -> Iterator[KioskApp]:
    yield from _kiosk_app(qtbot, hall_server)


def _kiosk_app(qtbot: Any, server: HallServerProcess, **settings: Any) -> Iterator[KioskApp]:
    args = argparse.Namespace(lang="zh")
    config = kiosk_config({}, sim=True)
    if settings:
        config = replace(config, settings=replace(config.settings, **settings))
    window = KioskWindow(windowed=True, screen_size=(1920, 1080))
    window.photo_tick_ms = 20
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    app = KioskApp(args, config, window, voice=VoiceConfig(engine="mock"))
    # Parented (owned by Qt): a Python-owned link could be collected by the garbage collector
    # on a device thread, and a QObject destroyed off its thread crashes the event loop.
    app.on_link(ServerLink(server.url, server.tokens["kiosk-1"], window))
    qtbot.waitUntil(lambda: app.flow is not None, timeout=8000)
    try:
        yield app
    finally:
        app.stop()


def button(window: QWidget, name: str) -> QPushButton:
    # The page just replaced is only hidden until Qt deletes it: take the one on screen.
    shown = [b for b in window.findChildren(QPushButton, name) if b.isVisibleTo(window)]
    assert shown, f"no button {name!r} on screen"
    return shown[0]


def tap(qtbot: Any, window: QWidget, name: str) -> None:
    qtbot.mouseClick(button(window, name), Qt.MouseButton.LeftButton)


def wait_screen(qtbot: Any, app: KioskApp, screen: Screen, timeout: int = 8000) -> None:
    qtbot.waitUntil(lambda: app.flow is not None and app.flow.screen is screen, timeout=timeout)


def reader(app: KioskApp) -> SimIdCardReader:
    assert isinstance(app.devices.id_reader, SimIdCardReader)
    return app.devices.id_reader


def printer(app: KioskApp) -> SimTicketPrinter:
    assert isinstance(app.devices.printer, SimTicketPrinter)
    return app.devices.printer


def scanner(app: KioskApp) -> SimScanner:
    assert isinstance(app.devices.scanner, SimScanner)
    return app.devices.scanner


def screen_text(app: KioskApp) -> str:
    return app.window.status_text()


def test_card_swipe_then_three_taps_to_a_printed_green_ticket(
    qtbot: Any, kiosk_app: KioskApp
) -> None:
    window = kiosk_app.window
    qtbot.waitUntil(lambda: not window.overlay.isVisible(), timeout=8000)
    reader(kiosk_app).insert_card(SAMPLE_CARDS["elderly"])
    qtbot.waitUntil(lambda: "张* 您好" in screen_text(kiosk_app), timeout=8000)
    assert "张三" not in screen_text(kiosk_app)
    tap(qtbot, window, "area-F")
    tap(qtbot, window, "matter-老年优待证办理")
    assert "110105********002X" in screen_text(kiosk_app)
    tap(qtbot, window, "take-green")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    qtbot.waitUntil(lambda: window.findChild(QLabel, "print-printed") is not None, timeout=8000)
    number = window.findChild(QLabel, "number")
    assert number is not None and number.text() == "F001"
    assert b"F001" in printer(kiosk_app).output
    assert kiosk_app.flow is not None and kiosk_app.flow.ticket is not None
    assert kiosk_app.flow.ticket["channel"] == "green" and not kiosk_app.flow.has_card
    assert kiosk_app.voice.tts is not None  # the mock engine spoke the ticket
    tap(qtbot, window, "done")
    assert kiosk_app.flow.screen is Screen.START


def test_same_card_again_offers_reprint(qtbot: Any, kiosk_app: KioskApp) -> None:
    window = kiosk_app.window
    sim = reader(kiosk_app)
    sim.insert_card(SAMPLE_CARDS["adult"])
    qtbot.waitUntil(lambda: kiosk_app.flow is not None and kiosk_app.flow.has_card, timeout=8000)
    tap(qtbot, window, "area-E")
    tap(qtbot, window, "matter-公积金提取")
    tap(qtbot, window, "take")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    watcher = next(w for w in kiosk_app.watchers if isinstance(w, CardWatcher))
    with qtbot.waitSignal(watcher.card_removed, timeout=8000):
        sim.remove_card()
    sim.insert_card(SAMPLE_CARDS["adult"])
    wait_screen(qtbot, kiosk_app, Screen.START)
    qtbot.waitUntil(lambda: kiosk_app.flow is not None and kiosk_app.flow.has_card, timeout=8000)
    tap(qtbot, window, "area-E")
    tap(qtbot, window, "matter-公积金提取")
    tap(qtbot, window, "take")
    wait_screen(qtbot, kiosk_app, Screen.REPRINT)
    assert "E001" in screen_text(kiosk_app)
    printer(kiosk_app).state.clear()
    tap(qtbot, window, "reprint")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    qtbot.waitUntil(lambda: b"E001" in printer(kiosk_app).output, timeout=8000)


def test_search_with_the_on_screen_keyboard(qtbot: Any, kiosk_app: KioskApp) -> None:
    window = kiosk_app.window
    tap(qtbot, window, "search")
    for key in "QYKB":
        tap(qtbot, window, f"key-{key}")
    tap(qtbot, window, "matter-企业开办")
    tap(qtbot, window, "take")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    number = window.findChild(QLabel, "number")
    assert number is not None and number.text() == "B001"


def test_help_me_and_the_way_back(qtbot: Any, kiosk_app: KioskApp) -> None:
    window = kiosk_app.window
    tap(qtbot, window, "area-C")
    tap(qtbot, window, "back")
    assert kiosk_app.flow is not None and kiosk_app.flow.screen is Screen.START
    tap(qtbot, window, "help")
    assert kiosk_app.flow.screen is Screen.CONFIRM
    tap(qtbot, window, "take")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    number = window.findChild(QLabel, "number")
    assert number is not None and number.text() == "M001"


def test_scanned_appointment_and_ticket_status(
    qtbot: Any, kiosk_app: KioskApp, hall_server: HallServerProcess
) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    hall_server.request(
        "POST",
        "/appointments",
        {
            "code": "APPT-7",
            "service": "D",
            "slot_start": now.isoformat(),
            "slot_end": (now + dt.timedelta(minutes=30)).isoformat(),
        },
        device="manager-1",
    )
    scanner(kiosk_app).show("hallq:appt:APPT-7")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    flow = kiosk_app.flow
    assert flow is not None and flow.ticket is not None and flow.ticket["channel"] == "appointment"
    ticket_id = flow.ticket["id"]
    tap(qtbot, kiosk_app.window, "done")
    scanner(kiosk_app).show(f"hallq:ticket:sample-hall:{ticket_id}")
    wait_screen(qtbot, kiosk_app, Screen.STATUS)
    assert "等候中" in screen_text(kiosk_app)


def test_printer_out_of_paper_shows_the_qr_to_photograph(qtbot: Any, kiosk_app: KioskApp) -> None:
    printer(kiosk_app).set_status(PrinterStatus.PAPER_OUT)
    window = kiosk_app.window
    tap(qtbot, window, "help")
    tap(qtbot, window, "take")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    qtbot.waitUntil(lambda: window.findChild(QLabel, "print-failed") is not None, timeout=8000)
    assert "请用手机拍下" in screen_text(kiosk_app)
    qr = window.findChild(QLabel, "qr")
    assert qr is not None and not qr.pixmap().isNull()


def test_photo_booth_takes_and_saves_an_id_photo(
    qtbot: Any, kiosk_app: KioskApp, hall_server: HallServerProcess
) -> None:
    window = kiosk_app.window
    camera = kiosk_app.devices.camera
    assert isinstance(camera, SimCamera)
    tap(qtbot, window, "area-C")
    tap(qtbot, window, "matter-居民身份证换领")
    tap(qtbot, window, "take")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)
    tap(qtbot, window, "photo")
    wait_screen(qtbot, kiosk_app, Screen.PHOTO)
    booth = window.booth
    assert booth is not None
    camera.show_person(cx=150)  # off to one side: the booth says which way to move
    qtbot.waitUntil(lambda: booth.framing.value == "face_too_left", timeout=8000)
    camera.show_person()
    qtbot.waitUntil(lambda: booth.framing.value == "good", timeout=8000)
    tap(qtbot, window, "shoot")
    qtbot.waitUntil(lambda: booth.state is BoothState.REVIEW, timeout=15000)
    tap(qtbot, window, "retake")
    assert booth.state is BoothState.PREVIEW
    tap(qtbot, window, "shoot")
    qtbot.waitUntil(lambda: booth.state is BoothState.REVIEW, timeout=15000)
    tap(qtbot, window, "use")
    wait_screen(qtbot, kiosk_app, Screen.TICKET, timeout=15000)
    assert "照片已保存" in screen_text(kiosk_app)
    flow = kiosk_app.flow
    assert flow is not None and flow.ticket is not None and not flow.photo_offered
    status, jpeg = hall_server.request(
        "GET", f"/tickets/{flow.ticket['id']}/photo", device="manager-1"
    )
    assert status == 200 and jpeg[:3] == b"\xff\xd8\xff"


def test_server_down_shows_the_overlay_and_recovers(
    qtbot: Any, kiosk_app: KioskApp, hall_server: HallServerProcess
) -> None:
    overlay = kiosk_app.window.overlay
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=8000)
    hall_server.kill()
    qtbot.waitUntil(overlay.isVisible, timeout=15000)
    assert "正在重连" in overlay.primary.text()
    hall_server.restart()
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=20000)
    tap(qtbot, kiosk_app.window, "help")
    tap(qtbot, kiosk_app.window, "take")
    wait_screen(qtbot, kiosk_app, Screen.TICKET)


def test_unplugged_reader_shows_a_banner_and_comes_back(qtbot: Any, kiosk_app: KioskApp) -> None:
    window = kiosk_app.window
    reader(kiosk_app).unplug()
    qtbot.waitUntil(lambda: window.findChild(QLabel, "device-banner") is not None, timeout=8000)
    assert "读卡器暂不可用" in screen_text(kiosk_app)
    reader(kiosk_app).plug_in()
    qtbot.waitUntil(lambda: window.findChild(QLabel, "device-banner") is None, timeout=8000)


def test_elder_mode_and_english(qtbot: Any, kiosk_app: KioskApp) -> None:
    window = kiosk_app.window
    before = button(window, "area-A").minimumHeight()
    tap(qtbot, window, "elder")
    assert button(window, "area-A").minimumHeight() > before
    assert kiosk_app.flow is not None and kiosk_app.flow.idle_timeout_ms > 60_000
    tap(qtbot, window, "lang")
    text = screen_text(kiosk_app)
    assert text.index("Welcome") < text.index("欢迎使用")
    label = button(window, "help").label.text()
    assert label.index("I don't know") < label.index("我不知道")


def test_idle_timeout_goes_back_to_start(qtbot: Any, hall_server: HallServerProcess) -> None:
    for app in _kiosk_app(qtbot, hall_server, idle_timeout_s=0.3):
        watcher = next(w for w in app.watchers if isinstance(w, CardWatcher))
        with qtbot.waitSignal(watcher.card_read, timeout=8000):
            reader(app).insert_card(SAMPLE_CARDS["adult"])
        tap(qtbot, app.window, "area-A")
        assert app.flow is not None and app.flow.screen is Screen.AREA and app.flow.has_card
        wait_screen(qtbot, app, Screen.START, timeout=5000)
        assert not app.flow.has_card
        assert "李*" not in screen_text(app)


def test_a_printer_that_cannot_be_opened_is_shown_on_the_start_screen(
    qtbot: Any, hall_server: HallServerProcess
) -> None:
    config = kiosk_config({"devices": {"printer": "lpt1"}}, sim=False)
    window = KioskWindow(windowed=True, screen_size=(1920, 1080))
    qtbot.addWidget(window)
    window.show_on_screen()
    app = KioskApp(argparse.Namespace(lang="zh"), config, window, voice=VoiceConfig(engine="mock"))
    app.on_link(ServerLink(hall_server.url, hall_server.tokens["kiosk-1"], window))
    try:
        qtbot.waitUntil(lambda: window.findChild(QLabel, "device-banner") is not None, timeout=8000)
        assert app.flow is not None and app.flow.screen is Screen.START
        banner = window.findChild(QLabel, "device-banner")
        assert banner is not None
        assert "打印机暂不可用" in banner.text() and "printer is unavailable" in banner.text()
        # Readable on amber: both languages near-black, neither white nor the muted grey.
        assert banner.text().count(f"color:{BANNER_INK}") == 2 and "#ffffff" not in banner.text()
    finally:
        app.stop()
