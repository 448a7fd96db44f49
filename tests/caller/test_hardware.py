"""The RS-485 keypad, the citizen's evaluator and the LED screen (simulators on the real
drivers), and today's figures surviving a restart of the caller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caller.app import CallerApp, CallerConfigError, WindowDevices
from caller.clerk import CountsFile
from caller.desk import Action
from caller.rating import Stage
from devices.window import KeypadAction
from terminal.link import ServerLink
from terminal.theme import Theme
from tests.support.server import HallServerProcess


def start_caller(qtbot: Any, server: HallServerProcess, tmp_path: Path,
                 devices: WindowDevices | None = None) -> CallerApp:  # fmt: skip
    link = ServerLink(server.url, server.tokens["caller-1"])
    app = CallerApp(link, "1", theme=Theme(), devices=devices,
                    counts_file=CountsFile(tmp_path / "counts.json"))  # fmt: skip
    assert app.view is not None and app.citizen_view is not None
    qtbot.addWidget(app.view)
    qtbot.addWidget(app.citizen_view)
    app.start()
    assert app.model is not None and app.citizen is not None
    qtbot.waitUntil(lambda: app.model is not None and app.model.usable, timeout=10_000)
    return app


def test_keypad_calls_and_finishes_and_the_evaluator_rates(qtbot, hall_server, tmp_path) -> None:
    for service in ("A", "B"):
        hall_server.request("POST", "/tickets", {"service": service}, device="kiosk-1")
    hall_server.sign_in("1")
    devices = WindowDevices.simulated()
    keypads, led = devices.sim_keypads, devices.sim_screen
    assert keypads is not None and led is not None
    app = start_caller(qtbot, hall_server, tmp_path, devices)
    model, citizen = app.model, app.citizen
    assert model is not None and citizen is not None
    qtbot.waitUntil(lambda: led.text.strip() == "1号窗口 欢迎光临")

    keypads.press(1, KeypadAction.CALL_NEXT)
    qtbot.waitUntil(lambda: model.desk.current is not None, timeout=5000)
    number = model.desk.current["number"] if model.desk.current else ""
    qtbot.waitUntil(lambda: led.text.strip() == f"{number} 请到1号窗口")
    qtbot.waitUntil(lambda: keypads.screens.get(1, "").startswith(f"{number} 等候1"))

    keypads.press(1, KeypadAction.FINISH)
    qtbot.waitUntil(lambda: citizen.stage is Stage.RATING, timeout=5000)
    keypads.press(1, KeypadAction.EVALUATE, 5)
    with qtbot.waitSignal(citizen.rated, timeout=5000) as rated:
        pass
    assert rated.args[1] == 5
    keypads.press(1, KeypadAction.PAUSE)  # a keypad cannot say why: the usual reason
    qtbot.waitUntil(lambda: model.desk.status == "paused", timeout=5000)
    qtbot.waitUntil(lambda: led.text.strip() == "1号窗口 暂停服务 请稍候")
    _, body = hall_server.request("GET", "/windows", device="manager-1")
    assert body["windows"][0]["pause_reason"] == "临时离开"
    app.stop()


def test_a_broken_led_screen_is_reported_to_the_hall(qtbot, hall_server, tmp_path) -> None:
    devices = WindowDevices.simulated()
    assert devices.sim_screen is not None
    devices.sim_screen.mute = True  # the screen stops answering
    app = start_caller(qtbot, hall_server, tmp_path, devices)
    assert app.screen is not None
    qtbot.waitUntil(lambda: app.screen is not None and app.screen.health.state == "down",
                    timeout=5000)  # fmt: skip
    qtbot.waitUntil(lambda: _device_state(hall_server, "caller-1") == "degraded", timeout=5000)
    devices.sim_screen.mute = False
    qtbot.waitUntil(lambda: _device_state(hall_server, "caller-1") == "ok", timeout=10_000)
    app.stop()


def _device_state(server: HallServerProcess, device: str) -> str | None:
    _, body = server.request("GET", "/devices", device="manager-1")
    return next(d["state"] for d in body["devices"] if d["id"] == device)


def test_todays_figures_survive_a_restart_of_the_caller(qtbot, hall_server, tmp_path) -> None:
    for service in ("A", "B"):
        hall_server.request("POST", "/tickets", {"service": service}, device="kiosk-1")
    hall_server.sign_in("1")
    first = start_caller(qtbot, hall_server, tmp_path)
    assert first.model is not None
    for action in (Action.CALL_NEXT, Action.FINISH):
        with qtbot.waitSignal(first.model.answered, timeout=5000):
            first.model.act(action)
    qtbot.waitUntil(lambda: first.model is not None and first.model.figures().served == 1)
    first.stop()  # writes the counts file
    # While the caller is off, the manager calls and finishes for the window.
    hall_server.request("POST", "/windows/1/call-next", {}, device="manager-1")
    hall_server.request("POST", "/windows/1/finish", {}, device="manager-1")
    second = start_caller(qtbot, hall_server, tmp_path)
    assert second.model is not None
    qtbot.waitUntil(lambda: second.model is not None and second.model.figures().served == 2)
    assert second.model.figures().issued == 2
    second.stop()


def test_unknown_keys_in_the_caller_section_are_errors() -> None:
    with pytest.raises(CallerConfigError, match="unknown key 'led'"):
        WindowDevices.from_config({"led": "/dev/ttyUSB0"})
    with pytest.raises(CallerConfigError, match="keypad_address must be int"):
        WindowDevices.from_config({"bus": "loop://", "keypad_address": "1"})
    assert WindowDevices.from_config({}) == WindowDevices()
