"""Backups of a hall: database and ID-hash key together, checked on restore, clean, and errors
as one line — also for the service user and onto a new machine."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hallq.backup import BackupError, backup, restore
from hallserver.store import Store
from tests.support.server import ROOT, HallServerProcess, run_command

ID_NUMBER = "11010519491231002X"
NOBODY = 65534


def _hallq(*args: str, as_user: int | None = None) -> subprocess.CompletedProcess[str]:
    prefix = (
        []
        if as_user is None
        else ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"]
    )
    return subprocess.run(
        [*prefix, sys.executable, "-m", "hallq.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def _served_db(folder: Path) -> Path:
    """A hall database with its key, as a server leaves them."""
    folder.mkdir(exist_ok=True)
    server = HallServerProcess(db=folder / "hall.db")
    server.pair_all()
    server.start()
    server.stop()
    return server.db


def test_restore_onto_a_fresh_folder_keeps_every_id_hash(
    hall_server: HallServerProcess, tmp_path: Path
) -> None:
    ticket = {"service": "K", "id_number": ID_NUMBER, "name": "张三"}
    status, _ = hall_server.request("POST", "/tickets", ticket, device="kiosk-1")
    assert status == 201
    backups = tmp_path / "backups"
    r = _hallq("backup", "--db", str(hall_server.db), "--out", str(backups / "hall-1"))
    assert r.returncode == 0, r.stderr
    # One folder, whole and clean: nothing else beside it, no -wal/-shm of the copy.
    assert sorted(p.name for p in backups.iterdir()) == ["hall-1"]
    assert sorted(p.name for p in (backups / "hall-1").iterdir()) == [
        "hall.db",
        "hall.db.key",
        "manifest.json",
    ]
    hall_server.kill()

    fresh = tmp_path / "new-machine"
    fresh.mkdir()
    r = _hallq("restore", "--from", str(backups / "hall-1"), "--db", str(fresh / "hall.db"))
    assert r.returncode == 0, r.stderr
    again = HallServerProcess(db=fresh / "hall.db", tokens=dict(hall_server.tokens))
    again.start()
    try:
        status, body = again.request("POST", "/tickets", ticket, device="kiosk-2")
        assert (status, body["error"]["code"]) == (409, "already_waiting")
    finally:
        again.kill()


def test_restore_checks_the_whole_backup_first(tmp_path: Path) -> None:
    db = _served_db(tmp_path / "hall")
    good = backup(db, tmp_path / "b" / "one")
    with pytest.raises(BackupError, match="already exists"):
        backup(db, good)
    target = tmp_path / "target" / "hall.db"
    target.parent.mkdir()

    def damaged(name: str, change: str) -> Path:
        copy = tmp_path / "b" / f"{name}-{change}"
        shutil.copytree(good, copy)
        if change == "missing":
            (copy / name).unlink()
        else:
            with open(copy / name, "r+b") as f:
                f.seek(100)
                f.write(b"\x00\xff")
        return copy

    with pytest.raises(BackupError, match="missing: the backup is not whole"):
        restore(damaged("hall.db.key", "missing"), target)
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(damaged("hall.db", "flipped"), target)
    with pytest.raises(BackupError, match="not a backup folder"):
        restore(good / "hall.db", target)
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        restore(tmp_path / "hall", target)
    assert not target.exists()
    restore(good, target)
    assert target.with_name("hall.db.key").read_bytes() == (good / "hall.db.key").read_bytes()


def test_restore_refuses_a_database_in_use(tmp_path: Path) -> None:
    db = _served_db(tmp_path / "hall")
    copy = backup(db, tmp_path / "b" / "one")
    live = sqlite3.connect(db)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE note (text)")
    live.commit()
    with pytest.raises(BackupError, match="in use: stop the hall server first"):
        restore(copy, db)  # another connection still has it open
    live.close()
    server = HallServerProcess(db=db)
    server.start()
    try:
        with pytest.raises(BackupError, match=r"in use by hallq-server pid \d+"):
            restore(copy, db)
    finally:
        server.kill()
    restore(copy, db)
    assert "note" not in Store(db).db.table_names()


@pytest.fixture
def service_home() -> Iterator[Path]:
    """A folder the service user (here: nobody) owns, below one it may only read."""
    top = Path(tempfile.mkdtemp(prefix="hallq-service-"))
    top.chmod(0o755)
    home = top / "lib"
    home.mkdir()
    try:
        yield home
    finally:
        shutil.rmtree(top)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to the service user needs root")
def test_backup_and_restore_as_the_service_user(service_home: Path) -> None:
    db = _served_db(service_home)
    for path in [service_home, *service_home.iterdir()]:
        os.chown(path, NOBODY, NOBODY)
    # By hand before the timer ever ran: the backups folder does not exist yet.
    out = service_home / "backups" / "before-upgrade"
    r = _hallq("backup", "--db", str(db), "--out", str(out), as_user=NOBODY)
    assert r.returncode == 0 and r.stdout.strip() == str(out), r.stderr
    assert json.loads((out / "manifest.json").read_text())["format"] == "hallq-backup/1"
    # A folder the service user may not write: one line that says so.
    root_only = service_home.parent / "root-only"
    root_only.mkdir(mode=0o755)
    r = _hallq("backup", "--db", str(db), "--out", str(root_only / "b"), as_user=NOBODY)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "permission denied" in r.stderr and "Traceback" not in r.stderr
    # The wrong user restoring: told so, not "stop the hall server first".
    r = _hallq("restore", "--from", str(out), "--db", str(root_only / "hall.db"), as_user=NOBODY)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "permission denied" in r.stderr and "stop the hall server" not in r.stderr
    # Restored by root: the files belong to the service user, who can run the hall on them.
    target = root_only / "restored" / "hall.db"
    target.parent.mkdir()
    os.chown(target.parent, NOBODY, NOBODY)
    r = _hallq("restore", "--from", str(out), "--db", str(target))
    assert r.returncode == 0, r.stderr
    assert {target.stat().st_uid, target.with_name("hall.db.key").stat().st_uid} == {NOBODY}


def test_backup_into_a_read_only_folder_says_so(tmp_path: Path) -> None:
    db = _served_db(tmp_path / "hall")
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    r = run_command("hallq.cli", "backup", "--db", str(db), "--out", f"{shelf}/b", read_only=shelf)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "read-only" in r.stderr and str(shelf) in r.stderr


def test_backup_carries_the_tls_certificate_so_terminals_keep_their_pin(tmp_path: Path) -> None:
    folder = tmp_path / "hall"
    folder.mkdir()
    server = HallServerProcess(db=folder / "hall.db", tls=True)
    server.pair_all()
    server.start()
    server.stop()
    taken = backup(server.db, tmp_path / "b" / "one")
    assert {"hall.db.tls.crt", "hall.db.tls.key"} <= {p.name for p in taken.iterdir()}
    with open(taken / "hall.db.tls.crt", "r+b") as f:
        f.seek(40)
        f.write(b"!")
    with pytest.raises(BackupError, match="missing or damaged"):
        restore(taken, tmp_path / "target" / "hall.db")

    taken = backup(server.db, tmp_path / "b" / "two")
    target = tmp_path / "new-machine" / "hall.db"
    target.parent.mkdir()
    restore(taken, target)
    for suffix in (".tls.crt", ".tls.key"):
        restored = target.with_name("hall.db" + suffix)
        assert restored.read_bytes() == folder.joinpath("hall.db" + suffix).read_bytes()
        assert restored.stat().st_mode & 0o777 == 0o600
