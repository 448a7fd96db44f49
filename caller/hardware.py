"""The window's hardware: the clerk's RS-485 keypad (and citizen evaluator), the LED screen.

Device IO blocks, so every poll and write runs through `terminal.workers.run_in_thread`, one
at a time per device (a chain, not a pool): the GUI thread only receives key presses and
faults.  Faults become a device state reported to the hall (POST /devices/me/status), never a
crash; the device is tried again a little later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from devices.errors import DeviceError
from devices.window import CallerKeypad, KeypadAction, KeypadEvent, WindowScreen
from terminal.workers import run_in_thread

from .desk import Action, WindowDesk
from .rating import RatingFlow, Stage

log = logging.getLogger("hallq.caller.hardware")

IO_TIMEOUT_S = 0.3
IDLE_POLL_MS = 80  # between idle polls: a press is seen within ~0.1 s, the bus stays calm
RETRY_MS = 2000

# Keypad keys that are clerk actions (EVALUATE is the citizen's; CALL_NUMBER has no route).
KEYPAD_ACTIONS: dict[KeypadAction, Action] = {
    KeypadAction.CALL_NEXT: Action.CALL_NEXT,
    KeypadAction.RECALL: Action.RECALL,
    KeypadAction.NO_SHOW: Action.NO_SHOW,
    KeypadAction.TRANSFER: Action.TRANSFER,
    KeypadAction.PAUSE: Action.PAUSE,
    KeypadAction.RESUME: Action.RESUME,
    KeypadAction.FINISH: Action.FINISH,
}


def led_text(flow: RatingFlow) -> str:
    """What the LED screen over the window says (short: these screens hold ~16 characters)."""
    name = flow.name
    if flow.current is not None and flow.stage is not Stage.CLOSED:
        return f"{flow.current['number']} 请到{name}"
    if flow.status == "closed":
        return f"{name} 暂停服务"
    if flow.status == "paused":
        return f"{name} 暂停服务 请稍候"
    return f"{name} 欢迎光临"


def lcd_text(desk: WindowDesk, waiting: int) -> str:
    """What the clerk's keypad LCD shows: the current number and how many wait."""
    if not desk.signed_in:
        return "未登录"
    current = desk.current["number"] if desk.current else "----"
    state = "暂停" if desk.status == "paused" else f"等候{waiting}"
    return f"{current} {state}"


class DeviceHealth(QObject):
    """Remembers one device's state and tells the hall when it changes."""

    changed = Signal(str, str)  # state ("ok" | "down"), detail

    def __init__(self, name: str, report: Callable[[str, str], None]) -> None:
        super().__init__()
        self.name = name
        self.state = "ok"
        self._report = report

    def ok(self) -> None:
        self._set("ok", f"{self.name}正常")

    def down(self, exc: BaseException) -> None:
        self._set("down", f"{self.name}故障: {exc}")

    def _set(self, state: str, detail: str) -> None:
        if state != self.state:
            self.state = state
            log.info("%s", detail)
            self._report(state, detail)
            self.changed.emit(state, detail)


class KeypadPoller(QObject):
    """Polls a caller keypad, one exchange at a time; puts text on its LCD between polls."""

    pressed = Signal(object)  # KeypadEvent

    def __init__(self, keypad: CallerKeypad, health: DeviceHealth) -> None:
        super().__init__()
        self.keypad = keypad
        self.health = health
        self._running = False
        self._busy = False
        self._lcd: str | None = None
        self._shown: str | None = None
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._next)

    def start(self) -> None:
        self._running = True
        self._next()

    def stop(self) -> None:
        self._running = False
        self._timer.stop()

    def show(self, text: str) -> None:
        """Put `text` on the LCD at the next turn (only the latest text is written)."""
        self._lcd = text

    def _next(self) -> None:
        if not self._running or self._busy:
            return
        self._busy = True
        if self._lcd is not None and self._lcd != self._shown:
            text = self._lcd
            run_in_thread(
                self.keypad.show,
                text,
                IO_TIMEOUT_S,
                on_done=lambda _r: self._shown_done(text),
                on_error=self._failed,
            )
        else:
            run_in_thread(
                self.keypad.poll, IO_TIMEOUT_S, on_done=self._polled, on_error=self._failed
            )

    def _shown_done(self, text: str) -> None:
        self._shown = text
        self._done(0)

    def _polled(self, event: KeypadEvent | None) -> None:
        if event is not None:
            self.pressed.emit(event)
        self._done(0 if event is not None else IDLE_POLL_MS)

    def _done(self, delay_ms: int) -> None:
        self._busy = False
        self.health.ok()
        self._timer.start(delay_ms)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if not isinstance(exc, DeviceError):
            log.error("keypad: unexpected %r", exc)
        self.health.down(exc)
        self._shown = None  # a keypad that comes back has lost its text
        self._timer.start(RETRY_MS)


class ScreenWriter(QObject):
    """Writes the LED screen's text off the GUI thread; a burst of changes ends in the latest."""

    def __init__(self, screen: WindowScreen, health: DeviceHealth) -> None:
        super().__init__()
        self.screen = screen
        self.health = health
        self.shown: str | None = None
        self._wanted: str | None = None
        self._busy = False
        self._retry = QTimer(self, singleShot=True, interval=RETRY_MS)
        self._retry.timeout.connect(self._write)

    def show(self, text: str) -> None:
        self._wanted = text
        self._write()

    def _write(self) -> None:
        text = self._wanted
        if self._busy or text is None or text == self.shown:
            return
        self._busy = True
        run_in_thread(
            self.screen.show,
            text,
            IO_TIMEOUT_S,
            on_done=lambda _r: self._written(text),
            on_error=self._failed,
        )

    def _written(self, text: str) -> None:
        self._busy = False
        self.shown = text
        self.health.ok()
        self._write()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.health.down(exc)
        self._retry.start()
