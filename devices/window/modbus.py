"""The slice of Modbus RTU that LED window screens need: write multiple registers (0x10).

Frames: ``UNIT FUNC ADDR(2) COUNT(2) BYTES DATA… CRC(2, little-endian)``; the screen echoes
``UNIT FUNC ADDR COUNT CRC`` or answers ``UNIT FUNC|0x80 CODE CRC`` on error.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DeviceError, FrameError

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


def crc16(data: bytes) -> int:
    """Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
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
