"""Every kiosk screen fits the kiosk's screen, landscape and portrait, in both text sizes: the
window never grows past it (without a window manager nothing would cut it back) and every
button is on screen."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QPushButton

from devices.printer import PrinterStatus
from kiosk.__main__ import KioskApp
from kiosk.config import kiosk_config
from kiosk.flow import Screen
from kiosk.window import KioskWindow
from terminal.app import start_application, terminal_arguments
from terminal.link import ServerLink
from terminal.voice import VoiceConfig
from tests.support.server import HallServerProcess

SIZES = [(1920, 1080), (1080, 1920)]


def _off_screen(window: KioskWindow) -> list[str]:
    area = QRect(0, 0, window.width(), window.height())
    return [
        b.objectName() or b.text()
        for b in window.findChildren(QPushButton)
        if b.isVisibleTo(window)
        and not area.contains(QRect(b.mapTo(window, b.rect().topLeft()), b.size()))
    ]


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("size", SIZES, ids=["landscape", "portrait"])
def test_the_ticket_screen_fits(
    qtbot: Any, hall_server: HallServerProcess, size: tuple[int, int], elder: bool
) -> None:
    # The application set up as hallq-kiosk does (theme, font), whatever another test left.
    start_application(terminal_arguments("hallq-kiosk", "kiosk").parse_args(["--sim"]))
    window = KioskWindow(windowed=True, screen_size=size)
    qtbot.addWidget(window)
    window.show_on_screen()
    app = KioskApp(
        argparse.Namespace(lang="zh"), kiosk_config({}, sim=True), window,
        voice=VoiceConfig(engine="mock"),
    )  # fmt: skip
    app.on_link(ServerLink(hall_server.url, hall_server.tokens["kiosk-1"], window))
    qtbot.waitUntil(lambda: app.flow is not None, timeout=8000)
    flow = app.flow
    assert flow is not None
    try:
        if elder:
            flow.toggle_elder()
        app.devices.printer.set_status(PrinterStatus.PAPER_OUT)  # type: ignore[union-attr]
        flow.choose_area("C")
        assert flow.area is not None
        flow.choose_matter(next(m for m in flow.area.matters if m.name == "居民身份证换领"))
        flow.take_ticket()
        qtbot.waitUntil(lambda: flow.print_state == "failed", timeout=8000)
        assert flow.screen is Screen.TICKET and flow.photo_offered
        qtbot.waitUntil(lambda: window.isVisible(), timeout=2000)
        assert (window.width(), window.height()) == size
        assert _off_screen(window) == []
    finally:
        app.stop()
