"""Codec inputs met while fuzzing the device codecs (bench/fuzz_*.py), kept so they stay
fixed; each test says whether the fuzzer or the review for its harness found it.

Each codec may only fail with its documented error: the SAM codec with CardReadError, the
window bus codec with FrameError, the payload check with PayloadRejected.
"""

from datetime import date

import pytest

from devices.errors import CardReadError, FrameError
from devices.idcard import SAMPLE_CARDS
from devices.idcard.codec import (
    HK_MO_TW_LAYOUT,
    RESIDENT_LAYOUT,
    decode_text_block,
    encode_text_block,
)
from devices.window.codec import WriteRegisters, check_write_response, with_crc


def field_offset(layout: tuple[tuple[str, int], ...], name: str) -> int:
    names = [field for field, _ in layout]
    return sum(size for _, size in layout[: names.index(name)])


def test_superscript_digit_in_the_issue_count_is_no_count() -> None:
    # Found by review for bench/fuzz_samframe.py: "0²" passed str.isdigit() and int() then
    # raised ValueError out of the codec.
    block = bytearray(encode_text_block(SAMPLE_CARDS["hk"]))
    block[field_offset(HK_MO_TW_LAYOUT, "issue_count") + 2] = 0xB2
    assert decode_text_block(bytes(block)).issue_count is None


def test_dates_take_ascii_digits_only() -> None:
    # The same review: Arabic-Indic digits passed as a date; a card never carries them.
    block = bytearray(encode_text_block(SAMPLE_CARDS["adult"]))
    start = field_offset(RESIDENT_LAYOUT, "birth")
    assert decode_text_block(bytes(block)).birth == date(1990, 3, 7)
    block[start : start + 16] = "١٩٩٠٠٣٠٧".encode("utf-16-le")  # Arabic-Indic digits
    with pytest.raises(CardReadError, match="birth is not a YYYYMMDD date"):
        decode_text_block(bytes(block))


def test_modbus_answer_of_unit_and_exception_function_alone_is_a_frame_error() -> None:
    # Found while writing bench/fuzz_keypad.py: an exception answer cut after its function
    # byte (a valid CRC over two bytes) raised IndexError instead of FrameError.
    with pytest.raises(FrameError, match="too short"):
        check_write_response(with_crc(bytes([1, 0x90])), WriteRegisters(1, 0, (0x2020,)))
