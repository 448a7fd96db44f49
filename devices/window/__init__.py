"""Window devices: RS-485 caller keypads / evaluators and LED window screens.

Keypads: :class:`CallerKeypad` (``poll(timeout) -> KeypadEvent | None``, ``show(text)``).
Screens: :class:`WindowScreen` (``show(text, timeout)``).  Both share an :class:`Rs485Bus`
opened with :func:`devices.urls.open_window_bus`.
"""

from .codec import KeypadAction, KeypadDialect, KeypadEvent, KeypadTable
from .driver import ModbusLedScreen, Rs485Bus, SerialCallerKeypad
from .interface import CallerKeypad, WindowScreen
from .sim import SimKeypads, SimLedScreen, SimWindowBus, sim_keypad, sim_led_screen

__all__ = [
    "CallerKeypad",
    "KeypadAction",
    "KeypadDialect",
    "KeypadEvent",
    "KeypadTable",
    "ModbusLedScreen",
    "Rs485Bus",
    "SerialCallerKeypad",
    "SimKeypads",
    "SimLedScreen",
    "SimWindowBus",
    "WindowScreen",
    "sim_keypad",
    "sim_led_screen",
]
