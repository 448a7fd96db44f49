"""A PostgreSQL cluster of its own (the distribution's PostgreSQL 15, from setup.sh): the demo's
city database in var/ (`hallq demo --city 3`) and the tests' throwaway ones.

The cluster lives in a folder, listens on a free port of 127.0.0.1 and on a unix socket in that
folder.  PostgreSQL refuses to run as root, so when we run as root the server runs as `nobody`
(setpriv, so the process we start *is* the postmaster and a kill -9 reaches it).
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import psycopg

BIN = Path(os.environ.get("HALLQ_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"
FAST = ("-c", "fsync=off", "-c", "full_page_writes=off")  # tests: no fsync


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """initdb (once), start, stop, kill -9 and restart one cluster in `root`; `url(db)` names a
    database in it.  `durable=False` (tests, benchmarks) skips fsync: a crash still keeps every
    committed transaction in the WAL, only a power cut would not.  `within` is a command that
    initdb and the server run under (the tests' small disk: nsenter into a mount namespace);
    it must exec its argument, so the process started is still the postmaster."""

    def __init__(self, root: Path, *, durable: bool = True, within: Sequence[str] = ()) -> None:
        if not (BIN / "postgres").exists():
            raise RuntimeError(f"PostgreSQL not found in {BIN}: run ./setup.sh")
        self.root = root
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.durable = durable
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._as: list[str] = list(within)
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("nobody")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as += ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}"]
            self._as.append("--clear-groups")
        if (self.data / "PG_VERSION").exists():
            return
        made = subprocess.run(
            [
                *self._as,
                str(BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                *([] if durable else ["--no-sync"]),
            ],
            cwd=self.root,
            capture_output=True,
            text=True,
        )
        if made.returncode != 0:
            why = (made.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"initdb in {self.data} failed: {why}")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        """Start on the last port (a restart) or a free one; waits until it takes connections."""
        assert self.proc is None, "already running"
        for attempt in range(20):
            port = self.port or _free_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [
                        *self._as,
                        str(BIN / "postgres"),
                        "-D",
                        str(self.data),
                        "-p",
                        str(port),
                        "-h",
                        "127.0.0.1",
                        "-k",
                        str(self.root),
                        "-c",
                        "max_connections=200",
                        *(
                            []
                            if self.durable
                            else ["-c", "fsync=off", "-c", "full_page_writes=off"]
                        ),
                    ],
                    cwd=self.root,
                    stdout=log,
                    stderr=log,
                )
            if self._ready(port):
                self.port = port
                return
            self.proc.wait(10)
            self.proc = None
            # A restart right after kill -9 waits for the orphaned backends to go.
            time.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"PostgreSQL did not start; see {self.log}:\n{self.log.read_text()}")

    def _ready(self, port: int) -> bool:
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                with psycopg.connect(url, connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        """A fast shutdown (SIGINT): sessions are ended, committed work is kept."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(30)
            self.proc = None

    def kill(self) -> None:
        """kill -9 the postmaster, as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def create_database(self, name: str = "") -> str:
        """A new database (`name`, or one named at random); its URL."""
        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
