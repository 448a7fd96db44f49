"""A command's answer is the ticket as the command left it: the wait a kiosk prints is the wait
the hall stored beside the ticket (to set against the real wait), however long the commit took."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from tests.support.inprocess import NOW, Running


def test_the_wait_printed_is_the_wait_stored(tmp_path: Path) -> None:
    ticks = iter(range(1_000_000))

    async def scenario() -> None:
        hall = Running(tmp_path / "hall.db", clock=lambda: NOW + dt.timedelta(seconds=next(ticks)))
        async with hall.client:
            svc = hall.svc
            await svc.run(lambda: svc.hall.sign_in("1", "clerk-1", "职员1", svc.now()))
            await hall.call("POST", "/tickets", body={"service": "A"})
            await svc.run(lambda: svc.hall.call_next("1", svc.now()))
            # Window 1 busy with the first: the next A waits for it. The hall's clock moves a
            # second at every look, so an answer read after the commit would tell less.
            status, body = await hall.call("POST", "/tickets", body={"service": "A"})
            assert status == 201
            ticket = body["ticket"]
            (stored,) = hall.conn.execute(
                "SELECT estimated_wait_s FROM tickets WHERE id = ?", (ticket["id"],)
            ).fetchone()
            assert ticket["estimated_wait_s"] == stored
            assert 0 < stored < 900
            status, body = await hall.call("GET", f"/tickets/{ticket['id']}")
            assert body["ticket"]["estimated_wait_s"] < stored  # asked later: less to wait

    asyncio.run(scenario())
