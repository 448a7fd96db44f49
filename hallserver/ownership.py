"""One hall server per database: an exclusive lock on `<db>.lock`, held while the server runs.

SQLite would let a second server open the same file; both would then number events on their
own and the second dies at its first write. The lock is an `flock` on a file beside the
database (never on the database itself: SQLite's own POSIX locks live there), released by the
kernel when the holder exits, kill -9 included.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class OwnershipError(Exception):
    """The server cannot hold its database alone; the message is one line for the operator."""


class DatabaseInUse(OwnershipError):
    """Another process serves the database; the message says which."""


def lock_path_for(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _holder(fd: int) -> str:
    pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f"hallq-server pid {pid}" if pid.isdigit() else "another process"


class DatabaseLock:
    """The lock a hall server holds on its database for its whole life."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._fd: int | None = None

    def acquire(self) -> None:
        path = lock_path_for(self.db)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise OwnershipError(f"{path}: cannot take the server's lock: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder(fd)
            os.close(fd)
            raise DatabaseInUse(
                f"{self.db}: already served by {who} (one server per database)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def holder_of(db: Path) -> str | None:
    """Who serves `db` now ("hallq-server pid N"), or None when nobody does."""
    try:
        fd = os.open(lock_path_for(db), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd)
    finally:
        os.close(fd)
    return None
