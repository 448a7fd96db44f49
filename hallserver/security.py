"""Secrets at rest: device tokens and clerk PINs hashed, ID numbers reduced to keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
KEY_BYTES = 32


def key_path_for(db_path: Path) -> Path:
    """The ID-hash key lives beside the database (`hall.db.key`) and goes into every backup."""
    return db_path.with_name(db_path.name + ".key")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 cannot be reversed by guessing."""
    return hashlib.sha256(token.encode()).hexdigest()


def pin_hash(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(got.hex(), digest)


class IdHasher:
    """HMAC-SHA256 of ID numbers with a key kept beside the database, never inside it.

    ID numbers have few possible values: an unkeyed hash could be reversed by enumeration.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def for_database(cls, db_path: Path) -> IdHasher:
        key_path = key_path_for(db_path)
        if key_path.exists():
            key = key_path.read_bytes()
        else:
            key = secrets.token_bytes(KEY_BYTES)
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
        return cls(key)

    def __call__(self, id_number: str) -> str:
        return hmac.new(self._key, id_number.encode(), hashlib.sha256).hexdigest()
