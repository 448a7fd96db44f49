"""One window's caller put together: clerk's screen (full or compact), the window-facing
screen, the keypad and the LED screen, all on one server link."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from devices.urls import open_window_bus
from devices.window import (
    CallerKeypad,
    KeypadAction,
    KeypadEvent,
    ModbusLedScreen,
    SerialCallerKeypad,
    SimKeypads,
    SimLedScreen,
    WindowScreen,
    sim_keypad,
    sim_led_screen,
)
from terminal.link import ServerLink
from terminal.screens import FullScreenWindow, StatusOverlay
from terminal.theme import Theme

from . import texts as T
from .citizen import CitizenViewModel
from .citizen_view import CitizenView
from .clerk import CallerViewModel, CountsFile
from .clerk_view import CallerView
from .compact_view import CompactCallerView
from .desk import Action
from .hardware import KEYPAD_ACTIONS, DeviceHealth, KeypadPoller, ScreenWriter, lcd_text, led_text
from .targets import PAUSE_REASONS

log = logging.getLogger("hallq.caller")

# [caller] in the terminal's config file: the RS-485 bus and who is on it.
DEVICE_KEYS = {"bus": str, "baudrate": int, "keypad_address": int, "led_unit": int}


class CallerConfigError(ValueError):
    """The [caller] section of the terminal config is unusable (the message names the key)."""


@dataclass
class WindowDevices:
    """The window's hardware, each optional; simulators keep their handles for tests/demos."""

    keypad: CallerKeypad | None = None
    screen: WindowScreen | None = None
    sim_keypads: SimKeypads | None = None
    sim_screen: SimLedScreen | None = None

    @classmethod
    def simulated(cls) -> WindowDevices:
        keypads, screen = SimKeypads(), SimLedScreen()
        return cls(sim_keypad(keypads), sim_led_screen(screen), keypads, screen)

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> WindowDevices:
        for key, value in section.items():
            if key not in DEVICE_KEYS:
                raise CallerConfigError(f"[caller] unknown key {key!r}")
            if not isinstance(value, DEVICE_KEYS[key]):
                raise CallerConfigError(f"[caller] {key} must be {DEVICE_KEYS[key].__name__}")
        if "bus" not in section:
            return cls()
        bus = open_window_bus(section["bus"], baudrate=section.get("baudrate", 9600))
        address = section.get("keypad_address")
        unit = section.get("led_unit")
        return cls(
            keypad=SerialCallerKeypad(bus, address) if address is not None else None,
            screen=ModbusLedScreen(bus, unit) if unit is not None else None,
        )


