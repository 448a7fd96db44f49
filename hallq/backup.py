"""Backup and restore of a hall's database (SQLite in WAL mode).

A backup is taken with SQLite's online backup API, so it is consistent while the server
runs and answers.  A restore replaces the database of a stopped server: it refuses while
another process holds the database, and checks the copy before it replaces anything.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


class BackupError(RuntimeError):
    """A backup or restore that could not be done safely (the message says why)."""


def check(path: Path) -> None:
    """Raise BackupError unless `path` is an intact hallq database."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from exc
    if result != "ok":
        raise BackupError(f"{path}: integrity check failed: {result}")
    if "events" not in tables:
        raise BackupError(f"{path}: not a hall database (no events table)")


def backup(db: Path, out: Path) -> Path:
    """Copy the live database `db` to `out` (a new file), then check the copy."""
    if not db.exists():
        raise BackupError(f"{db}: no such database")
    if out.exists():
        raise BackupError(f"{out}: already exists (choose a new name)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with (
        contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as source,
        contextlib.closing(sqlite3.connect(partial)) as target,
    ):
        source.backup(target)
    check(partial)
    partial.replace(out)
    return out


def restore(backup_file: Path, db: Path) -> None:
    """Put `backup_file` in place of `db`; the hall server must be stopped."""
    check(backup_file)
    if db.exists():
        try:
            # Leaving WAL mode needs the only connection: it fails while a server has it open.
            with contextlib.closing(sqlite3.connect(db, timeout=0.5)) as current:
                mode = current.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise BackupError(f"{db} is in use: stop the hall server first ({exc})") from exc
        if mode != "delete":
            raise BackupError(f"{db} is in use: stop the hall server first")
    staged = db.with_name(db.name + ".restoring")
    with (
        contextlib.closing(sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)) as source,
        contextlib.closing(sqlite3.connect(staged)) as target,
    ):
        source.backup(target)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    staged.replace(db)
