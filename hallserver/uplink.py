"""The hall's link to its city: the feed runs as a child process, never inside the hall's loop.

The hall does not import the city code or a PostgreSQL driver; it starts `python -m city.feed`
(FEED_MODULE) with the URL in its environment, and takes the bookings the feed hands over on its
stdout (one JSON object a line, city/feed.py), each applied as a hall command and confirmed on
the feed's stdin.  A feed that dies is started again; the hall goes on either way.  The hall
does nothing per event for its feed (the feed reads the hall's log itself, read-only, at a lower
CPU priority), so the feed costs the hall only the CPU it takes beside it (bench_city feed-cost).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from .domain.errors import Conflict, HallError
from .domain.hall import AppointmentRequest
from .service import HallService, StoreFailure

log = logging.getLogger("hallq.uplink")

FEED_MODULE = "city.feed"
RESTART_S = 5.0


class CityUplink:
    """Starts, restarts and stops the feed child of one hall."""

    def __init__(self, service: HallService, url: str, db: Path) -> None:
        self.service, self.url, self.db = service, url, db
        self.proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._keep_running())

    async def stop(self) -> None:
        self._stopping = True
        proc = self.proc
        if proc is not None and proc.returncode is None:
            assert proc.stdin is not None
            proc.stdin.close()  # the feed ends its batch and exits
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _keep_running(self) -> None:
        s = self.service.settings
        while not self._stopping:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                FEED_MODULE,
                "--hall-db",
                str(self.db),
                "--hall",
                s.id,
                "--name",
                s.name,
                "--timezone",
                s.timezone,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env={**os.environ, "HALLQ_CITY_URL": self.url},
            )
            await self._serve(self.proc)
            code = await self.proc.wait()
            if not self._stopping:
                log.warning("city feed exited (%s); starting it again in %.0f s", code, RESTART_S)
                await asyncio.sleep(RESTART_S)

    async def _serve(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None and proc.stdin is not None
        async for line in proc.stdout:
            try:
                booking = json.loads(line)["appointment"]
            except (ValueError, KeyError, TypeError):
                log.error("unreadable line from the city feed: %.80r", line)
                continue
            answer = await self._take(booking)
            if answer is None or proc.stdin.is_closing():
                continue
            proc.stdin.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
            with contextlib.suppress(ConnectionError):
                await proc.stdin.drain()

    async def _take(self, b: dict[str, Any]) -> dict[str, str] | None:
        """Add one booking to the hall; the answer the feed records (None: try again later)."""
        svc = self.service
        code = str(b.get("code", ""))
        try:
            id_number = b.get("id_number")
            a = AppointmentRequest(
                code=code,
                service=str(b["service"]),
                slot_start=dt.datetime.fromisoformat(b["slot_start"]).astimezone(svc.tz),
                slot_end=dt.datetime.fromisoformat(b["slot_end"]).astimezone(svc.tz),
                id_number=str(id_number).upper() if id_number else None,
                name=str(b.get("holder", "")),  # masked at the city; masking it again keeps it
            )
        except (KeyError, TypeError, ValueError) as e:
            return {"refused": code, "error": f"malformed booking: {e}"}
        try:
            await svc.run(lambda: svc.hall.add_appointment(a, svc.now()))
        except StoreFailure:
            return None
        except Conflict:
            held = svc.hall.appointments.get(code)
            if held is not None and (held.service, held.slot_start) == (a.service, a.slot_start):
                return {"delivered": code}  # delivered before; the confirmation was lost
            return {"refused": code, "error": "another appointment holds this code"}
        except HallError as e:
            return {"refused": code, "error": e.message}
        return {"delivered": code}
