"""Which hall server certificate this terminal trusts: one SHA-256 fingerprint, pinned.

The hall server's certificate is self-signed, so no CA vouches for it. The terminal trusts the
one whose fingerprint it was given (`server_cert` in its config) or, failing that, the first one
it meets — the advert's at pairing, or the server's at the first contact — and keeps that in its
state file. From then on any other certificate is refused: a changed one means a stranger on the
LAN or a reinstalled server, and the way back is to pair the terminal again.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

log = logging.getLogger("hallq.link")

_HEX64 = re.compile(r"[0-9a-f]{64}")


class FingerprintError(ValueError):
    """Not a SHA-256 fingerprint (64 hex digits, colons allowed)."""


def normalized(fingerprint: str) -> str:
    """`AB:CD:…` (openssl's form) or `abcd…` → 64 lowercase hex digits."""
    text = fingerprint.strip().replace(":", "").lower()
    if not _HEX64.fullmatch(text):
        raise FingerprintError(f"{fingerprint!r} is not a SHA-256 fingerprint (64 hex digits)")
    return text


def state_file_for(name: str) -> Path:
    """Where a terminal named `name` keeps the fingerprint it learned ($XDG_STATE_HOME/hallq)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hallq" / f"{name}.server-cert"


class CertificatePin:
    """The fingerprint this terminal trusts: given, kept from an earlier run, or learned now."""

    def __init__(self, fingerprint: str | None = None, state_file: Path | None = None) -> None:
        self.state_file = state_file
        self.fingerprint = normalized(fingerprint) if fingerprint else None
        if self.fingerprint is None and state_file is not None and state_file.exists():
            self.fingerprint = normalized(state_file.read_text(encoding="ascii"))

    def admits(self, fingerprint: str) -> bool:
        """True for the pinned certificate; the first one met is pinned when none is yet."""
        if self.fingerprint is None:
            self.learn(fingerprint)
        return fingerprint == self.fingerprint

    def learn(self, fingerprint: str) -> None:
        """Pin `fingerprint` unless one is pinned already (a pin never changes by itself)."""
        if self.fingerprint is not None:
            return
        self.fingerprint = normalized(fingerprint)
        log.info("pinned the hall server's certificate, SHA-256 %s", self.fingerprint)
        if self.state_file is None:
            return
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self.state_file.write_text(self.fingerprint + "\n", encoding="ascii")
        except OSError as exc:
            log.warning("cannot keep the pinned fingerprint in %s: %s", self.state_file, exc)
