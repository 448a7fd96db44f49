"""Fixtures for every suite: a real hall server on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", "/tmp/hallq-escpos-cache")
# The offscreen platform warns about every window hint it ignores; keep failures readable.
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia.*=false")

from tests.support.server import HallServerProcess

pytest_plugins = ["tests.support.browser", "tests.support.postgres"]


@pytest.fixture(autouse=True)
def _terminal_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terminals keep what they learn (the pinned certificate) in the test's own folder."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def hall_server(tmp_path: Path) -> Iterator[HallServerProcess]:
    """A running sample hall (opening hours ignored), every device paired, a clerk per window."""
    yield from _running_hall(tmp_path, tls=False)


@pytest.fixture
def tls_hall_server(tmp_path: Path) -> Iterator[HallServerProcess]:
    """The same hall over HTTPS, as a hall runs it (certificate made beside its database)."""
    yield from _running_hall(tmp_path, tls=True)


def _running_hall(tmp_path: Path, *, tls: bool) -> Iterator[HallServerProcess]:
    server = HallServerProcess(db=tmp_path / "hall.db", tls=tls)
    server.pair_all()
    server.start()
    try:
        yield server
    finally:
        server.kill()
