"""Store a batch of one hall's events in the city database, exactly once, and keep the ticket
rows (the `hallq_tickets` view) and the day rows current in the same transaction.

A batch costs the city three statements: the events copied straight into their partition, the
batch's tickets (the latest view of each, found here while the rows pass) copied typed into a
temporary table, and one statement that moves the ticket rows and the day figures from it.  The
JSON bodies are read once, here, by the feed (on the hall's machine in a real city), not by the
city's PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from .schema import DAY_FIGURES, ensure_partition, months_between

# (seq, type, at, body): a row of the hall's event log, the body exactly as the hall serves it.
EventRow = tuple[int, str, str, str]

_BATCH_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS hallq_ticket_batch (ticket_id text, day date, number text, "
    "service text, status text, channel text, issued_at timestamptz, called_at timestamptz, "
    "finished_at timestamptz, window_id text, wait_s integer, handling_s integer, "
    "score smallint, seq bigint) ON COMMIT DELETE ROWS"
)

# Each ticket of the batch is applied only over an older state of it; the day figures move by
# the difference between the rows replaced and the rows written (one statement: the CTEs all see
# the table as it was before it).
_TICKETS = """
WITH replaced AS (
    SELECT o.* FROM hallq_ticket_batch b CROSS JOIN LATERAL (
        SELECT * FROM hallq_ticket_rows o
        WHERE o.hall_id = %(hall)s AND o.day = b.day AND o.ticket_id = b.ticket_id
            AND o.seq < b.seq
    ) o  -- LATERAL: a look-up on the key per ticket of the batch, never a scan of the hall
), written AS (
    INSERT INTO hallq_ticket_rows (hall_id, ticket_id, day, number, service, status, channel,
        issued_at, called_at, finished_at, window_id, wait_s, handling_s, score, seq)
    SELECT %(hall)s, b.* FROM hallq_ticket_batch b
    ON CONFLICT (hall_id, day, ticket_id) DO UPDATE SET
        number = excluded.number, service = excluded.service, status = excluded.status,
        channel = excluded.channel, called_at = excluded.called_at,
        finished_at = excluded.finished_at, window_id = excluded.window_id,
        wait_s = excluded.wait_s, handling_s = excluded.handling_s, score = excluded.score,
        seq = excluded.seq
    WHERE hallq_ticket_rows.seq < excluded.seq
    RETURNING *
)
""" + DAY_FIGURES.format(
    rows="SELECT 1 AS sign, * FROM written UNION ALL SELECT -1, * FROM replaced"
)


@dataclass(frozen=True)
class Batch:
    """A run of the hall's rows as the city keeps them, in the hall's numbering: event rows
    (seq, type, at, ticket id, data without the ticket's view) and the latest view of each
    ticket among them as hallq_ticket_batch rows (seq last)."""

    events: list[tuple[Any, ...]]
    tickets: list[tuple[Any, ...]]

    @classmethod
    def of(cls, rows: Sequence[EventRow]) -> Batch:
        events: list[tuple[Any, ...]] = []
        latest: dict[str, tuple[int, dict[str, Any]]] = {}
        for seq, kind, at, body in rows:
            ticket, data = _split(kind, body)
            ticket_id = None
            if ticket is not None:
                ticket_id = str(ticket["id"])
                latest[ticket_id] = (seq, ticket)  # rows come in seq order: the last is latest
            events.append((seq, kind, at, ticket_id, orjson.dumps(data).decode()))
        tickets = [
            (
                ticket_id,
                t["issued_at"][:10],  # the hall's local date: issued_at carries its offset
                t["number"],
                t["service"],
                t["status"],
                t["channel"],
                t["issued_at"],
                t["called_at"],
                t["finished_at"],
                t["window"],
                t["wait_s"],
                t["service_s"] or 0,
                t["score"],
                seq,
            )
            for ticket_id, (seq, t) in latest.items()
        ]
        return cls(events, tickets)


def _split(kind: str, body: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the ticket's view a ticket event carries, or None; the event's data without it)."""
    data: dict[str, Any] = orjson.loads(body)["data"]
    ticket = data.pop("ticket", None) if kind.startswith("ticket.") else None
    return ticket, data


def same_event(row: EventRow, held: tuple[str, dt.datetime, str | None, Any]) -> bool:
    """Whether the hall's row is the event the city holds as (type, at, ticket id, data)."""
    _seq, kind, at, body = row
    ticket, data = _split(kind, body)
    ticket_id = str(ticket["id"]) if ticket else None
    return (kind, dt.datetime.fromisoformat(at), ticket_id, data) == held


class Ingest:
    """One hall's writer into the city database (one connection, not shared)."""

    def __init__(self, conn: psycopg.Connection, hall_id: str) -> None:
        self.conn = conn
        self.hall_id = hall_id
        self._months: set[dt.date] = set()
        conn.execute(_BATCH_TABLE)
        conn.commit()

    def register(self, name: str, timezone: str) -> None:
        with self.conn.transaction():
            self.conn.execute(
                "INSERT INTO hallq_halls (hall_id, name, timezone) VALUES (%s, %s, %s) "
                "ON CONFLICT (hall_id) DO UPDATE SET name = excluded.name, "
                "timezone = excluded.timezone",
                (self.hall_id, name, timezone),
            )
            self.conn.execute(
                "INSERT INTO hallq_feed (hall_id) VALUES (%s) ON CONFLICT DO NOTHING",
                (self.hall_id,),
            )
            self.conn.execute(
                "INSERT INTO hallq_feed_logs (hall_id, city_from, shift, hall_seq) "
                "VALUES (%s, 1, 0, 0) ON CONFLICT DO NOTHING",
                (self.hall_id,),
            )

    def position(self) -> int:
        """The last seq of this hall the city holds, in the hall's numbering."""
        city_seq, shift = self.city_position()
        return city_seq - shift

    def city_position(self) -> tuple[int, int]:
        """(the city seq of the last event held, the shift of the hall's current log)."""
        with self.conn.transaction():
            row = self.conn.execute(
                "SELECT seq, shift FROM hallq_feed WHERE hall_id = %s", (self.hall_id,)
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def logs(self) -> list[tuple[int, int]]:
        """Every incarnation of the hall's log: (city_from, shift), oldest first."""
        with self.conn.transaction():
            rows = self.conn.execute(
                "SELECT city_from, shift FROM hallq_feed_logs WHERE hall_id = %s "
                "ORDER BY city_from",
                (self.hall_id,),
            ).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    def event(self, city_seq: int) -> tuple[str, dt.datetime, str | None, Any] | None:
        """The event the city holds under `city_seq`: (type, at, ticket id, data), or None."""
        with self.conn.transaction():
            row = self.conn.execute(
                "SELECT type, at, ticket_id, data FROM hallq_events "
                "WHERE hall_id = %s AND seq = %s",
                (self.hall_id, city_seq),
            ).fetchone()
        return (row[0], row[1], row[2], row[3]) if row else None

    def new_log(self, agreed: int, city_seq: int) -> int | None:
        """Number the hall's events after hall seq `agreed` on from the city's position, which
        must still be `city_seq`; the new shift, or None when another feeder moved it."""
        with self.conn.transaction():
            row = self.conn.execute(
                "SELECT seq FROM hallq_feed WHERE hall_id = %s FOR UPDATE", (self.hall_id,)
            ).fetchone()
            if row is None or int(row[0]) != city_seq:
                return None
            shift = city_seq - agreed
            self.conn.execute(
                "INSERT INTO hallq_feed_logs (hall_id, city_from, shift, hall_seq) "
                "VALUES (%s, %s, %s, %s)",
                (self.hall_id, city_seq + 1, shift, agreed),
            )
            self.conn.execute(
                "UPDATE hallq_feed SET shift = %s WHERE hall_id = %s", (shift, self.hall_id)
            )
        return shift

    def store(self, rows: Sequence[EventRow]) -> int:
        """Store the rows past the city's position; returns the new position (hall numbering)."""
        return self.store_batch(Batch.of(rows)) if rows else self.position()

    def store_batch(self, batch: Batch) -> int:
        """Store the batch's events past the city's position in one transaction; returns the
        new position (in the hall's numbering).

        The position row is locked first, so two feeders of one hall (a restarted hall while the
        old feed still finishes) never store an event twice.  The batch's ticket rows are all
        offered: one the city already holds at that seq or later changes nothing.

        The commit is not waited for (synchronous_commit off, this transaction only): the
        position moves in the same transaction as the events, so a commit the city loses in a
        crash loses its position with it, the feed's connection breaks, and the next connection
        starts at the position the city did keep — the hall still holds every event, so it
        sends them again.  Nothing is lost and nothing is stored twice; the feed only stops
        waiting for the city's disk.
        """
        if not batch.events:
            return self.position()
        self._prepare_months(batch.events[0][2], batch.events[-1][2])
        conn, hall = self.conn, self.hall_id
        with conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = off")
            pos, shift = conn.execute(
                "SELECT seq, shift FROM hallq_feed WHERE hall_id = %s FOR UPDATE", (hall,)
            ).fetchone() or (0, 0)
            fresh = [e for e in batch.events if e[0] + shift > pos]
            if not fresh:
                return int(pos - shift)
            with conn.cursor().copy(
                "COPY hallq_events (hall_id, seq, type, at, ticket_id, data) FROM STDIN"
            ) as cp:
                for seq, *event in fresh:
                    cp.write_row((hall, seq + shift, *event))
            if batch.tickets:
                with conn.cursor().copy("COPY hallq_ticket_batch FROM STDIN") as cp:
                    for *ticket, seq in batch.tickets:
                        cp.write_row((*ticket, seq + shift))
                conn.execute(_TICKETS, {"hall": hall})
            last = fresh[-1]
            conn.execute(
                "UPDATE hallq_feed SET seq = %s, last_event_at = %s, received_at = now() "
                "WHERE hall_id = %s",
                (last[0] + shift, last[2], hall),
            )
        return int(last[0])

    def _prepare_months(self, first: str, last: str) -> None:
        for month in months_between(
            dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
        ):
            if month not in self._months:
                with self.conn.transaction():
                    ensure_partition(self.conn, month)
                self._months.add(month)
