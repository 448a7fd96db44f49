"""A config change on a running hall: from the manager's save to the version stored, the hall
running on it and its hall.config_changed on disk; then to the event at 100 terminals'
WebSockets. The sample hall in this process, a rename of a service per change (50 changes)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import tempfile
import time
from pathlib import Path

from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer
from hallkit import SAMPLE, pct

from hallserver import config_versions
from hallserver.app import make_app
from hallserver.config_versions import running_config
from hallserver.security import IdHasher, token_hash
from hallserver.service import HallService
from hallserver.store import Store

CHANGES, TERMINALS = 50, 100


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "hall.db")
        store.set_token("display-hall", token_hash("t-display"))
        settings, _ = running_config(store.conn, SAMPLE, dt.datetime.now(dt.UTC))
        svc = HallService(settings, store, IdHasher(b"k" * 32), ignore_hours=True)
        client = TestClient(TestServer(make_app(svc), host="127.0.0.1"))
        async with client:
            sockets: list[ClientWebSocketResponse] = [
                await client.ws_connect(
                    "/api/v1/events", headers={"Authorization": "Bearer t-display"}
                )
                for _ in range(TERMINALS)
            ]
            applied, heard = [], []
            for n in range(CHANGES):
                s = svc.settings
                services = tuple(
                    dataclasses.replace(x, name=f"投资项目审批 {n}") if x.code == "A" else x
                    for x in s.services
                )
                t0 = time.perf_counter()
                await config_versions.change(
                    svc,
                    dataclasses.replace(s, services=services),
                    read_at=n + 1,
                    author="bench",
                    source="console",
                )
                applied.append((time.perf_counter() - t0) * 1000)
                await asyncio.gather(*(ws.receive(timeout=10) for ws in sockets))
                heard.append((time.perf_counter() - t0) * 1000)
            for ws in sockets:
                await ws.close()
    print(f"{CHANGES} renames of a service on the sample hall, {TERMINALS} WebSockets open")
    print(
        f"save → stored, applied, event on disk: median {pct(applied, 50):.1f} ms, "
        f"p95 {pct(applied, 95):.1f} ms"
    )
    print(
        f"save → hall.config_changed at all {TERMINALS} terminals: median {pct(heard, 50):.1f} ms, "
        f"p95 {pct(heard, 95):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
