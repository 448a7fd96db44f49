"""The app's wiring: arguments and [voice] config, window + overlay + view against a server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from display.app import DisplayApp, DisplayWindow, display_arguments, voice_config
from display.hall_view import HallView
from display.supervision_view import SupervisionView
from terminal.app import TerminalConfigError, connect_to_hall, start_application
from tests.support.server import HallServerProcess


def test_voice_config_from_the_terminal_config() -> None:
    config = voice_config({"volume": 0.6, "rate": -0.2, "quiet_hours": ["12:00-13:30"]}, None)
    assert (config.engine, config.volume, config.rate, config.repeat) == ("auto", 0.6, -0.2, 2)
    assert len(config.quiet_hours) == 1
    assert voice_config({"engine": "mock"}, "clips").engine == "clips"  # --voice wins
    with pytest.raises(TerminalConfigError, match="volum"):
        voice_config({"volum": 1}, None)
    with pytest.raises(TerminalConfigError, match="volume"):
        voice_config({"volume": 3}, None)


@pytest.mark.parametrize("mode", ["hall", "supervision"])
def test_the_window_shows_the_mode_once_connected(
    qtbot: QtBot, hall_server: HallServerProcess, tmp_path: Path, mode: str
) -> None:
    config = tmp_path / "display.toml"
    config.write_text(f'[display]\nmode = "{mode}"\n[voice]\nengine = "mock"\n', encoding="utf-8")
    args = display_arguments().parse_args(
        [
            "--server",
            hall_server.url,
            "--token",
            hall_server.tokens["display-hall"],
            "--windowed",
            "--screen-size",
            "1280x720",
            "--config",
            str(config),
        ]
    )
    app = start_application(args)
    args.supervision = args.sections["display"]["mode"] == "supervision"
    window = DisplayWindow(args)
    qtbot.addWidget(window)
    window.show_on_screen()
    assert window.overlay.isVisible()  # "connecting" until the link is up
    display = DisplayApp(args, window)
    connect_to_hall(args, display.on_link)
    qtbot.waitUntil(
        lambda: window.view is not None and not window.overlay.isVisible(), timeout=10000
    )
    expected = SupervisionView if mode == "supervision" else HallView
    assert isinstance(window.view, expected)
    assert (display.announcer is not None) == (mode == "hall")  # display-hall is the speaker
    assert app is not None
    assert display.controller is not None
    display.controller.link.stop()
