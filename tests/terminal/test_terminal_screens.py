"""The locked-down window and the reconnecting overlay, driven like a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from terminal.link import ServerLink
from terminal.screens import FullScreenWindow, StatusOverlay
from tests.support.server import HallServerProcess


def test_escape_leaves_the_locked_window_only_with_the_admin_pin(qtbot: QtBot) -> None:
    window = FullScreenWindow("kiosk", admin_pin="2468")
    qtbot.addWidget(window)
    window.show_on_screen()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert window.geometry() == window.screen().geometry()

    assert not window.close()  # a plain close request is refused while locked
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    prompt = window.pin_prompt
    assert prompt is not None and prompt.isVisible()
    qtbot.keyClicks(prompt.entry, "1111")
    qtbot.keyClick(prompt.entry, Qt.Key.Key_Return)
    assert window.isVisible() and "Wrong PIN" in prompt.status.text()

    qtbot.keyClicks(prompt.entry, "2468")
    qtbot.keyClick(prompt.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_without_an_admin_pin_escape_does_nothing(qtbot: QtBot) -> None:
    window = FullScreenWindow("display")
    qtbot.addWidget(window)
    window.show_on_screen()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible() and window.pin_prompt is None


def test_overlay_covers_the_window_while_the_link_is_down(
    qtbot: QtBot, hall_server: HallServerProcess
) -> None:
    window = FullScreenWindow("display", windowed=True, screen_size=(1280, 720))
    qtbot.addWidget(window)
    window.show_on_screen()
    overlay = StatusOverlay(window)
    link = ServerLink(hall_server.url, hall_server.tokens["display-hall"], reconnect_max_s=0.5)
    overlay.follow(link)
    assert overlay.isVisible() and "连接" in overlay.primary.text()
    assert overlay.geometry() == window.rect()

    with qtbot.waitSignal(link.online_changed, timeout=10000):
        link.start()
    assert not overlay.isVisible()

    with qtbot.waitSignal(link.online_changed, timeout=10000):
        hall_server.kill()
    assert overlay.isVisible()
    assert overlay.primary.text() == "服务器连接中断，正在重连…"
    assert overlay.secondary.text() == "Reconnecting to the hall server…"

    window.resize(1000, 600)
    qtbot.waitUntil(lambda: overlay.geometry() == window.rect())

    with qtbot.waitSignal(link.online_changed, timeout=20000):
        hall_server.start(hall_server.port)
    assert not overlay.isVisible()
    link.stop()
