"""A real, throwaway PostgreSQL cluster for tests (hallq/citydb.py), in a temporary folder that
is removed afterwards.  Fixtures: `postgres` (one cluster per session), `city_db` (a fresh
database in it per test), `postgres_cluster` (a test's own cluster, to stop or kill) and
`small_disk_cluster` (a test's own cluster whose data directory is on a small disk to fill).
"""

from __future__ import annotations

import contextlib
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from hallq.citydb import PostgresCluster

__all__ = [
    "PostgresCluster",
    "SmallDisk",
    "city_db",
    "postgres",
    "postgres_cluster",
    "running_cluster",
    "small_disk_cluster",
]


class SmallDisk:
    """A tmpfs of `size` mounted on `path` in a mount namespace of its own (unshare), which a
    sleeping process holds; programs run on it through `within` (nsenter), and the test fills
    and frees it from inside.  Outside the namespace `path` stays an empty folder."""

    def __init__(self, path: Path, size: str) -> None:
        path.mkdir()
        owner = pwd.getpwnam("nobody")  # the PostgreSQL server's user (hallq/citydb.py)
        mount = f"size={size},uid={owner.pw_uid},gid={owner.pw_gid},mode=0700"
        self.path = path
        self.holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             f"mount -t tmpfs -o {mount} tmpfs {path} && echo mounted && exec sleep infinity"],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != "mounted":
            self.close()
            raise RuntimeError(f"could not mount a {size} tmpfs on {path}")
        self.within = ["nsenter", "-t", str(self.holder.pid), "-m"]

    def run(self, command: str) -> str:
        done = subprocess.run(
            [*self.within, "sh", "-c", command], capture_output=True, text=True, timeout=60
        )
        return done.stdout

    def fill(self) -> None:
        """Take every free byte (cat stops at "No space left on device")."""
        self.run(f"cat /dev/zero > {self.path}/filler 2>/dev/null; true")

    def free(self) -> None:
        self.run(f"rm -f {self.path}/filler")

    def close(self) -> None:
        """Unmounted (the namespace ends with its last process: stop the server first)."""
        self.holder.kill()
        self.holder.wait(10)
        if self.holder.stdout is not None:
            self.holder.stdout.close()


@contextlib.contextmanager
def running_cluster(
    root: Path | None = None, within: Sequence[str] = ()
) -> Iterator[PostgresCluster]:
    """A fast (fsync off) cluster in `root` or a temporary folder, removed afterwards; its
    programs run under `within` (PostgresCluster)."""
    root = root or Path(tempfile.mkdtemp(prefix="hallq-pg-"))
    try:
        cluster = PostgresCluster(root, durable=False, within=within)
        try:
            cluster.start()
            yield cluster
        finally:
            with contextlib.suppress(Exception):
                cluster.stop()
            with contextlib.suppress(Exception):
                cluster.kill()
    finally:
        shutil.rmtree(root, ignore_errors=True)


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


@pytest.fixture
def small_disk_cluster() -> Iterator[tuple[PostgresCluster, SmallDisk]]:
    """A cluster of this test's own whose whole data directory (tables and WAL) is on a 160 MiB
    disk, and that disk, to fill and free."""
    root = Path(tempfile.mkdtemp(prefix="hallq-pg-"))
    disk = SmallDisk(root / "data", "160m")
    try:
        with running_cluster(root, disk.within) as cluster:
            yield cluster, disk
    finally:
        disk.close()
