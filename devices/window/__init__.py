"""Window devices: RS-485 caller keypads / evaluators and LED window screens.

Keypads: :class:`CallerKeypad` (``poll(timeout) -> KeypadEvent | None``, ``show(text)``).
Screens: :class:`WindowScreen` (``show(text, timeout)``).  Both share an :class:`Rs485Bus`
opened from a pyserial URL.
"""

from .driver import CallerKeypad, ModbusLedScreen, Rs485Bus, SerialCallerKeypad, WindowScreen
from .keypad_codec import KeypadAction, KeypadDialect, KeypadEvent, KeypadTable
from .sim import SimKeypads, SimLedScreen, sim_keypad, sim_led_screen

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
    "WindowScreen",
    "sim_keypad",
    "sim_led_screen",
]
