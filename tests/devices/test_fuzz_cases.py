"""Inputs the codec fuzzing turned up (bench/fuzz_*.py), kept so they stay fixed.

Each codec may only fail with its documented error: the SAM codec with CardReadError, the
window bus codec with FrameError, the payload check with PayloadRejected.
"""

import pytest

from devices.errors import FrameError
from devices.window.codec import WriteRegisters, check_write_response, with_crc


def test_modbus_answer_of_unit_and_exception_function_alone_is_a_frame_error() -> None:
    # Found while writing bench/fuzz_keypad.py: an exception answer cut after its function
    # byte (a valid CRC over two bytes) raised IndexError instead of FrameError.
    with pytest.raises(FrameError, match="too short"):
        check_write_response(with_crc(bytes([1, 0x90])), WriteRegisters(1, 0, (0x2020,)))
