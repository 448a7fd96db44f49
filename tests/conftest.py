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


@pytest.fixture
def hall_server(tmp_path: Path) -> Iterator[HallServerProcess]:
    """A running sample hall (opening hours ignored), every device paired, a clerk per window."""
    server = HallServerProcess(db=tmp_path / "hall.db")
    server.pair_all()
    server.start()
    try:
        yield server
    finally:
        server.kill()
