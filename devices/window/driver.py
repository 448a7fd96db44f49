"""Window devices on an RS-485 bus: caller keypads / evaluators and Modbus LED screens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ..errors import DeviceTimeout, FrameError
from ..serial_link import LinkFactory, SerialPort, read_waiting
from .codec import (
    DEFAULT_DIALECT,
    DEFAULT_TABLE,
    BadKeypadFrame,
    KeypadDialect,
    KeypadEvent,
    KeypadFrame,
    KeypadFrameAssembler,
    KeypadTable,
    WriteRegisters,
    check_write_response,
    decode_key_event,
    encode_keypad_frame,
    encode_write_registers,
    response_length,
    text_to_registers,
)
from .interface import CallerKeypad, WindowScreen

T = TypeVar("T")


class Rs485Bus:
    """One half-duplex bus: a request goes out, one device answers, then the next request.

    Shared by every device on the line; a lock keeps exchanges from interleaving when the
    keypads are polled from one thread and the screen is written from another.
    ``open_link`` opens the port (:func:`devices.urls.open_window_bus` makes one from a URL).
    """

    def __init__(
        self, open_link: LinkFactory, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._port = SerialPort(open_link, "RS-485 bus")
        self._lock = threading.Lock()
        self._clock = clock

    def exchange(self, request: bytes, parse: Callable[[bytes], T | None], timeout: float) -> T:
        """Send ``request``; feed what comes back to ``parse`` until it returns an answer."""
        with self._lock, self._port.link() as link:
            link.reset_input_buffer()
            link.write(request)
            deadline = self._clock() + timeout
            received = b""
            while self._clock() < deadline:
                chunk = read_waiting(link)
                if chunk:
                    received += chunk
                    answer = parse(received)
                    if answer is not None:
                        return answer
        raise DeviceTimeout("no answer on the RS-485 bus")

    def close(self) -> None:
        """Close the port; the next exchange reopens it."""
        self._port.close()


class SerialCallerKeypad(CallerKeypad):
    """A keypad at ``address`` on an :class:`Rs485Bus`, framed by ``dialect`` and ``table``."""

    def __init__(
        self,
        bus: Rs485Bus,
        address: int,
        *,
        dialect: KeypadDialect = DEFAULT_DIALECT,
        table: KeypadTable = DEFAULT_TABLE,
    ) -> None:
        self.bus = bus
        self.address = address
        self._dialect = dialect
        self._table = table

    def _answer(self, received: bytes) -> KeypadFrame | None:
        for item in KeypadFrameAssembler(self._dialect).feed(received):
            if isinstance(item, BadKeypadFrame):
                raise FrameError(f"keypad {self.address}: {item.reason}")
            if item.address == self.address:
                return item
        return None

    def poll(self, timeout: float) -> KeypadEvent | None:
        frame = KeypadFrame(self.address, self._table.poll)
        answer = self.bus.exchange(encode_keypad_frame(frame, self._dialect), self._answer, timeout)
        if answer.function == self._table.idle:
            return None
        return decode_key_event(answer, self._table)

    def show(self, text: str, timeout: float) -> None:
        data = text.encode(self._table.text_encoding, "replace")
        frame = KeypadFrame(self.address, self._table.display, data)
        answer = self.bus.exchange(encode_keypad_frame(frame, self._dialect), self._answer, timeout)
        if answer.function != self._table.ack:
            raise FrameError(f"keypad {self.address} did not acknowledge the display")


class ModbusLedScreen(WindowScreen):
    """An LED screen that takes its text in holding registers (Modbus RTU, function 0x10).

    The register map differs by vendor: ``text_address`` and ``text_registers`` say where
    the GB2312 text goes (two bytes per register).
    """

    def __init__(
        self,
        bus: Rs485Bus,
        unit: int = 1,
        *,
        text_address: int = 0,
        text_registers: int = 16,
        encoding: str = "gb2312",
    ) -> None:
        self.bus = bus
        self.unit = unit
        self._text_address = text_address
        self._text_registers = text_registers
        self._encoding = encoding

    def show(self, text: str, timeout: float) -> None:
        request = WriteRegisters(
            self.unit,
            self._text_address,
            text_to_registers(text, self._text_registers, self._encoding),
        )

        def parse(received: bytes) -> bytes | None:
            length = response_length(received)
            if length is None or len(received) < length:
                return None
            return received[:length]

        answer = self.bus.exchange(encode_write_registers(request), parse, timeout)
        check_write_response(answer, request)
