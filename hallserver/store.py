"""The hall's durable memory: SQLite in WAL mode, one writer, events as the append-only log.

Tables hold the current state (tickets, windows, appointments, counters) so a restart rebuilds
the hall without reading the log; `events` is the log and the WebSocket replay source.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from .domain.hall import Changes
from .domain.tickets import Appointment, Channel, Lane, Status, Ticket, WindowState

SCHEMA_VERSION = 1
MIN_FREE_BYTES = 4 * 1024 * 1024  # below this a start-up would only fail at its first tickets


class StoreError(Exception):
    """The database cannot be used; the message is one line for the operator."""


def _ts(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def event_body(seq: int, kind: str, at: dt.datetime, data: dict[str, object]) -> str:
    """The exact text sent to WebSocket subscribers, stored so a replay sends the same bytes."""
    return json.dumps(
        {"seq": seq, "type": kind, "at": at.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


TICKET_COLUMNS = (
    "id",
    "day",
    "number",
    "service",
    "matter",
    "channel",
    "status",
    "lane",
    "issued_at",
    "queued_at",
    "called_at",
    "first_called_at",
    "started_at",
    "finished_at",
    "window",
    "target_window",
    "transferred_from",
    "recalls",
    "checkins",
    "id_hash",
    "holder",
    "appointment",
    "slot_start",
    "slot_end",
    "wait_s",
    "service_s",
    "score",
    "reasons",
    "comment",
    "device",
    "idempotency_key",
    "ord",
    "estimated_wait_s",
)


def ticket_row(t: Ticket) -> tuple[Any, ...]:
    return (
        t.id,
        t.day.isoformat(),
        t.number,
        t.service,
        t.matter,
        str(t.channel),
        str(t.status),
        str(t.lane),
        _ts(t.issued_at),
        _ts(t.queued_at),
        _ts(t.called_at),
        _ts(t.first_called_at),
        _ts(t.started_at),
        _ts(t.finished_at),
        t.window,
        t.target_window,
        t.transferred_from,
        t.recalls,
        t.checkins,
        t.id_hash,
        t.holder,
        t.appointment,
        _ts(t.slot_start),
        _ts(t.slot_end),
        t.wait_s,
        t.service_s,
        t.score,
        ",".join(t.reasons),
        t.comment,
        t.device,
        t.idempotency_key,
        t.order,
        t.estimated_wait_s,
    )


def ticket_from_row(r: sqlite3.Row | dict[str, Any]) -> Ticket:
    issued = _dt(r["issued_at"])
    assert issued is not None
    return Ticket(
        id=r["id"],
        day=dt.date.fromisoformat(r["day"]),
        number=r["number"],
        service=r["service"],
        issued_at=issued,
        order=r["ord"],
        matter=r["matter"] or "",
        channel=Channel(r["channel"]),
        status=Status(r["status"]),
        lane=Lane(r["lane"]),
        queued_at=_dt(r["queued_at"]),
        called_at=_dt(r["called_at"]),
        first_called_at=_dt(r["first_called_at"]),
        started_at=_dt(r["started_at"]),
        finished_at=_dt(r["finished_at"]),
        window=r["window"],
        target_window=r["target_window"],
        transferred_from=r["transferred_from"],
        recalls=r["recalls"],
        checkins=r["checkins"],
        id_hash=r["id_hash"],
        holder=r["holder"] or "",
        appointment=r["appointment"],
        slot_start=_dt(r["slot_start"]),
        slot_end=_dt(r["slot_end"]),
        wait_s=r["wait_s"],
        service_s=r["service_s"] or 0,
        score=r["score"],
        reasons=tuple(x for x in (r["reasons"] or "").split(",") if x),
        comment=r["comment"] or "",
        device=r["device"] or "",
        idempotency_key=r["idempotency_key"],
        estimated_wait_s=r["estimated_wait_s"],
    )


EVENT_COLUMNS = ("seq", "type", "at", "body")
WINDOW_COLUMNS = (
    "id",
    "clerk",
    "clerk_name",
    "opened_at",
    "paused",
    "pause_reason",
    "paused_at",
    "current",
    "priority_run",
    "back_at",
)
APPOINTMENT_COLUMNS = ("code", "service", "slot_start", "slot_end", "id_hash", "holder", "ticket")
DEVICE_STATE_COLUMNS = ("id", "state", "detail", "status_at")
CHUNK_ROWS = 256  # rows of one INSERT at most (33 ticket columns: well under SQLite's limit)


class GroupCommit:
    """The rows of a group of commands, to be written in one transaction.

    Each command's rows are copied when it has run, in the event loop: a later command that
    changes the same ticket in memory while the group is being written cannot slip into this
    group's transaction, so the disk never holds what was not answered (or about to be). The
    group keeps the newest row per key, as the commands ran one after the other.
    """

    def __init__(self) -> None:
        self.events: list[tuple[int, str, str, str]] = []
        self.tickets: dict[str, tuple[Any, ...]] = {}
        self.windows: dict[str, tuple[Any, ...]] = {}
        self.appointments: dict[str, tuple[Any, ...]] = {}
        self.counters: dict[str, int] = {}
        self.handling: dict[str, float] = {}
        self.device_states: dict[str, tuple[str, str, str, str]] = {}

    def add(self, changes: Changes) -> None:
        for e in changes.events:
            self.events.append(
                (e.seq, e.type, e.at.isoformat(), event_body(e.seq, e.type, e.at, e.data))
            )
        for t in changes.tickets.values():
            self.tickets[t.id] = ticket_row(t)
        for w in changes.windows.values():
            self.windows[w.id] = (
                w.id,
                w.clerk,
                w.clerk_name,
                _ts(w.opened_at),
                int(w.paused),
                w.pause_reason,
                _ts(w.paused_at),
                w.current,
                w.priority_run,
                _ts(w.back_at),
            )
        for a in changes.appointments.values():
            self.appointments[a.code] = (
                a.code,
                a.service,
                _ts(a.slot_start),
                _ts(a.slot_end),
                a.id_hash,
                a.holder,
                a.ticket,
            )
        self.counters.update(changes.counters)
        self.handling.update(changes.handling)
        for device, (state, detail, at) in changes.device_states.items():
            self.device_states[device] = (device, state, detail, at.isoformat())


def _insert(
    c: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    upsert: bool = True,
) -> None:
    """Insert `rows`; with `upsert`, a row whose key (the first column) is stored already
    replaces it.

    Many rows per statement (chunks of 256, 128, …, 1: few statement texts to prepare) rather
    than one statement per row: SQLite runs each statement without the GIL, and every time the
    writer thread wants it back while the event loop is busy it waits out a switch interval.
    The row is updated in place, not deleted and inserted again (INSERT OR REPLACE would move
    it and its index entries to new pages at every change of a ticket).
    """
    one = "(" + ", ".join("?" * len(columns)) + ")"
    update = ""
    if upsert:
        changed = ", ".join(f"{x} = excluded.{x}" for x in columns[1:])
        update = f" ON CONFLICT({columns[0]}) DO UPDATE SET {changed}"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    done, size = 0, CHUNK_ROWS
    while done < len(rows):
        while size > len(rows) - done:
            size //= 2
        chunk = rows[done : done + size]
        c.execute(head + ", ".join([one] * size) + update, [v for row in chunk for v in row])
        done += size


class Store:
    """One SQLite database. Use from a single thread at a time (the server's writer thread)."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self._day_marked: str | None = None
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 5000")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
            self.conn.execute(f"PRAGMA synchronous = {synchronous}")
            self.db = sqlite_utils.Database(self.conn)
            self._schema()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: {self._why_unusable(e)}") from None

    def _why_unusable(self, e: sqlite3.DatabaseError) -> str:
        """What an operator can act on, rather than SQLite's "disk I/O error"."""
        folder = self.path.parent
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"the folder {folder} is on a read-only file system ({e})"
        if not os.access(folder, os.W_OK | os.X_OK) or (
            self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK)
        ):
            return f"permission denied: the server's user cannot write {folder} ({e})"
        if not self.has_room():
            return f"the disk is full: free some space ({e})"
        return f"not a usable hallq database: {e}"

    def close(self) -> None:
        self.conn.close()

    def reader(self) -> Store:
        """A second, read-only connection: long reads (replays, stats) never hold up commits."""
        other = object.__new__(Store)
        other.path = self.path
        other.conn = sqlite3.connect(
            f"file:{urllib.parse.quote(str(self.path))}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
        other.conn.row_factory = sqlite3.Row
        other.db = sqlite_utils.Database(other.conn)
        return other

    # ----- schema ------------------------------------------------------------------------------
    def _schema(self) -> None:
        db = self.db
        with self.transaction():
            if "meta" not in db.table_names():
                db.table("meta").create({"key": str, "value": str}, pk="key")
                db.table("meta").insert({"key": "schema", "value": str(SCHEMA_VERSION)})
            version = self.meta("schema")
            if version != str(SCHEMA_VERSION):
                raise StoreError(
                    f"{self.path}: schema version {version}, this hallq knows {SCHEMA_VERSION}"
                )
            if "events" not in db.table_names():
                db.table("events").create(
                    {"seq": int, "type": str, "at": str, "body": str}, pk="seq"
                )
                db.table("events").create_index(["type"])
            if "tickets" not in db.table_names():
                cols: dict[str, Any] = dict.fromkeys(TICKET_COLUMNS, str)
                cols.update(
                    dict.fromkeys(
                        (
                            "recalls",
                            "checkins",
                            "wait_s",
                            "service_s",
                            "score",
                            "ord",
                            "estimated_wait_s",
                        ),
                        int,
                    )
                )
                db.table("tickets").create(cols, pk="id")
                db.table("tickets").create_index(["day"])
                db.table("tickets").create_index(["status"])
            if "estimated_wait_s" not in db.table("tickets").columns_dict:
                db.table("tickets").add_column("estimated_wait_s", int)  # a hall from before
            if "windows" not in db.table_names():
                db.table("windows").create(
                    {
                        "id": str,
                        "clerk": str,
                        "clerk_name": str,
                        "opened_at": str,
                        "paused": int,
                        "pause_reason": str,
                        "paused_at": str,
                        "current": str,
                        "priority_run": int,
                    },
                    pk="id",
                )
            if "back_at" not in db.table("windows").columns_dict:
                db.table("windows").add_column("back_at", str)  # a hall from before
            if "appointments" not in db.table_names():
                db.table("appointments").create(
                    {
                        "code": str,
                        "service": str,
                        "slot_start": str,
                        "slot_end": str,
                        "id_hash": str,
                        "holder": str,
                        "ticket": str,
                    },
                    pk="code",
                )
                db.table("appointments").create_index(["slot_end"])
            if "counters" not in db.table_names():
                db.table("counters").create({"service": str, "last": int}, pk="service")
            if "handling" not in db.table_names():
                db.table("handling").create({"service": str, "seconds": float}, pk="service")
            if "devices" not in db.table_names():
                db.table("devices").create(
                    {"id": str, "token_hash": str, "state": str, "detail": str, "status_at": str},
                    pk="id",
                )
                db.table("devices").create_index(["token_hash"], unique=True)
            if "clerks" not in db.table_names():
                db.table("clerks").create({"id": str, "name": str, "pin_hash": str}, pk="id")
            if "disabled" not in db.table("clerks").columns_dict:
                db.table("clerks").add_column("disabled", int, not_null_default=0)
            if "pin_attempts" not in db.table_names():
                db.table("pin_attempts").create({"window": str, "at": float})
            if "photos" not in db.table_names():
                db.table("photos").create(
                    {"ticket": str, "taken_at": str, "jpeg": bytes}, pk="ticket"
                )

    class _Tx:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def __enter__(self) -> sqlite3.Connection:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, kind: object, *_: object) -> None:
            if not kind:
                self.conn.execute("COMMIT")
            elif self.conn.in_transaction:  # SQLite may have rolled back itself (disk full)
                self.conn.execute("ROLLBACK")

    def transaction(self) -> Store._Tx:
        return Store._Tx(self.conn)

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def has_room(self) -> bool:
        disk = os.statvfs(self.path.parent)
        return disk.f_bavail * disk.f_frsize >= MIN_FREE_BYTES

    def check_writable(self) -> None:
        """Fail at start-up, not on the first ticket, when the file cannot be written."""
        if not self.has_room():
            raise StoreError(
                f"{self.path}: the disk is full (less than "
                f"{MIN_FREE_BYTES // 1024 // 1024} MiB free): free some space"
            )
        try:
            with self.transaction() as c:
                c.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('opened_at', ?)",
                    (dt.datetime.now(dt.UTC).isoformat(),),
                )
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot write: {e}") from None

    # ----- the hall's state --------------------------------------------------------------------
    def load(self, today: dt.date) -> dict[str, Any]:
        """Everything `Hall.restore` needs: today's tickets, open ones, windows, counters."""
        c = self.conn
        day_row = c.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()
        day = dt.date.fromisoformat(day_row[0]) if day_row else None
        tickets = [
            ticket_from_row(r)
            for r in c.execute(
                "SELECT * FROM tickets WHERE day = ? OR status IN ('waiting', 'called', 'serving')",
                ((day or today).isoformat(),),
            )
        ]
        windows = [
            WindowState(
                id=r["id"],
                clerk=r["clerk"],
                clerk_name=r["clerk_name"] or "",
                opened_at=_dt(r["opened_at"]),
                paused=bool(r["paused"]),
                pause_reason=r["pause_reason"] or "",
                paused_at=_dt(r["paused_at"]),
                back_at=_dt(r["back_at"]),
                current=r["current"],
                priority_run=r["priority_run"] or 0,
            )
            for r in c.execute("SELECT * FROM windows")
        ]
        since = (dt.datetime.combine(today, dt.time()) - dt.timedelta(days=1)).isoformat()
        appointments = [
            Appointment(
                code=r["code"],
                service=r["service"],
                slot_start=dt.datetime.fromisoformat(r["slot_start"]),
                slot_end=dt.datetime.fromisoformat(r["slot_end"]),
                id_hash=r["id_hash"],
                holder=r["holder"] or "",
                ticket=r["ticket"],
            )
            for r in c.execute("SELECT * FROM appointments WHERE slot_end >= ?", (since,))
        ]
        seq = c.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        order = c.execute("SELECT COALESCE(MAX(ord), 0) FROM tickets").fetchone()[0]
        counters = {r[0]: r[1] for r in c.execute("SELECT service, last FROM counters")}
        handling = {r[0]: r[1] for r in c.execute("SELECT service, seconds FROM handling")}
        alerts = []
        if day is not None:
            first = c.execute("SELECT value FROM meta WHERE key = 'day_seq'").fetchone()
            for (body,) in c.execute(
                "SELECT body FROM events WHERE type = 'hall.alert' AND seq > ?",
                (int(first[0]) if first else 0,),
            ):
                data = json.loads(body)["data"]
                if "subject" in data:
                    alerts.append((data["kind"], data["subject"], data["level"]))
        return {
            "day": day,
            "seq": seq,
            "order": order,
            "tickets": tickets,
            "windows": windows,
            "appointments": appointments,
            "counters": counters,
            "handling": handling,
            "alerts": alerts,
        }

    def write(self, group: GroupCommit, day: dt.date | None) -> None:
        """Make a group of commands durable in one transaction (group commit)."""
        with self.transaction() as c:
            _insert(c, "events", EVENT_COLUMNS, group.events, upsert=False)
            _insert(c, "tickets", TICKET_COLUMNS, list(group.tickets.values()))
            _insert(c, "windows", WINDOW_COLUMNS, list(group.windows.values()))
            _insert(c, "appointments", APPOINTMENT_COLUMNS, list(group.appointments.values()))
            _insert(c, "counters", ("service", "last"), list(group.counters.items()))
            _insert(c, "handling", ("service", "seconds"), list(group.handling.items()))
            _insert(c, "devices", DEVICE_STATE_COLUMNS, list(group.device_states.values()))
            today = day.isoformat() if day is not None else None
            if today is not None and today != self._day_marked:
                old = c.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()
                if old is None or old[0] != today:
                    first_seq = group.events[0][0] - 1 if group.events else 0
                    c.executemany(
                        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        [("day", today), ("day_seq", str(first_seq))],
                    )
        self._day_marked = today  # on disk now: not read again until the day changes

    # ----- reads -------------------------------------------------------------------------------
    def events_after(self, since: int, upto: int, limit: int = 2000) -> list[tuple[int, str]]:
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT seq, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (since, upto, limit),
            )
        ]

    def ticket(self, ticket_id: str) -> Ticket | None:
        row = self.conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return ticket_from_row(row) if row else None

    def tickets_of_day(self, day: dt.date) -> Iterator[sqlite3.Row]:
        yield from self.conn.execute(
            "SELECT * FROM tickets WHERE day = ? ORDER BY ord", (day.isoformat(),)
        )

    # ----- devices and clerks ------------------------------------------------------------------
    def set_token(self, device: str, digest: str) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO devices (id, token_hash) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash",
                (device, digest),
            )

    def device_of_token(self, digest: str) -> str | None:
        row = self.conn.execute("SELECT id FROM devices WHERE token_hash = ?", (digest,)).fetchone()
        return row[0] if row else None

    def device_rows(self) -> dict[str, sqlite3.Row]:
        return {r["id"]: r for r in self.conn.execute("SELECT * FROM devices")}

    def token_hashes(self) -> set[str]:
        """Every token valid now (the hashes), to end connections made with a revoked one."""
        rows = self.conn.execute("SELECT token_hash FROM devices WHERE token_hash IS NOT NULL")
        return {r[0] for r in rows}

    def revoke_token(self, device: str) -> bool:
        """Take a device's token away; False when it had none."""
        with self.transaction() as c:
            return (
                c.execute(
                    "UPDATE devices SET token_hash = NULL WHERE id = ? AND token_hash IS NOT NULL",
                    (device,),
                ).rowcount
                > 0
            )

    def set_clerk(self, clerk: str, name: str, digest: str) -> None:
        """Create or update a clerk (an update with a new PIN also enables a disabled clerk)."""
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO clerks (id, name, pin_hash, disabled) VALUES (?, ?, ?, 0)",
                (clerk, name, digest),
            )

    def clerk(self, clerk: str) -> sqlite3.Row | None:
        """A clerk who may sign in: disabled and removed clerks are not found."""
        return self.conn.execute(
            "SELECT * FROM clerks WHERE id = ? AND NOT disabled", (clerk,)
        ).fetchone()

    def clerk_rows(self) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT id, name, disabled FROM clerks ORDER BY id"))

    def set_clerk_disabled(self, clerk: str, disabled: bool) -> bool:
        with self.transaction() as c:
            return (
                c.execute(
                    "UPDATE clerks SET disabled = ? WHERE id = ?", (int(disabled), clerk)
                ).rowcount
                > 0
            )

    def remove_clerk(self, clerk: str) -> bool:
        with self.transaction() as c:
            return c.execute("DELETE FROM clerks WHERE id = ?", (clerk,)).rowcount > 0

    # ----- sign-in attempts (hallserver.signin) -----------------------------------------------
    def add_pin_attempt(self, window: str, at: float) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO pin_attempts VALUES (?, ?)", (window, at))

    def drop_pin_attempt(self, window: str, at: float) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM pin_attempts WHERE window = ? AND at = ?", (window, at))

    def pin_attempts_since(self, since: float) -> list[tuple[str, float]]:
        with self.transaction() as c:
            c.execute("DELETE FROM pin_attempts WHERE at < ?", (since,))
        return [(r[0], r[1]) for r in self.conn.execute("SELECT window, at FROM pin_attempts")]

    # ----- photos ------------------------------------------------------------------------------
    def put_photo(self, ticket: str, jpeg: bytes, at: dt.datetime) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO photos VALUES (?, ?, ?)", (ticket, at.isoformat(), jpeg)
            )

    def photo(self, ticket: str) -> bytes | None:
        row = self.conn.execute("SELECT jpeg FROM photos WHERE ticket = ?", (ticket,)).fetchone()
        return bytes(row[0]) if row else None

    def purge_photos(self, before: dt.datetime) -> int:
        with self.transaction() as c:
            return c.execute(
                "DELETE FROM photos WHERE taken_at < ?", (before.isoformat(),)
            ).rowcount
