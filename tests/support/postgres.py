"""A real, throwaway PostgreSQL cluster for tests (the distribution's PostgreSQL 15, from setup.sh).

The cluster lives in a temporary folder, listens on a free port of 127.0.0.1 and on a unix socket
in that folder, and is removed afterwards.  PostgreSQL refuses to run as root, so when the tests
run as root the server runs as `nobody` (setpriv, so the process we start *is* the postmaster and
a kill -9 reaches it).  Fixtures: `postgres` (one cluster per session), `city_db` (a fresh
database in it per test) and `postgres_cluster` (a test's own cluster, to stop or kill).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

BIN = Path(os.environ.get("HALLQ_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """initdb, start, stop, kill -9 and restart one cluster; `url(db)` names a database in it."""

    def __init__(self) -> None:
        if not (BIN / "postgres").exists():
            raise RuntimeError(f"PostgreSQL not found in {BIN}: run ./setup.sh")
        self.root = Path(tempfile.mkdtemp(prefix="hallq-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("nobody")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}"]
            self._as.append("--clear-groups")
        subprocess.run(
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
                "--no-sync",
            ],
            cwd=self.root,
            check=True,
            capture_output=True,
        )

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
                        # A test database: speed over durability (a crash test still recovers
                        # every committed transaction from the WAL; only fsync is skipped).
                        "-c",
                        "fsync=off",
                        "-c",
                        "full_page_writes=off",
                        "-c",
                        "max_connections=200",
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

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        with contextlib.suppress(Exception):
            self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One PostgreSQL cluster for the whole session (do not stop it: use postgres_cluster)."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def city_db(postgres: PostgresCluster) -> str:
    """The URL of a fresh, empty database in the session's cluster."""
    return postgres.create_database()


@pytest.fixture
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own, to stop, restart or kill -9."""
    with running_cluster() as cluster:
        yield cluster
