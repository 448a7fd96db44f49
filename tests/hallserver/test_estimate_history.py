"""The server learns window times by time of day from the same weekday of past weeks."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from hallserver.store import Store
from tests.planner.historykit import history, keep
from tests.support.server import HallServerProcess

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")  # the sample hall's


def test_a_new_ticket_is_told_the_window_time_of_this_hour_in_past_weeks(tmp_path: Path):
    today = dt.datetime.now(TZ).date()
    weeks = [today - dt.timedelta(weeks=k) for k in range(1, 5)]
    midnight = dt.datetime.combine(weeks[0], dt.time(0), tzinfo=TZ)
    # Every half hour of those days, K (configured 120 s) kept a window 50 minutes a call.
    rows = history(weeks, midnight, {"K": [20] * 48}, {"K": 3000.0})
    db = tmp_path / "hall.db"
    store = Store(db)
    keep(store, rows)
    store.close()
    server = HallServerProcess(db=db)
    server.pair_all()
    server.start()
    try:
        server.sign_in("9")  # K only
        ids = []
        for _ in range(2):
            status, body = server.request("POST", "/tickets", {"service": "K"}, device="kiosk-1")
            assert status == 201, body
            ids.append(body["ticket"]["id"])
        status, body = server.request("POST", "/windows/9/call-next", device="caller-9")
        assert status == 200 and body["ticket"]["id"] == ids[0]
        told = server.request("GET", f"/tickets/{ids[1]}", device="kiosk-1")[1]["ticket"]
        # The rest of a 50-minute call, not of the configured 2 minutes.
        assert told["estimated_wait_s"] > 1000
    finally:
        server.stop()
