"""The feed a hall runs: its event log to the city, the city's bookings to the hall.

Started by the hall server (hallserver/uplink.py) as `python -m city.feed`, with the city URL in
the environment (HALLQ_CITY_URL: never on a command line, where `ps` would show a password).  It
reads the hall's SQLite log through its own read-only connection, so the hall's loop never waits
on it, and talks to the hall only through its pipes, one JSON object a line:

    feed → hall (stdout): {"appointment": {code, service, slot_start, slot_end, holder, id_number}}
    hall → feed (stdin):  {"delivered": code}  or  {"refused": code, "error": why}

The hall closing stdin (it stopped, or was killed) ends the feed.  Every batch is one transaction
that starts at the city's own position for the hall, so a restart of either side resumes with no
gap and no duplicate; while the city is unreachable the feed waits and then catches up.  A hall
restored from a backup behind the city's position is found when the feed connects, and its new
events are numbered on past what the city holds (city/logs.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import psycopg

import hallqlog

from . import appointments, logs
from .ingest import EventRow, Ingest, same_event
from .schema import CityError, check

log = logging.getLogger("hallq.city.feed")

# Events a transaction: big enough for catch-up (a ticket's five events fall in fewer batches, so
# its row is written fewer times), small enough to stay brief (well under a second).
BATCH = 20_000
IDLE_S = 0.25  # how often a caught-up feed looks for new events
BOOKINGS_EVERY_S = 2.0
RETRY_S = (0.2, 0.5, 1, 2, 5, 10)  # back-off while the city is unreachable or full
REMIND_S = 600.0  # how often a long outage is logged again
DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full
NICE = 10  # the feed's CPU priority below the hall's


class HallLog:
    """The hall's event log, read-only: the rows exactly as the hall stored and serves them."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def after(self, seq: int, limit: int = BATCH) -> list[EventRow]:
        return self.conn.execute(
            "SELECT seq, type, at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()

    def last(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

    def row(self, seq: int) -> EventRow | None:
        found: EventRow | None = self.conn.execute(
            "SELECT seq, type, at, body FROM events WHERE seq = ?", (seq,)
        ).fetchone()
        return found

    def close(self) -> None:
        self.conn.close()


class Outage:
    """The city refusing the feed, as the hall's log tells it: one warning when it starts or its
    cause changes (a full disk, or any other), again every REMIND_S while it lasts, one line
    when the city takes events again; the wait before each new attempt grows to RETRY_S[-1].

    Only a batch stored (or nothing left to store) ends an outage: a city that takes the
    connection but refuses the batch (its disk full) is still out, so the feed does not retry
    it every RETRY_S[0] seconds, nor log it each time.
    """

    def __init__(self) -> None:
        self.failures = 0
        self.since = self.told = 0.0
        self.cause = ""

    def failed(self, e: Exception) -> float:
        """Note a failed attempt; the seconds to wait before the next one."""
        now = time.monotonic()
        full = isinstance(e, psycopg.Error) and e.sqlstate == DISK_FULL
        cause = "full" if full else "unusable"
        what = " ".join(str(e).split())  # PostgreSQL's message, HINT and CONTEXT on one line
        if self.failures == 0:
            self.since = now
        if self.failures == 0 or cause != self.cause or now - self.told >= REMIND_S:
            self.told, self.cause = now, cause
            if full:
                log.warning(
                    "city database full (SQLSTATE %s: %s); nothing of the refused batch is "
                    "stored, the hall goes on and keeps every event, the feed tries again at "
                    "most every %.0f s and catches up once space is freed",
                    DISK_FULL,
                    what,
                    RETRY_S[-1],
                )
            else:
                log.warning(
                    "city database not usable (%s); the hall goes on and keeps every event, "
                    "the feed tries again at most every %.0f s",
                    what,
                    RETRY_S[-1],
                )
        wait = RETRY_S[min(self.failures, len(RETRY_S) - 1)]
        self.failures += 1
        return wait

    def over(self) -> None:
        """The city took a batch (or had nothing to take)."""
        if self.failures:
            log.info(
                "city database takes events again after %.0f s (%d failed attempts); catching up",
                time.monotonic() - self.since,
                self.failures,
            )
        self.failures = 0


class Feed:
    """One hall's feed: push events, hand bookings over, note what the hall confirmed."""

    def __init__(
        self,
        hall_log: HallLog,
        url: str,
        hall: str,
        name: str,
        timezone: str,
        to_hall: TextIO,
        from_hall: queue.Queue[dict[str, Any] | None],
    ) -> None:
        self.log, self.url, self.hall = hall_log, url, hall
        self.name, self.timezone = name, timezone
        self.to_hall, self.from_hall = to_hall, from_hall
        self.ended = threading.Event()  # the hall closed our stdin
        self._handed: set[str] = set()  # bookings sent this connection, not yet confirmed
        self.outage = Outage()

    @property
    def stopping(self) -> bool:
        return self.ended.is_set()

    def run(self) -> None:
        while not self.stopping:
            try:
                with psycopg.connect(self.url, connect_timeout=5) as conn:
                    check(conn)
                    self._connected(conn)
            except (psycopg.Error, CityError) as e:
                self._handed.clear()
                self._wait(self.outage.failed(e))

    def _connected(self, conn: psycopg.Connection) -> None:
        ingest = Ingest(conn, self.hall)
        ingest.register(self.name, self.timezone)
        position = self._position(ingest)
        last_bookings = 0.0
        while not self.stopping:
            rows = self.log.after(position)
            if rows:
                position = ingest.store(rows)
            self.outage.over()
            if len(rows) == BATCH:
                continue
            self._confirmations(conn)
            if time.monotonic() - last_bookings > BOOKINGS_EVERY_S:
                last_bookings = time.monotonic()
                self._hand_bookings(conn)
            self._wait(IDLE_S, conn)

    def _position(self, ingest: Ingest) -> int:
        """The hall seq the city holds up to — after a restore of the hall from a backup behind
        the city, where the logs fork, with the city numbering the hall's later events anew
        (city/logs.py)."""
        city_end, shift = ingest.city_position()
        position = city_end - shift
        if city_end == 0 or self._agree(ingest, position, city_end):
            return position
        incarnations = ingest.logs()
        last = self.log.last()

        def agree(seq: int) -> bool:
            return self._agree(ingest, seq, logs.city_seq(incarnations, city_end, seq))

        agreed = logs.fork(agree, min(position, last))
        if ingest.new_log(agreed, city_end) is None:
            raise CityError("another feed of this hall moved the city's position; reconnecting")
        log.warning(
            "hall log behind the city (restored from a backup?): the city holds this hall up to "
            "event %d, the hall's log ends at %d and agrees with the city's up to %d; events "
            "after %d are stored from city seq %d on, the city keeps the %d it held beyond",
            position,
            last,
            agreed,
            agreed,
            city_end + 1,
            position - agreed,
        )
        return agreed

    def _agree(self, ingest: Ingest, seq: int, city_seq: int | None) -> bool:
        """Whether the hall's event `seq` is the event the city holds under `city_seq`."""
        if seq == 0:
            return True
        row = self.log.row(seq)
        held = ingest.event(city_seq) if city_seq is not None else None
        return row is not None and held is not None and same_event(row, held)

    def _hand_bookings(self, conn: psycopg.Connection) -> None:
        for booking in appointments.pending(conn, self.hall):
            if booking.code in self._handed:
                continue
            self._handed.add(booking.code)
            self.to_hall.write(json.dumps({"appointment": booking.message()}) + "\n")
        self.to_hall.flush()

    def _confirmations(self, conn: psycopg.Connection) -> None:
        while True:
            try:
                msg = self.from_hall.get_nowait()
            except queue.Empty:
                return
            self._confirm(conn, msg)

    def _confirm(self, conn: psycopg.Connection, msg: dict[str, Any] | None) -> None:
        if msg is None:
            return
        if "delivered" in msg:
            appointments.delivered(conn, self.hall, str(msg["delivered"]))
            self._handed.discard(str(msg["delivered"]))
        elif "refused" in msg:
            code = str(msg["refused"])
            log.warning("hall refused booking %s: %s", code, msg.get("error"))
            appointments.refused(conn, self.hall, code, str(msg.get("error", "")))
            self._handed.discard(code)

    def _wait(self, seconds: float, conn: psycopg.Connection | None = None) -> None:
        """Sleep, but wake for the hall's word (a confirmation, or its end)."""
        try:
            msg = self.from_hall.get(timeout=seconds)
        except queue.Empty:
            return
        if conn is not None:
            self._confirm(conn, msg)
        elif msg is not None:
            self.from_hall.put(msg)  # confirmed once the city is back
            time.sleep(seconds)


def _read_hall(
    stream: TextIO, out: queue.Queue[dict[str, Any] | None], ended: threading.Event
) -> None:
    for line in stream:
        try:
            msg = json.loads(line)
        except ValueError:
            log.error("unreadable line from the hall: %.80r", line)
            continue
        if isinstance(msg, dict):
            out.put(msg)
    ended.set()
    out.put(None)  # wakes a waiting feed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m city.feed", description=__doc__)
    p.add_argument("--hall-db", required=True, help="the hall's SQLite database (read-only)")
    p.add_argument("--hall", required=True, help="hall id")
    p.add_argument("--name", default="")
    p.add_argument("--timezone", default="Asia/Shanghai")
    args = p.parse_args(argv)
    hallqlog.configure()
    url = os.environ.get("HALLQ_CITY_URL", "")
    if not url:
        print("city.feed: HALLQ_CITY_URL is not set", file=sys.stderr)
        return 2
    # Ctrl-C reaches the whole process group: the hall ends its feed itself (closing stdin).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The feed can always catch up later; a citizen at the kiosk cannot wait: on a busy machine
    # the hall's own process gets the CPU first.
    os.nice(NICE)
    from_hall: queue.Queue[dict[str, Any] | None] = queue.Queue()
    hall_log = HallLog(Path(args.hall_db))
    feed = Feed(hall_log, url, args.hall, args.name, args.timezone, sys.stdout, from_hall)
    threading.Thread(
        target=_read_hall, args=(sys.stdin, from_hall, feed.ended), daemon=True
    ).start()
    try:
        feed.run()
    finally:
        hall_log.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
