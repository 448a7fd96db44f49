"""Frames of RS-485 caller keypads and evaluators: ``FF 68 L L 68 ADDR FUNC DATA… CS 16``.

Vendor sheets differ on what L counts and where the sum starts, so both are set by a
:class:`KeypadDialect`; which function and key codes mean what is a :class:`KeypadTable`.
The defaults follow the widely sold 21-key LCD caller: L = bytes from ADDR to the end of
DATA, CS = 8-bit sum of ADDR…DATA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

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
