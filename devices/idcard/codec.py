"""The 二代证 SAM serial protocol (GA 467): frames, statuses and the base-info text block.

Pure functions and a chunk-fed frame assembler; no IO.  A frame is::

    AA AA AA 96 69 | LEN (2, big-endian) | body… | CHK

LEN counts the body and CHK; CHK is the XOR of the LEN bytes and the body.  A request
body is ``CMD PARA [DATA]``, a response body is ``SW1 SW2 SW3 [DATA]``.  The assembler
never raises (what does not check out comes back as a :class:`BadFrame`); decoding the
base info raises :class:`~devices.errors.CardReadError` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from ..errors import CardReadError
from .card import CardType, IdCard
from .nations import nation_code, nation_name

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
# Longest answer a SAM gives is base info + fingerprint (0x0908 + 4); anything larger is
# garbage that happened to contain a preamble, and waiting for it would stall the reader.
MAX_LENGTH = 0x0A00

TEXT_LENGTH = 256
PHOTO_LENGTH = 1024


class Request(IntEnum):
    """Request ``CMD << 8 | PARA`` codes the reader driver uses."""

    RESET = 0x10FF
    SAM_STATUS = 0x11FF
    FIND_CARD = 0x2001
    SELECT_CARD = 0x2002
    READ_BASE_INFO = 0x3001


class Status(IntEnum):
    """SW3 of a response."""

    SUCCESS = 0x90
    CARD_FOUND = 0x9F
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    READ_FAILED = 0x41
    BAD_CHECKSUM = 0x10
    BAD_LENGTH = 0x11
    BAD_COMMAND = 0x21
    UNKNOWN_CARD = 0x40
    NO_CONTENT = 0x91


def checksum(length_and_body: bytes) -> int:
    """XOR of every byte from LEN to the end of the body."""
    # Folded as one big integer, halving its width each step: a base-info answer is 1.3 KB,
    # and a byte-by-byte loop was most of the time a frame took to check.
    bits = 8
    while bits < 8 * len(length_and_body):
        bits *= 2
    value = int.from_bytes(length_and_body, "big")
    while bits > 8:
        bits //= 2
        value = (value >> bits) ^ (value & ((1 << bits) - 1))
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap a body into a full frame with preamble, length and checksum."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_request(request: Request, data: bytes = b"") -> bytes:
    """A request frame: find card is ``AA AA AA 96 69 00 03 20 01 22``."""
    return encode_frame(int(request).to_bytes(2, "big") + data)


def encode_response(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A response frame as a SAM sends it (used by the simulator)."""
    return encode_frame(bytes([sw1, sw2, status]) + data)


@dataclass(frozen=True)
class Frame:
    """A complete frame whose checksum matched; ``body`` is between LEN and CHK."""

    body: bytes

    @property
    def request(self) -> int:
        """``CMD << 8 | PARA`` when this frame is a request."""
        return int.from_bytes(self.body[:2], "big") if len(self.body) >= 2 else -1

    @property
    def status(self) -> int:
        """SW3 when this frame is a response."""
        return self.body[2] if len(self.body) >= 3 else -1

    @property
    def data(self) -> bytes:
        """The response data after SW1 SW2 SW3."""
        return self.body[3:]


@dataclass(frozen=True)
class BadFrame:
    """A frame-shaped run of bytes that failed its checksum; the reader asks again."""

    raw: bytes
    reason: str


class FrameAssembler:
    """Turns arbitrary chunks into frames, skipping garbage between them.

    Feed whatever the port returned; get back every complete frame (or bad frame) in
    order.  Half frames wait for the next chunk.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0

    def feed(self, chunk: bytes) -> list[Frame | BadFrame]:
        """Add bytes and return the frames they completed."""
        self._buffer += chunk
        out: list[Frame | BadFrame] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the start of a preamble split across chunks.
                keep = 0
                for size in range(len(PREAMBLE) - 1, 0, -1):
                    if self._buffer.endswith(PREAMBLE[:size]):
                        keep = size
                        break
                self.discarded += len(self._buffer) - keep
                del self._buffer[: len(self._buffer) - keep]
                return out
            if start:
                self.discarded += start
                del self._buffer[:start]
            if len(self._buffer) < len(PREAMBLE) + 2:
                return out
            length = int.from_bytes(self._buffer[5:7], "big")
            if length < 1 or length > MAX_LENGTH:
                out.append(BadFrame(bytes(self._buffer[:7]), f"implausible length {length}"))
                self.discarded += 1
                del self._buffer[:1]
                continue
            total = len(PREAMBLE) + 2 + length
            if len(self._buffer) < total:
                return out
            raw = bytes(self._buffer[:total])
            del self._buffer[:total]
            if checksum(raw[5:-1]) != raw[-1]:
                out.append(BadFrame(raw, "checksum mismatch"))
            else:
                out.append(Frame(raw[7:-1]))

    def clear(self) -> None:
        """Forget buffered bytes (before a new request)."""
        self._buffer.clear()


# --- the base-info text block -------------------------------------------------------------

# (field, bytes) in the order they sit in the 256-byte UCS-2LE block.
RESIDENT_LAYOUT = (
    ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
    ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
    ("reserved", 36),
)  # fmt: skip
FOREIGN_LAYOUT = (
    ("english_name", 120), ("sex", 2), ("id_number", 30), ("nation", 6), ("name", 30),
    ("valid_from", 16), ("valid_to", 16), ("birth", 16), ("version", 4),
    ("authority", 8), ("card_type", 2), ("reserved", 6),
)  # fmt: skip
HK_MO_TW_LAYOUT = (
    ("name", 30), ("sex", 2), ("reserved0", 4), ("birth", 16), ("address", 70),
    ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
    ("pass_number", 18), ("issue_count", 4), ("reserved1", 6), ("card_type", 2),
    ("reserved", 6),
)  # fmt: skip
CARD_TYPE_OFFSET = 248
_MARKERS = {"I": CardType.FOREIGN_PERMANENT, "J": CardType.HK_MO_TW}
_LAYOUTS = {
    CardType.RESIDENT: RESIDENT_LAYOUT,
    CardType.FOREIGN_PERMANENT: FOREIGN_LAYOUT,
    CardType.HK_MO_TW: HK_MO_TW_LAYOUT,
}
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
LONG_TERM = "长期"


def _split(block: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    offset = 0
    for name, size in layout:
        try:
            text = block[offset : offset + size].decode("utf-16-le")
        except UnicodeDecodeError as exc:
            raise CardReadError(f"field {name} is not UCS-2 text") from exc
        fields[name] = text.rstrip(" \x00")
        offset += size
    return fields


def _digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() then refuses."""
    return value.isascii() and value.isdigit()


