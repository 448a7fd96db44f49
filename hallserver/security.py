"""Secrets at rest: device tokens and clerk PINs hashed, ID numbers reduced to keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from webshell.passwords import new_token, secret_hash, secret_matches, token_hash

__all__ = ["IdHasher", "key_path_for", "new_token", "pin_hash", "pin_matches", "token_hash"]

KEY_BYTES = 32

# Tokens and PINs are hashed as the consoles hash theirs (one scrypt, in the shared web shell).
pin_hash = secret_hash
pin_matches = secret_matches


def key_path_for(db_path: Path) -> Path:
    """The ID-hash key lives beside the database (`hall.db.key`) and goes into every backup."""
    return db_path.with_name(db_path.name + ".key")


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
