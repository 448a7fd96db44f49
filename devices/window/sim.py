"""Simulated window devices: keypads/evaluators on a bus and a Modbus LED screen."""

from __future__ import annotations

import threading
from collections import defaultdict, deque

from ..errors import FrameError
from ..serial_link import InProcessLink
from .codec import (
    DEFAULT_DIALECT,
    DEFAULT_TABLE,
    WRITE_MULTIPLE,
    KeypadAction,
    KeypadDialect,
    KeypadEvent,
    KeypadFrame,
    KeypadFrameAssembler,
    KeypadTable,
    decode_write_registers,
    encode_exception,
    encode_key_event,
    encode_keypad_frame,
    encode_write_response,
    registers_to_text,
)
from .driver import ModbusLedScreen, Rs485Bus, SerialCallerKeypad


class SimKeypads:
    """Keypads at ``addresses`` on one bus: they answer polls with the keys pressed.

    ``press(address, action, value)`` queues a key press; ``screens`` holds what each
    keypad's LCD shows.  Frames for other addresses are ignored, as on a real bus.
    """

    def __init__(
        self,
        addresses: tuple[int, ...] = (1,),
        *,
        dialect: KeypadDialect = DEFAULT_DIALECT,
        table: KeypadTable = DEFAULT_TABLE,
    ) -> None:
        self.addresses = set(addresses)
        self._dialect = dialect
        self._table = table
        self._assembler = KeypadFrameAssembler(dialect)
        self._presses: dict[int, deque[KeypadEvent]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.screens: dict[int, str] = {}

    def press(self, address: int, action: KeypadAction, value: int | str | None = None) -> None:
        """A clerk presses a key (or a citizen rates) on keypad ``address``."""
        with self._lock:
            self._presses[address].append(KeypadEvent(address, action, value))

    @property
    def receiving(self) -> bool:
        """True while part of a frame has come in."""
        return self._assembler.pending > 0

    def handle(self, data: bytes) -> bytes:
        """Answer the frames in ``data``."""
        out = b""
        with self._lock:
            for item in self._assembler.feed(data):
                if not isinstance(item, KeypadFrame) or item.address not in self.addresses:
                    continue
                if item.function == self._table.poll:
                    queue = self._presses[item.address]
                    if queue:
                        answer = encode_key_event(queue.popleft(), self._table)
                    else:
                        answer = KeypadFrame(item.address, self._table.idle)
                elif item.function == self._table.display:
                    self.screens[item.address] = item.data.decode(
                        self._table.text_encoding, "replace"
                    )
                    answer = KeypadFrame(item.address, self._table.ack)
                else:
                    continue
                out += encode_keypad_frame(answer, self._dialect)
        return out


class SimLedScreen:
    """A Modbus LED screen: keeps its registers and shows the text in them.

    ``busy`` makes it answer with exception 6, ``mute`` makes it silent.
    """

    def __init__(self, unit: int = 1, *, text_address: int = 0, text_registers: int = 16) -> None:
        self.unit = unit
        self.registers: dict[int, int] = {}
        self._text = (text_address, text_registers)
        self._buffer = bytearray()
        self.busy = False
        self.mute = False

    @property
    def text(self) -> str:
        """What the screen shows now."""
        start, count = self._text
        values = tuple(self.registers.get(start + i, 0x2020) for i in range(count))
        return registers_to_text(values)

    @property
    def receiving(self) -> bool:
        """True while part of a request has come in."""
        return bool(self._buffer)

    def handle(self, data: bytes) -> bytes:
        """Answer a write-multiple-registers request (chunks are collected)."""
        self._buffer += data
        if len(self._buffer) < 7:
            return b""
        total = 7 + self._buffer[6] + 2
        if len(self._buffer) < total:
            return b""
        frame, self._buffer = bytes(self._buffer[:total]), bytearray(self._buffer[total:])
        try:
            request = decode_write_registers(frame)
        except FrameError:
            return b""  # a real device stays silent on a corrupt frame
        if request.unit != self.unit or self.mute:
            return b""
        if self.busy:
            return encode_exception(self.unit, WRITE_MULTIPLE, 6)
        for offset, value in enumerate(request.values):
            self.registers[request.address + offset] = value
        return encode_write_response(self.unit, request.address, len(request.values))


class SimWindowBus:
    """Keypads and an LED screen on one RS-485 line, as a window has them.

    A request that starts like a keypad frame (``FF 68``) goes to the keypads, any other
    to the screen; a request split across chunks stays with the device it began at.
    """

    def __init__(self, keypads: SimKeypads, screen: SimLedScreen) -> None:
        self.keypads = keypads
        self.screen = screen

    def handle(self, data: bytes) -> bytes:
        """Answer what the host sent on the line."""
        if self.keypads.receiving or (not self.screen.receiving and data[:1] == b"\xff"):
            return self.keypads.handle(data)
        return self.screen.handle(data)


def sim_keypad(keypads: SimKeypads, address: int = 1) -> SerialCallerKeypad:
    """The real keypad driver talking to ``keypads`` in process."""
    bus = Rs485Bus(lambda: InProcessLink(keypads.handle))
    return SerialCallerKeypad(bus, address)


def sim_led_screen(screen: SimLedScreen) -> ModbusLedScreen:
    """The real LED-screen driver talking to ``screen`` in process."""
    bus = Rs485Bus(lambda: InProcessLink(screen.handle))
    return ModbusLedScreen(bus, screen.unit)
