"""Scanned payloads: a serial scanner module's lines, and which payloads are refused.

Pure functions, no IO.  Codes come from anyone's phone, so a payload is untrusted input:
it is size-limited, must decode as text, and may not carry control, format (bidi
override) or private-use characters that could corrupt a log line or spoof what the
screen shows.  The only error raised is :class:`~devices.errors.PayloadRejected`.
"""

from __future__ import annotations

import unicodedata

from ..errors import PayloadRejected
from .interface import Scan

MAX_PAYLOAD_BYTES = 2048  # a booking or ticket URL is < 200 bytes; a QR holds at most 2953
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def accept_payload(raw: bytes, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> str:
    """The payload as text, or :class:`PayloadRejected` saying why not."""
    if not raw:
        raise PayloadRejected("empty code")
    if len(raw) > max_bytes:
        raise PayloadRejected(f"code too large ({len(raw)} bytes, limit {max_bytes})")
    for encoding in ("utf-8", "gb18030"):  # Chinese scanner modules often send GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PayloadRejected("code is binary, not text")
    bad = {unicodedata.category(ch) for ch in text} & _REFUSED_CATEGORIES
    if bad:
        raise PayloadRejected("code contains control or invisible characters")
    return text


def accept_scan(raw: bytes, symbology: str, source: str, max_bytes: int) -> Scan:
    """A :class:`Scan` of an accepted payload, or :class:`PayloadRejected`."""
    return Scan(accept_payload(raw, max_bytes=max_bytes), raw, symbology, source)


class LineAssembler:
    """Splits a serial scanner's byte stream into payloads at CR, LF or CRLF.

    A line longer than ``max_bytes`` is dropped up to its terminator and reported as
    ``None`` so the caller can refuse it without buffering an endless stream.
    """

    def __init__(self, max_bytes: int = MAX_PAYLOAD_BYTES) -> None:
        self._buffer = bytearray()
        self._max = max_bytes
        self._overflow = False

    def feed(self, chunk: bytes) -> list[bytes | None]:
        """Add bytes; return completed lines (None for an over-long one)."""
        out: list[bytes | None] = []
        for byte in chunk:
            if byte in (0x0D, 0x0A):
                if self._overflow:
                    out.append(None)
                elif self._buffer:
                    out.append(bytes(self._buffer))
                self._buffer.clear()
                self._overflow = False
            elif not self._overflow:
                self._buffer.append(byte)
                if len(self._buffer) > self._max:
                    self._buffer.clear()
                    self._overflow = True
        return out
