"""A hall server in the test's own process (aiohttp's test server on 127.0.0.1): its clock and
its hall are the test's to set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from hallserver.app import make_app
from hallserver.config_versions import running_config
from hallserver.security import IdHasher, token_hash
from hallserver.service import HallService
from hallserver.store import Store
from tests.support.server import SAMPLE

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)  # a Tuesday, in opening hours


class Running:
    """The sample hall served in this process; the clock fixed at `NOW` unless given."""

    def __init__(self, db: Path, clock: Callable[[], dt.datetime] = lambda: NOW) -> None:
        store = Store(db)
        self.conn = store.conn
        self.tokens = {d: f"t-{d}" for d in ("kiosk-1", "caller-1", "display-hall")}
        for device, token in self.tokens.items():
            store.set_token(device, token_hash(token))
        settings, _ = running_config(store.conn, SAMPLE, clock())
        self.svc = HallService(settings, store, IdHasher(b"k" * 32), clock=clock, ignore_hours=True)
        self.client = TestClient(TestServer(make_app(self.svc), host="127.0.0.1"))

    async def call(
        self, method: str, path: str, device: str = "kiosk-1", body: object = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[device]}"}
        async with self.client.request(method, "/api/v1" + path, json=body, headers=headers) as r:
            return r.status, await r.json()
