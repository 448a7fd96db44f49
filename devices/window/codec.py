"""The frames on a window's RS-485 bus: caller keypads / evaluators and Modbus LED screens.

Pure functions and chunk-fed assemblers, no IO.

Keypads: ``FF 68 L L 68 ADDR FUNC DATA… CS 16``.  Vendor sheets differ on what L counts
and where the sum starts, so both are set by a :class:`KeypadDialect`; which function and
key codes mean what is a :class:`KeypadTable`.  The defaults follow the widely sold 21-key
LCD caller: L = bytes from ADDR to the end of DATA, CS = 8-bit sum of ADDR…DATA.  The
assembler never raises: what does not check out comes back as a :class:`BadKeypadFrame`.

LED screens: the slice of Modbus RTU they need, write multiple registers (0x10):
``UNIT FUNC ADDR(2) COUNT(2) BYTES DATA… CRC(2, little-endian)``; the screen echoes
``UNIT FUNC ADDR COUNT CRC`` or answers ``UNIT FUNC|0x80 CODE CRC`` on error.  Decoding
raises :class:`~devices.errors.FrameError` (or :class:`ModbusException`) only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..errors import DeviceError, FrameError

START = 0xFF
HEAD = 0x68
END = 0x16
_MAX_BODY = 250


@dataclass(frozen=True)
class KeypadDialect:
    """How one vendor frames: what LEN counts and where the checksum starts."""

    length_counts_checksum: bool = False
    checksum_from_head: bool = False  # sum from the first 0x68 instead of from ADDR


DEFAULT_DIALECT = KeypadDialect()


@dataclass(frozen=True)
class KeypadFrame:
    """One frame on the bus."""

    address: int
    function: int
    data: bytes = b""


@dataclass(frozen=True)
class BadKeypadFrame:
    """Bytes shaped like a frame that failed their checks."""

    raw: bytes
    reason: str


def _checksum(header: bytes, body: bytes, dialect: KeypadDialect) -> int:
    covered = (header + body) if dialect.checksum_from_head else body
    return sum(covered) & 0xFF


def encode_keypad_frame(frame: KeypadFrame, dialect: KeypadDialect = DEFAULT_DIALECT) -> bytes:
    """The bytes of ``frame``."""
    body = bytes([frame.address, frame.function]) + frame.data
    if len(body) > _MAX_BODY:
        raise ValueError("keypad frame data too long")
    length = len(body) + (1 if dialect.length_counts_checksum else 0)
    header = bytes([HEAD, length, length, HEAD])
    return bytes([START]) + header + body + bytes([_checksum(header, body, dialect), END])


class KeypadFrameAssembler:
    """Turns chunks from the bus into frames, skipping noise between them."""

    def __init__(self, dialect: KeypadDialect = DEFAULT_DIALECT) -> None:
        self._dialect = dialect
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held that may begin a frame."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[KeypadFrame | BadKeypadFrame]:
        """Add bytes; return the frames completed."""
        self._buffer += chunk
        out: list[KeypadFrame | BadKeypadFrame] = []
        while True:
            start = self._buffer.find(bytes([START, HEAD]))
            if start < 0:
                keep = 1 if self._buffer.endswith(bytes([START])) else 0
                del self._buffer[: len(self._buffer) - keep]
                return out
            del self._buffer[:start]
            if len(self._buffer) < 5:
                return out
            length, length_again, head = self._buffer[2], self._buffer[3], self._buffer[4]
            body_length = length - (1 if self._dialect.length_counts_checksum else 0)
            if length != length_again or head != HEAD or not 2 <= body_length <= _MAX_BODY:
                out.append(BadKeypadFrame(bytes(self._buffer[:5]), "bad header"))
                del self._buffer[:1]
                continue
            total = 5 + body_length + 2
            if len(self._buffer) < total:
                return out
            raw = bytes(self._buffer[:total])
            body = raw[5 : 5 + body_length]
            if raw[-1] != END:
                out.append(BadKeypadFrame(raw, "missing end byte"))
                del self._buffer[:1]
                continue
            del self._buffer[:total]
            if raw[-2] != _checksum(raw[1:5], body, self._dialect):
                out.append(BadKeypadFrame(raw, "checksum mismatch"))
                continue
            out.append(KeypadFrame(body[0], body[1], body[2:]))


class KeypadAction(Enum):
    """What a clerk (or a citizen, on the evaluator) pressed."""

    CALL_NEXT = "call_next"
    RECALL = "recall"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"
    EVALUATE = "evaluate"  # value = stars 1..5
    CALL_NUMBER = "call_number"  # value = the ticket number typed on the keypad


@dataclass(frozen=True)
class KeypadEvent:
    """One key press reported by the keypad at ``address``."""

    address: int
    action: KeypadAction
    value: int | str | None = None


def _default_keys() -> dict[int, KeypadAction]:
    return {
        0x01: KeypadAction.CALL_NEXT,
        0x02: KeypadAction.RECALL,
        0x03: KeypadAction.NO_SHOW,
        0x04: KeypadAction.TRANSFER,
        0x05: KeypadAction.PAUSE,
        0x06: KeypadAction.RESUME,
        0x07: KeypadAction.FINISH,
        0x08: KeypadAction.CALL_NUMBER,
        0x10: KeypadAction.EVALUATE,
    }


@dataclass(frozen=True)
class KeypadTable:
    """Function and key codes of one keypad model."""

    poll: int = 0x01  # host → keypad: anything to report?
    display: int = 0x02  # host → keypad: show this text (GB2312) on the LCD
    idle: int = 0x80  # keypad → host: nothing pressed
    key: int = 0x81  # keypad → host: DATA = key code [, argument]
    ack: int = 0x82  # keypad → host: display done
    keys: dict[int, KeypadAction] = field(default_factory=_default_keys)
    text_encoding: str = "gb2312"

    def key_code(self, action: KeypadAction) -> int:
        """The code of ``action`` (simulators press keys with it)."""
        for code, known in self.keys.items():
            if known is action:
                return code
        raise KeyError(action)


DEFAULT_TABLE = KeypadTable()


def decode_key_event(frame: KeypadFrame, table: KeypadTable = DEFAULT_TABLE) -> KeypadEvent | None:
    """The key press a keypad reported, or None for an idle answer or an unknown key."""
    if frame.function != table.key or not frame.data:
        return None
    action = table.keys.get(frame.data[0])
    if action is None:
        return None
    argument = frame.data[1:]
    value: int | str | None = None
    if action is KeypadAction.EVALUATE:
        if len(argument) != 1 or not 1 <= argument[0] <= 5:
            return None
        value = argument[0]
    elif action is KeypadAction.CALL_NUMBER:
        value = argument.decode("ascii", "replace")
    return KeypadEvent(frame.address, action, value)


def encode_key_event(event: KeypadEvent, table: KeypadTable = DEFAULT_TABLE) -> KeypadFrame:
    """The frame a keypad sends for ``event`` (used by the simulator)."""
    argument = b""
    if isinstance(event.value, int):
        argument = bytes([event.value])
    elif isinstance(event.value, str):
        argument = event.value.encode("ascii")
    return KeypadFrame(event.address, table.key, bytes([table.key_code(event.action)]) + argument)


# --- Modbus RTU: LED window screens ------------------------------------------------------

WRITE_MULTIPLE = 0x10
EXCEPTION_BIT = 0x80
MAX_REGISTERS = 123  # the protocol's limit for one write
_EXCEPTIONS = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    6: "server device busy",
}


class ModbusException(DeviceError):
    """The device refused the request (a Modbus exception response)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"Modbus exception {code}: {_EXCEPTIONS.get(code, 'unknown')}")
        self.code = code


