"""Coverage-guided fuzzing (atheris) of the 二代证 SAM frame codec.

Every input is a byte stream from the reader's port.  Fed whole or in two chunks it must
give the same frames; a good frame's data must decode to a card or fail with
CardReadError, the codec's only documented error; a frame the codec builds must come
back as itself.  Anything else (another exception, a hang) is a crash that libFuzzer
reports with the input that caused it.

Run: .venv/bin/python bench/fuzz_samframe.py -runs=1000000 [-max_len=4096] [CORPUS_DIR]
"""

from __future__ import annotations

import contextlib

import atheris
from fuzzkit import run

with atheris.instrument_imports(include=["devices.idcard.codec", "devices.idcard.card"]):
    from devices.errors import CardReadError
    from devices.idcard.codec import (
        MAX_LENGTH,
        PREAMBLE,
        TEXT_LENGTH,
        BadFrame,
        Frame,
        FrameAssembler,
        Request,
        Status,
        decode_base_info,
        decode_text_block,
        encode_base_info,
        encode_frame,
        encode_request,
        encode_response,
    )
    from devices.idcard.sim import SAMPLE_CARDS


def feed(chunks: list[bytes]) -> tuple[list[Frame | BadFrame], int]:
    assembler = FrameAssembler()
    frames = [item for chunk in chunks for item in assembler.feed(chunk)]
    return frames, assembler.discarded


def test_one_input(data: bytes) -> None:
    split = data[0] % (len(data) + 1) if data else 0
    stream = data[1:]
    whole = feed([stream])
    assert feed([stream[:split], stream[split:]]) == whole, "chunking changed the frames"
    for item in whole[0]:
        if isinstance(item, Frame):
            _ = (item.request, item.status)
            with contextlib.suppress(CardReadError):
                decode_base_info(item.data)
    with contextlib.suppress(CardReadError):
        decode_text_block(stream[:TEXT_LENGTH].ljust(TEXT_LENGTH, b"\x00"))
    body = stream[: MAX_LENGTH - 1]
    assert feed([encode_frame(body)])[0] == [Frame(body)], "a built frame did not come back"


def main() -> None:
    cards = [encode_base_info(card) for card in SAMPLE_CARDS.values()]
    seeds = [
        encode_request(Request.FIND_CARD),
        encode_response(Status.CARD_FOUND, bytes(4)) + encode_response(Status.NO_CARD),
        *(b"\x00" + encode_response(Status.SUCCESS, data) for data in cards),
        *(b"\x00" + card[4:] for card in cards),  # the text blocks alone
    ]
    run("samframe", test_one_input, seeds=seeds, words=(PREAMBLE, b"\x01\x00\x04\x00"))


if __name__ == "__main__":
    main()
