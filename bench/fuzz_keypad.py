"""Coverage-guided fuzzing (atheris) of the window bus codecs: keypad frames and the LED
screen's Modbus RTU frames.

Every input is what the bus delivers.  The keypad assembler must give the same frames
whether the bytes come whole or in two chunks, never raise, and turn every good frame
into a key press or None; a frame it builds must come back as itself.  Modbus decoding
may only raise FrameError (ModbusException included).  Anything else, or a hang, is a
crash that libFuzzer reports with its input.

Run: .venv/bin/python bench/fuzz_keypad.py -runs=1000000 [CORPUS_DIR]
"""

from __future__ import annotations

import contextlib

import atheris
from fuzzkit import run

with atheris.instrument_imports(include=["devices.window.codec"]):
    from devices.errors import FrameError
    from devices.window.codec import (
        DEFAULT_TABLE,
        BadKeypadFrame,
        KeypadAction,
        KeypadDialect,
        KeypadEvent,
        KeypadFrame,
        KeypadFrameAssembler,
        WriteRegisters,
        check_write_response,
        decode_key_event,
        decode_write_registers,
        encode_key_event,
        encode_keypad_frame,
        encode_write_registers,
        encode_write_response,
        registers_to_text,
        response_length,
    )

DIALECTS = [KeypadDialect(counts, head) for counts in (False, True) for head in (False, True)]


def feed(dialect: KeypadDialect, chunks: list[bytes]) -> list[KeypadFrame | BadKeypadFrame]:
    assembler = KeypadFrameAssembler(dialect)
    return [item for chunk in chunks for item in assembler.feed(chunk)]


def test_one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    dialect = DIALECTS[data[0] % len(DIALECTS)]
    split = data[1] % (len(data) - 1)
    stream = data[2:]
    frames = feed(dialect, [stream])
    assert feed(dialect, [stream[:split], stream[split:]]) == frames, "chunking changed frames"
    for item in frames:
        if isinstance(item, KeypadFrame):
            event = decode_key_event(item, DEFAULT_TABLE)
            assert event is None or isinstance(event, KeypadEvent)
    if 2 <= len(stream) <= 250:
        built = KeypadFrame(stream[0], stream[1], stream[2:])
        assert feed(dialect, [encode_keypad_frame(built, dialect)]) == [built], "frame lost"
    try:
        request = decode_write_registers(stream)
    except FrameError:
        request = WriteRegisters(1, 0, (0x2020,))
    else:
        assert encode_write_registers(request) == stream, "a decoded request re-encodes"
        registers_to_text(request.values)
    length = response_length(stream)
    for answer in (stream[: length or 0], stream):  # as the driver cuts it, and any bytes
        with contextlib.suppress(FrameError):
            check_write_response(answer, request)


def main() -> None:
    request = WriteRegisters(1, 0, tuple(range(0x4130, 0x4140)))
    seeds = [
        b"\x00\x00" + encode_keypad_frame(KeypadFrame(1, DEFAULT_TABLE.poll)),
        b"\x01\x05"
        + encode_keypad_frame(encode_key_event(KeypadEvent(1, KeypadAction.EVALUATE, 5))),
        b"\x02\x07"
        + encode_keypad_frame(
            encode_key_event(KeypadEvent(3, KeypadAction.CALL_NUMBER, "A012")),
            DIALECTS[2],
        ),
        b"\x00\x03" + encode_write_registers(request),
        b"\x00\x03" + encode_write_response(1, 0, 16),
    ]
    run("keypad", test_one_input, seeds=seeds, words=(b"\xff\x68", b"\x68\x16"), max_len=512)


if __name__ == "__main__":
    main()
