"""A real, throwaway PostgreSQL cluster for tests (hallq/citydb.py), in a temporary folder that
is removed afterwards.  Fixtures: `postgres` (one cluster per session), `city_db` (a fresh
database in it per test) and `postgres_cluster` (a test's own cluster, to stop or kill).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hallq.citydb import PostgresCluster

__all__ = ["PostgresCluster", "city_db", "postgres", "postgres_cluster", "running_cluster"]


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """A fast (fsync off) cluster in a temporary folder, removed afterwards."""
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="hallq-pg-")), durable=False)
    try:
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.stop()
        with contextlib.suppress(Exception):
            cluster.kill()
        shutil.rmtree(cluster.root, ignore_errors=True)


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