def _crc_step(crc: int) -> int:
    """Eight shifts of the reflected polynomial 0xA001 over the low byte of ``crc``."""
    for _ in range(8):
        crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


_CRC_TABLE = tuple(_crc_step(byte) for byte in range(256))


def crc16(data: bytes) -> int:
    """Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF), a byte at a time."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def with_crc(body: bytes) -> bytes:
    """Append the CRC, low byte first."""
    return body + crc16(body).to_bytes(2, "little")


def check_crc(frame: bytes) -> bytes:
    """The body of a frame whose CRC is right, else :class:`FrameError`."""
    if len(frame) < 4 or crc16(frame[:-2]).to_bytes(2, "little") != frame[-2:]:
        raise FrameError("Modbus CRC mismatch")
    return frame[:-2]


@dataclass(frozen=True)
class WriteRegisters:
    """A write-multiple-registers request."""

    unit: int
    address: int
    values: tuple[int, ...]


def encode_write_registers(request: WriteRegisters) -> bytes:
    """Request bytes for function 0x10."""
    count = len(request.values)
    if not 1 <= count <= MAX_REGISTERS:
        raise ValueError(f"write 1..{MAX_REGISTERS} registers, not {count}")
    body = bytes([request.unit, WRITE_MULTIPLE])
    body += request.address.to_bytes(2, "big") + count.to_bytes(2, "big") + bytes([count * 2])
    body += b"".join(value.to_bytes(2, "big") for value in request.values)
    return with_crc(body)


def decode_write_registers(frame: bytes) -> WriteRegisters:
    """Parse a request (the simulated screen's side)."""
    body = check_crc(frame)
    if len(body) < 7 or body[1] != WRITE_MULTIPLE:
        raise FrameError("not a write-multiple-registers request")
    count = int.from_bytes(body[4:6], "big")
    if body[6] != count * 2 or len(body) != 7 + count * 2:
        raise FrameError("register count and byte count disagree")
    values = tuple(int.from_bytes(body[7 + 2 * i : 9 + 2 * i], "big") for i in range(count))
    return WriteRegisters(body[0], int.from_bytes(body[2:4], "big"), values)


def encode_write_response(unit: int, address: int, count: int) -> bytes:
    """The echo a device sends after a successful write."""
    return with_crc(
        bytes([unit, WRITE_MULTIPLE]) + address.to_bytes(2, "big") + count.to_bytes(2, "big")
    )


def encode_exception(unit: int, function: int, code: int) -> bytes:
    """An exception response."""
    return with_crc(bytes([unit, function | EXCEPTION_BIT, code]))


def response_length(first_bytes: bytes) -> int | None:
    """How long the response starting with these bytes is (None: need 2 bytes first)."""
    if len(first_bytes) < 2:
        return None
    return 5 if first_bytes[1] & EXCEPTION_BIT else 8


def check_write_response(frame: bytes, request: WriteRegisters) -> None:
    """Accept the echo of ``request`` or raise what went wrong."""
    body = check_crc(frame)
    if len(body) < 3:
        raise FrameError("Modbus answer too short")
    if body[0] != request.unit:
        raise FrameError(f"answer from unit {body[0]}, expected {request.unit}")
    if body[1] == WRITE_MULTIPLE | EXCEPTION_BIT:
        raise ModbusException(body[2])
    expected = encode_write_response(request.unit, request.address, len(request.values))
    if frame != expected:
        raise FrameError("write was not echoed")


def text_to_registers(text: str, registers: int, encoding: str = "gb2312") -> tuple[int, ...]:
    """Text packed two bytes per register (big-endian), space-padded to ``registers``."""
    raw = text.encode(encoding, "replace")
    if len(raw) > registers * 2:
        raise ValueError(f"text needs {len(raw)} bytes, the screen holds {registers * 2}")
    raw = raw.ljust(registers * 2, b" ")
    return tuple(int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2))


def registers_to_text(values: tuple[int, ...], encoding: str = "gb2312") -> str:
    """The inverse of :func:`text_to_registers` (trailing spaces dropped)."""
    raw = b"".join(value.to_bytes(2, "big") for value in values)
    return raw.decode(encoding, "replace").rstrip(" ")
