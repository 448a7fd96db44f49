"""`hallq-server clerk …`, `token …` and `manager add`, also while the server runs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from hallserver.store import Store
from manage import records
from tests.support.server import SAMPLE, HallServerProcess, clerk_for


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallserver.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_manager_add_reads_the_password_from_stdin_and_checks_it(tmp_path: Path) -> None:
    db = str(tmp_path / "hall.db")
    short = _cli("manager", "add", "--db", db, "--user", "boss", stdin="short\n")
    assert short.returncode == 2 and "8" in short.stderr
    ok = _cli(
        "manager",
        "add",
        "--db",
        db,
        "--user",
        "boss",
        "--role",
        "supervisor",
        stdin="a-long-secret\n",
    )
    assert ok.returncode == 0, ok.stderr
    store = Store(db)
    row = records.manager(store.conn, "boss")
    assert row is not None and row["role"] == "supervisor"
    assert "a-long-secret" not in row["password_hash"]
    assert "--password" not in _cli("manager", "add", "--help").stdout


def test_clerk_list_disable_enable_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "hall.db")
    assert (
        _cli("clerk", "add", "--db", db, "--id", "zw", "--name", "张伟", "--pin", "2468").returncode
        == 0
    )
    assert _cli("clerk", "list", "--db", db).stdout == "zw\t张伟\tenabled\n"
    assert _cli("clerk", "disable", "--db", db, "--id", "zw").returncode == 0
    assert _cli("clerk", "list", "--db", db).stdout == "zw\t张伟\tdisabled\n"
    assert _cli("clerk", "enable", "--db", db, "--id", "zw").returncode == 0
    assert _cli("clerk", "remove", "--db", db, "--id", "zw").returncode == 0
    assert _cli("clerk", "list", "--db", db).stdout == ""
    missing = _cli("clerk", "remove", "--db", db, "--id", "zw")
    assert missing.returncode == 1 and "no clerk 'zw'" in missing.stderr


def test_a_clerk_disabled_from_the_command_line_is_signed_out_and_refused(
    hall_server: HallServerProcess,
) -> None:
    hall_server.sign_in("2")
    db = str(hall_server.db)
    assert _cli("clerk", "disable", "--db", db, "--id", clerk_for("2")).returncode == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _, body = hall_server.request("GET", "/windows", device="caller-2")
        if next(w for w in body["windows"] if w["id"] == "2")["clerk"] is None:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the disabled clerk is still signed in")
    sign = {"clerk": clerk_for("2"), "pin": "1234"}
    assert hall_server.request("POST", "/windows/2/session", sign, device="caller-2")[0] == 403


def test_token_list_and_revoke_while_the_server_runs(hall_server: HallServerProcess) -> None:
    db = str(hall_server.db)
    listed = _cli("token", "list", "--db", db, "--config", str(SAMPLE))
    assert "kiosk-1\tpaired\n" in listed.stdout
    assert hall_server.request("GET", "/queues", device="kiosk-1")[0] == 200
    assert _cli("token", "revoke", "--db", db, "--device", "kiosk-1").returncode == 0
    # Another process wrote the database: the server notices within its next check (the
    # token cache made exact is the ops work of issue 12); the device is then refused.
    deadline = time.monotonic() + 5
    while hall_server.request("GET", "/queues", device="kiosk-1")[0] != 401:
        assert time.monotonic() < deadline, "the revoked token still works"
        time.sleep(0.05)
    assert (
        "kiosk-1\tno token\n" in _cli("token", "list", "--db", db, "--config", str(SAMPLE)).stdout
    )
    again = _cli("token", "revoke", "--db", db, "--device", "kiosk-1")
    assert again.returncode == 1 and "has no token" in again.stderr
