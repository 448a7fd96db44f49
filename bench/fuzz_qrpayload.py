"""Coverage-guided fuzzing (atheris) of the QR payload path: a scanner module's lines, the
payload check, and the kiosk's parser of what a code means.

Every input is what a scanner sends.  The line splitter must give the same lines
whether the bytes come whole or in two chunks, and no line over the limit; a payload is
accepted as text or refused with PayloadRejected (the check's only documented error);
an accepted payload always parses to a ticket, an appointment or "unknown", and a
ticket's own code parses back to the same ticket.  Anything else, or a hang, is a crash
that libFuzzer reports with its input.

Run: .venv/bin/python bench/fuzz_qrpayload.py -runs=1000000 [CORPUS_DIR]
"""

from __future__ import annotations

import atheris
from fuzzkit import run

with atheris.instrument_imports(include=["devices.scanner.codec", "kiosk.qrcodes"]):
    from devices.errors import PayloadRejected
    from devices.scanner.codec import LineAssembler, accept_payload
    from kiosk.qrcodes import (
        AppointmentCode,
        TicketCode,
        UnknownCode,
        parse_scan,
        ticket_payload,
    )

MAX_BYTES = 256  # small, so the fuzzer also meets over-long lines


def lines_of(chunks: list[bytes]) -> list[bytes | None]:
    assembler = LineAssembler(MAX_BYTES)
    return [line for chunk in chunks for line in assembler.feed(chunk)]


def test_one_input(data: bytes) -> None:
    if not data:
        return
    split = data[0] % len(data)
    stream = data[1:]
    lines = lines_of([stream])
    assert lines_of([stream[:split], stream[split:]]) == lines, "chunking changed the lines"
    for raw in [*lines, stream]:
        if raw is None:
            continue
        assert len(raw) <= MAX_BYTES or raw is stream
        try:
            text = accept_payload(raw)
        except PayloadRejected:
            continue
        code = parse_scan(text)
        assert isinstance(code, TicketCode | AppointmentCode | UnknownCode)
        if isinstance(code, TicketCode):
            assert parse_scan(ticket_payload(code.hall_id, code.ticket_id)) == code


def main() -> None:
    seeds = [
        b"\x00hallq:ticket:sample-hall:01HXYZ-42\r\n",
        b"\x05hallq:appt:BJ20261122-0930\r\nA012\n",
        b"\x00" + "预约:0930".encode("gb18030") + b"\r\n",
        b"\x00https://hall.example/t/A012?d=20261122\n",
    ]
    words = (b"hallq:ticket:", b"hallq:appt:", b"\r\n")
    run("qrpayload", test_one_input, seeds=seeds, words=words, max_len=1024)


if __name__ == "__main__":
    main()