class CallerApp(QObject):
    """Builds and shows one window's screens and hardware on `link`, then starts them."""

    def __init__(
        self,
        link: ServerLink,
        window_id: str,
        *,
        theme: Theme,
        devices: WindowDevices | None = None,
        counts_file: CountsFile | None = None,
        clerk_screen: bool = True,
        citizen_screen: bool = True,
        compact: bool = False,
        desk_size: tuple[int, int] = (1920, 1080),
    ) -> None:
        super().__init__()
        self.link = link
        self.devices = devices or WindowDevices()
        self.model: CallerViewModel | None = None
        self.view: CallerView | None = None
        self.compact: CompactCallerView | None = None
        self.citizen: CitizenViewModel | None = None
        self.citizen_view: CitizenView | None = None
        if clerk_screen:
            self.model = CallerViewModel(link, window_id, counts_file=counts_file)
            # The desk's sizes are designed for 1920×1080: a smaller screen shrinks them to fit.
            self.view = CallerView(self.model, theme.fitted(*desk_size))
            if compact:
                self.compact = CompactCallerView(self.model, self.view, theme)
        if citizen_screen:
            self.citizen = CitizenViewModel(link, window_id)
            self.citizen_view = CitizenView(self.citizen, theme)
        self.keypad: KeypadPoller | None = None
        self.screen: ScreenWriter | None = None
        if self.devices.keypad is not None:
            self.keypad = KeypadPoller(self.devices.keypad, self._health("按键器"))
            self.keypad.pressed.connect(self.on_keypad)
            if self.model is not None:
                self.model.changed.connect(self._update_lcd)
        if self.devices.screen is not None and self.citizen is not None:
            self.screen = ScreenWriter(self.devices.screen, self._health("窗口屏"))
            self.citizen.changed.connect(self._update_led)

    def _health(self, name: str) -> DeviceHealth:
        def report(state: str, detail: str) -> None:
            body = {"state": "ok" if state == "ok" else "degraded", "detail": detail}
            self.link.request("POST", "/devices/me/status", body, retries=2)

        return DeviceHealth(name, report)

    def start(self) -> None:
        if self.model is not None:
            self.model.start()  # loads the hall, then starts the link
        else:
            self.link.start()
        if self.keypad is not None:
            self.keypad.start()

    def stop(self) -> None:
        if self.keypad is not None:
            self.keypad.stop()
        if self.model is not None:
            self.model.flush()
        self.link.stop()

    # ----- hardware ----------------------------------------------------------------------------
    def on_keypad(self, event: KeypadEvent) -> None:
        """A key on the RS-485 keypad or evaluator: the same paths as the screen's keys."""
        if event.action is KeypadAction.EVALUATE:
            if self.citizen is not None and isinstance(event.value, int):
                self.citizen.choose(event.value)
            return
        action = KEYPAD_ACTIONS.get(event.action)
        if self.model is None or self.view is None:
            return
        if action is None:
            self.model.notice.emit(
                "info",
                *T.NO_NUMBER_CALLS.both("zh"),
            )
        elif action is Action.PAUSE:
            self.model.pause(PAUSE_REASONS[0].zh)  # a keypad cannot say why: the usual reason
        else:
            self.view.press(action)

    def _update_lcd(self) -> None:
        if self.keypad is not None and self.model is not None:
            waiting = sum(int(q["waiting"]) for q in self.model.window_queues())
            self.keypad.show(lcd_text(self.model.desk, waiting + self.model.desk.transferred_in))

    def _update_led(self) -> None:
        if self.screen is not None and self.citizen is not None and self.citizen.ready:
            self.screen.show(led_text(self.citizen.flow))

    # ----- windows -----------------------------------------------------------------------------
    def show(
        self, *, windowed: bool, screen_size: tuple[int, int], admin_pin: str | None
    ) -> list[QWidget]:
        """Clerk's screen on the first screen, the window-facing one on the second (if any)."""
        shown: list[QWidget] = []
        screens = QGuiApplication.screens()
        if self.view is not None:
            # With --compact the clerk shares the screen with other software: no lockdown.
            title = f"{T.CALLER_TITLE.zh} {T.CALLER_TITLE.en}"
            frame = _frame(self.view, title, windowed or self.compact is not None,
                           screen_size, admin_pin)  # fmt: skip
            frame.show_on_screen()
            shown.append(frame)
        if self.compact is not None:
            geometry = screens[0].availableGeometry()
            self.compact.move(geometry.right() - self.compact.width() - 16, geometry.top() + 16)
            self.compact.show()
            shown.append(self.compact)
        if self.citizen_view is not None:
            frame = _frame(
                self.citizen_view,
                f"{T.EVALUATION_TITLE.zh} {T.EVALUATION_TITLE.en}",
                windowed,
                screen_size,
                admin_pin,
            )
            StatusOverlay(frame).follow(self.link)
            if len(screens) > 1 and self.view is not None:
                frame.setGeometry(screens[1].geometry())
            frame.show_on_screen()
            shown.append(frame)
        return shown


def _frame(
    content: QWidget,
    title: str,
    windowed: bool,
    screen_size: tuple[int, int],
    admin_pin: str | None,
) -> FullScreenWindow:
    frame = FullScreenWindow(title, windowed=windowed, screen_size=screen_size, admin_pin=admin_pin)
    box = QVBoxLayout(frame)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(content)
    return frame
