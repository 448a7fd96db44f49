"""Backup and restore of a hall: its database (SQLite in WAL mode) and its ID-hash key.

A backup is one folder holding both: `hall.db` (SQLite's online backup, consistent while the
server runs and answers), `hall.db.key` (without it no ID number of the backup matches again)
and `manifest.json` with their SHA-256 sums. A restore checks all of it before it replaces
anything, refuses while a server uses the database, and puts both files in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from hallserver.ownership import holder_of
from hallserver.security import KEY_BYTES, key_path_for
from hallserver.tls import certificate_paths

DATABASE, KEY, MANIFEST = "hall.db", "hall.db.key", "manifest.json"
# The server's TLS certificate and key travel too: restored without them, every terminal that
# pinned the certificate would refuse the server until it is paired again.
TLS_FILES = ("hall.db.tls.crt", "hall.db.tls.key")
FORMAT = "hallq-backup/1"


class BackupError(RuntimeError):
    """A backup or restore that could not be done safely (the message says why, in one line)."""


DENIED = "permission denied: run as the hall's service user (sudo -u hallq …)"


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return DENIED
    if exc.errno == errno.EROFS:
        return "the folder is on a read-only file system"
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    return exc.strerror or str(exc)


@contextlib.contextmanager
def _one_line(path: Path) -> Iterator[None]:
    """File-system errors as one line naming the path, never a traceback."""
    try:
        yield
    except OSError as exc:
        raise BackupError(f"{exc.filename or path}: {_why(exc)}") from None
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: {exc}") from None


def _ro(path: Path) -> str:
    return f"file:{urllib.parse.quote(str(path))}?mode=ro"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _writable(folder: Path) -> None:
    """Say why a folder cannot take new files before SQLite says "disk I/O error"."""
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        raise BackupError(f"{folder}: the folder is on a read-only file system")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(
            f"{folder}: permission denied: run as the hall's service user (sudo -u hallq …)"
        )


def check_database(path: Path) -> None:
    """Raise BackupError unless `path` is an intact hallq database."""
    try:
        with contextlib.closing(sqlite3.connect(_ro(path), uri=True)) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from None
    if result != "ok":
        raise BackupError(f"{path}: integrity check failed: {result}")
    if "events" not in tables:
        raise BackupError(f"{path}: not a hall database (no events table)")


def check(folder: Path) -> None:
    """Raise BackupError unless `folder` is a whole backup: manifest, database and key intact."""
    if not folder.is_dir():
        raise BackupError(f"{folder}: not a backup folder (a hallq backup is a folder)")
    with _one_line(folder):
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupError(f"{folder}: no {MANIFEST}: not a hallq backup") from None
        except ValueError:
            raise BackupError(f"{folder / MANIFEST}: not valid JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{folder / MANIFEST}: not a {FORMAT} manifest")
        sums = manifest.get("sha256")
        for name in (DATABASE, KEY):
            path = folder / name
            if not path.is_file():
                raise BackupError(f"{path}: missing: the backup is not whole")
            if not isinstance(sums, dict) or sums.get(name) != _sha256(path):
                raise BackupError(f"{path}: does not match its checksum: the backup is damaged")
        for name in TLS_FILES:
            if isinstance(sums, dict) and name in sums:
                path = folder / name
                if not path.is_file() or sums[name] != _sha256(path):
                    raise BackupError(f"{path}: missing or damaged: the backup is not whole")
        if len((folder / KEY).read_bytes()) != KEY_BYTES:
            raise BackupError(f"{folder / KEY}: not an ID-hash key ({KEY_BYTES} bytes)")
    check_database(folder / DATABASE)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db: Path, out: Path) -> Path:
    """Copy the live database `db` and its key into the new folder `out`, then check it."""
    if not db.is_file():
        raise BackupError(f"{db}: no such database")
    key = key_path_for(db)
    if not key.is_file():
        raise BackupError(f"{key}: no ID-hash key beside the database (has a server run on it?)")
    if out.exists():
        raise BackupError(f"{out}: already exists (choose a new name)")
    partial = out.with_name(out.name + ".partial")
    with _one_line(out):
        shutil.rmtree(partial, ignore_errors=True)  # left by a backup that was killed
        out.parent.mkdir(parents=True, exist_ok=True)
        _writable(out.parent)
        partial.mkdir(mode=0o700)
    try:
        with _one_line(db):
            with (
                contextlib.closing(sqlite3.connect(_ro(db), uri=True)) as source,
                contextlib.closing(sqlite3.connect(partial / DATABASE)) as target,
            ):
                source.backup(target)
                # The copy is a plain file: no -wal/-shm beside it, now or when it is opened.
                target.execute("PRAGMA journal_mode = DELETE")
            (partial / KEY).write_bytes(key.read_bytes())
            (partial / KEY).chmod(0o600)
            names = [DATABASE, KEY]
            for name, path in zip(TLS_FILES, certificate_paths(db), strict=True):
                if path.is_file():  # absent when the server runs --no-tls
                    (partial / name).write_bytes(path.read_bytes())
                    (partial / name).chmod(0o600)
                    names.append(name)
            sums = {name: _sha256(partial / name) for name in names}
            manifest = {
                "format": FORMAT,
                "database": str(db),
                "taken_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "sha256": sums,
            }
            (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
            for name in (*names, MANIFEST):
                _fsync(partial / name)
            check(partial)
            partial.rename(out)
            _fsync(out.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out


def restore(source: Path, db: Path) -> None:
    """Put the backup folder `source` in place of `db` and its key; the server must be stopped."""
    check(source)
    folder = db.parent
    if not folder.is_dir():
        raise BackupError(f"{folder}: no such folder")
    holder = holder_of(db)
    if holder is not None:
        raise BackupError(f"{db} is in use by {holder}: stop the hall server first")
    _writable(folder)
    if db.exists():
        if not os.access(db, os.W_OK):
            raise BackupError(
                f"{db}: permission denied: run as the hall's service user (sudo -u hallq …)"
            )
        try:
            # Leaving WAL mode needs the only connection: it fails while anything has it open.
            with contextlib.closing(sqlite3.connect(db, timeout=0.5)) as current:
                mode = current.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise BackupError(f"{db} is in use: stop the hall server first") from None
            raise BackupError(f"{db}: cannot open it ({exc})") from None
        if mode != "delete":
            raise BackupError(f"{db} is in use: stop the hall server first")
    staged_db = db.with_name(db.name + ".restoring")
    key = key_path_for(db)
    staged_key = key.with_name(key.name + ".restoring")
    with _one_line(db):
        try:
            with (
                contextlib.closing(sqlite3.connect(_ro(source / DATABASE), uri=True)) as src,
                contextlib.closing(sqlite3.connect(staged_db)) as target,
            ):
                src.backup(target)
            fd = os.open(staged_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write((source / KEY).read_bytes())
            for path in (staged_db, staged_key):
                _fsync(path)
                _own_like(path, folder)
            for suffix in ("-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            staged_db.replace(db)
            staged_key.replace(key)
            _restore_certificate(source, db, folder)
            _fsync(folder)
        finally:
            staged_db.unlink(missing_ok=True)
            staged_key.unlink(missing_ok=True)


def _restore_certificate(source: Path, db: Path, folder: Path) -> None:
    """The server's TLS pair, when the backup has it: terminals keep trusting the server."""
    for name, path in zip(TLS_FILES, certificate_paths(db), strict=True):
        if (source / name).is_file():
            staged = path.with_name(path.name + ".restoring")
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write((source / name).read_bytes())
            _fsync(staged)
            _own_like(staged, folder)
            staged.replace(path)


def _own_like(path: Path, folder: Path) -> None:
    """Restored by root: give the files to the folder's owner, the service user that opens them."""
    if os.geteuid() == 0:
        st = folder.stat()
        os.chown(path, st.st_uid, st.st_gid)