def _date(value: str, field_name: str) -> date:
    if len(value) != 8 or not _digits(value):
        raise CardReadError(f"field {field_name} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise CardReadError(f"field {field_name} is not a real date") from exc


def card_type_of(block: bytes) -> CardType:
    """Read the marker at byte 248: blank for the resident card, 'I' or 'J' otherwise."""
    marker = block[CARD_TYPE_OFFSET : CARD_TYPE_OFFSET + 2].decode("utf-16-le", "replace")
    return _MARKERS.get(marker, CardType.RESIDENT)


def decode_text_block(block: bytes, photo_wlt: bytes = b"") -> IdCard:
    """Decode the 256-byte UCS-2LE text block into an :class:`IdCard`."""
    if len(block) != TEXT_LENGTH:
        raise CardReadError(f"text block is {len(block)} bytes, expected {TEXT_LENGTH}")
    card_type = card_type_of(block)
    f = _split(block, _LAYOUTS[card_type])
    valid_to = None if f["valid_to"] == LONG_TERM else _date(f["valid_to"], "valid_to")
    if card_type is CardType.RESIDENT:
        nation = nation_name(f["nation"])
    elif card_type is CardType.FOREIGN_PERMANENT:
        nation = f["nation"]
    else:
        nation = ""
    issue_count = f.get("issue_count", "")
    return IdCard(
        name=f["name"],
        sex=SEXES.get(f["sex"], "未知"),
        nation=nation,
        birth=_date(f["birth"], "birth"),
        address=f.get("address", ""),
        id_number=f["id_number"],
        authority=f["authority"],
        valid_from=_date(f["valid_from"], "valid_from"),
        valid_to=valid_to,
        card_type=card_type,
        photo_wlt=photo_wlt,
        english_name=f.get("english_name", ""),
        pass_number=f.get("pass_number", ""),
        issue_count=int(issue_count) if _digits(issue_count) else None,
    )


def encode_text_block(card: IdCard) -> bytes:
    """The inverse of :func:`decode_text_block` (the simulator puts cards on the wire)."""
    sex_code = {name: code for code, name in SEXES.items()}.get(card.sex, "0")
    marker = {CardType.FOREIGN_PERMANENT: "I", CardType.HK_MO_TW: "J"}.get(card.card_type, "")
    nation = nation_code(card.nation) if card.card_type is CardType.RESIDENT else card.nation
    values = {
        "name": card.name,
        "english_name": card.english_name,
        "sex": sex_code,
        "nation": nation,
        "birth": card.birth.strftime("%Y%m%d"),
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_to": LONG_TERM if card.valid_to is None else card.valid_to.strftime("%Y%m%d"),
        "pass_number": card.pass_number,
        "issue_count": "" if card.issue_count is None else f"{card.issue_count:02d}",
        "card_type": marker,
    }
    block = bytearray()
    for name, size in _LAYOUTS[card.card_type]:
        raw = values.get(name, "").encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{name} does not fit in {size} bytes")
        block += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(block)


def decode_base_info(data: bytes) -> IdCard:
    """Decode the data of a successful read-base-info answer (lengths, text, photo)."""
    if len(data) < 4:
        raise CardReadError("base info answer is too short")
    text_length = int.from_bytes(data[0:2], "big")
    photo_length = int.from_bytes(data[2:4], "big")
    if len(data) != 4 + text_length + photo_length or text_length != TEXT_LENGTH:
        raise CardReadError(
            f"base info lengths do not add up (text {text_length}, photo {photo_length}, "
            f"{len(data) - 4} bytes)"
        )
    text = data[4 : 4 + text_length]
    return decode_text_block(text, data[4 + text_length :])


def encode_base_info(card: IdCard) -> bytes:
    """The data of a read-base-info answer for ``card`` (photo padded to 1024 bytes)."""
    photo = card.photo_wlt[:PHOTO_LENGTH].ljust(PHOTO_LENGTH, b"\x00")
    return (
        TEXT_LENGTH.to_bytes(2, "big")
        + PHOTO_LENGTH.to_bytes(2, "big")
        + encode_text_block(card)
        + photo
    )
