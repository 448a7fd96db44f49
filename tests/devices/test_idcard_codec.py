"""Byte-exact tests of the SAM protocol codec and the text block."""

from datetime import date
from pathlib import Path

import pytest

from devices.errors import CardReadError
from devices.idcard import SAMPLE_CARDS, CardType
from devices.idcard.codec import (
    BadFrame,
    Frame,
    FrameAssembler,
    Request,
    Status,
    decode_base_info,
    decode_text_block,
    encode_base_info,
    encode_request,
    encode_response,
    encode_text_block,
)

# Frames as captured from SAM modules in the field (vendor documentation and bus traces).
FIND_REQUEST = "aaaaaa9669000320 0122"
SELECT_REQUEST = "aaaaaa9669000320 0221"
READ_REQUEST = "aaaaaa9669000330 0132"
CARD_FOUND = "aaaaaa9669000800 009f0000000097"
NO_CARD = "aaaaaa9669000400 008084"
SELECTED = "aaaaaa9669000c00 00900000000000000000 9c"
SAM_OK = "aaaaaa9669000400 009094"

FIXTURES = Path(__file__).parent / "fixtures"


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def base_info_frame() -> bytes:
    """The 1295-byte read-base-info answer for the 'elderly' sample card, pinned."""
    return h((FIXTURES / "idcard_base_info_elderly.hex").read_text().replace("\n", ""))


@pytest.mark.parametrize(
    ("request_code", "expected"),
    [
        (Request.FIND_CARD, FIND_REQUEST),
        (Request.SELECT_CARD, SELECT_REQUEST),
        (Request.READ_BASE_INFO, READ_REQUEST),
    ],
)
def test_requests_match_recorded_frames(request_code: Request, expected: str) -> None:
    assert encode_request(request_code) == h(expected)


def test_responses_match_recorded_frames() -> None:
    assert encode_response(Status.CARD_FOUND, bytes(4)) == h(CARD_FOUND)
    assert encode_response(Status.NO_CARD) == h(NO_CARD)
    assert encode_response(Status.SUCCESS, bytes(8)) == h(SELECTED)
    assert encode_response(Status.SUCCESS) == h(SAM_OK)


def test_base_info_answer_is_pinned_and_1295_bytes() -> None:
    recorded = base_info_frame()
    assert len(recorded) == 1295
    assert recorded[5:7] == b"\x05\x08"
    assert encode_response(Status.SUCCESS, encode_base_info(SAMPLE_CARDS["elderly"])) == recorded


def test_assembler_takes_frames_byte_by_byte_with_garbage_between() -> None:
    stream = b"\x00\x13" + h(CARD_FOUND) + b"\xaa\xaa\x55" + h(NO_CARD) + base_info_frame()
    assembler = FrameAssembler()
    frames = [item for byte in stream for item in assembler.feed(bytes([byte]))]
    assert [f.status for f in frames if isinstance(f, Frame)] == [0x9F, 0x80, 0x90]
    assert assembler.discarded == 5


def test_assembler_waits_for_half_frames_and_split_preamble() -> None:
    frame = base_info_frame()
    assembler = FrameAssembler()
    assert assembler.feed(frame[:3]) == []
    assert assembler.feed(frame[3:700]) == []
    (done,) = assembler.feed(frame[700:])
    assert isinstance(done, Frame)
    assert decode_base_info(done.data) == SAMPLE_CARDS["elderly"]


def test_wrong_checksum_becomes_bad_frame_and_next_frame_still_parses() -> None:
    spoiled = h(CARD_FOUND)[:-1] + b"\x00"
    items = FrameAssembler().feed(spoiled + h(NO_CARD))
    assert isinstance(items[0], BadFrame)
    assert items[0].reason == "checksum mismatch"
    assert isinstance(items[1], Frame) and items[1].status == Status.NO_CARD


def test_implausible_length_resynchronises() -> None:
    items = FrameAssembler().feed(h("aaaaaa9669ffff") + h(NO_CARD))
    assert isinstance(items[0], BadFrame)
    assert isinstance(items[-1], Frame) and items[-1].status == Status.NO_CARD


def test_text_block_decodes_into_typed_fields() -> None:
    # Built by hand (not by the encoder) from the field table: name 30, sex 2, nation 4, ...
    def field(text: str, size: int) -> bytes:
        raw = text.encode("utf-16-le")
        return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)

    block = (
        field("王小明", 30) + field("1", 2) + field("04", 4) + field("19800229", 16)
        + field("西藏自治区拉萨市城关区北京中路1号", 70) + field("540102198002290012", 36)
        + field("拉萨市公安局城关分局", 30) + field("20100101", 16) + field("20300101", 16)
        + field("", 36)
    )  # fmt: skip
    card = decode_text_block(block, b"\x01" * 1024)
    assert card.name == "王小明"
    assert card.sex == "男"
    assert card.nation == "藏"
    assert card.birth == date(1980, 2, 29)
    assert card.address == "西藏自治区拉萨市城关区北京中路1号"
    assert card.valid_to == date(2030, 1, 1)
    assert card.card_type is CardType.RESIDENT
    assert card.photo_wlt == b"\x01" * 1024


def test_long_term_validity_and_unknown_nation() -> None:
    card = SAMPLE_CARDS["elderly"]
    block = bytearray(encode_text_block(card))
    assert decode_text_block(bytes(block)).valid_to is None
    block[32:36] = "77".encode("utf-16-le")
    assert decode_text_block(bytes(block)).nation == "未知(77)"


@pytest.mark.parametrize("kind", ["foreigner", "hk"])
def test_card_type_marker_selects_the_layout(kind: str) -> None:
    card = SAMPLE_CARDS[kind]
    block = encode_text_block(card)
    marker = "I" if kind == "foreigner" else "J"
    assert block[248:250] == marker.encode("utf-16-le")
    assert decode_text_block(block, card.photo_wlt) == card


def test_bad_dates_and_lengths_are_card_read_errors() -> None:
    block = bytearray(encode_text_block(SAMPLE_CARDS["adult"]))
    block[36:52] = "19901332".encode("utf-16-le")
    with pytest.raises(CardReadError, match="birth"):
        decode_text_block(bytes(block))
    with pytest.raises(CardReadError):
        decode_text_block(bytes(block[:100]))
    with pytest.raises(CardReadError, match="lengths"):
        decode_base_info(encode_base_info(SAMPLE_CARDS["adult"])[:-10])
