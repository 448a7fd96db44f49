"""Scanned payloads: what a scan carries, and which payloads are refused.

Codes come from anyone's phone, so a payload is untrusted input: it is size-limited,
must decode as text, and may not carry control, format (bidi override) or private-use
characters that could corrupt a log line or spoof what the screen shows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import PayloadRejected

MAX_PAYLOAD_BYTES = 2048  # a booking or ticket URL is < 200 bytes; a QR holds at most 2953
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class Scan:
    """One accepted code: its text, the raw bytes, the symbology and where it came from."""

    text: str
    raw: bytes
    symbology: str
    source: str

    def __repr__(self) -> str:
        # Codes can carry personal data (health codes, e-licences): never log them whole.
        return f"Scan({self.symbology}, {len(self.raw)} bytes, from {self.source})"


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
