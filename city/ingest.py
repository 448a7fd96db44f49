"""Store a batch of one hall's events in the city database, exactly once, and keep hallq_tickets
current in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import psycopg

from .schema import DAY_FIGURES, ensure_partition, months_between

# (seq, type, at, body): a row of the hall's event log, the body exactly as the hall serves it.
EventRow = tuple[int, str, str, str]

_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS hallq_staging "
    "(seq bigint, type text, at timestamptz, body jsonb) ON COMMIT DELETE ROWS"
)

# The latest view of each ticket in the batch, applied only over an older one; the day figures
# move by the difference between the rows replaced and the rows written (one statement: the CTEs
# all see the table as it was before it).
_TICKETS = """
WITH latest AS (
    SELECT DISTINCT ON (t->>'id') t->>'id' AS ticket_id, t, seq
    FROM (SELECT seq, body->'data'->'ticket' AS t FROM hallq_staging
          WHERE type LIKE 'ticket.%%') s
    ORDER BY t->>'id', seq DESC
), replaced AS (
    SELECT o.* FROM hallq_tickets o JOIN latest l
        ON o.hall_id = %(hall)s AND o.ticket_id = l.ticket_id AND o.seq < l.seq
), written AS (
    INSERT INTO hallq_tickets (hall_id, ticket_id, day, number, service, status, channel,
        issued_at, called_at, finished_at, window_id, wait_s, handling_s, score, seq)
    SELECT %(hall)s, ticket_id, left(t->>'issued_at', 10)::date, t->>'number', t->>'service',
        t->>'status', t->>'channel', (t->>'issued_at')::timestamptz,
        (t->>'called_at')::timestamptz, (t->>'finished_at')::timestamptz, t->>'window',
        (t->>'wait_s')::integer, coalesce((t->>'service_s')::integer, 0),
        (t->>'score')::smallint, seq
    FROM latest
    ON CONFLICT (hall_id, ticket_id) DO UPDATE SET
        number = excluded.number, service = excluded.service, status = excluded.status,
        channel = excluded.channel, called_at = excluded.called_at,
        finished_at = excluded.finished_at, window_id = excluded.window_id,
        wait_s = excluded.wait_s, handling_s = excluded.handling_s, score = excluded.score,
        seq = excluded.seq
    WHERE hallq_tickets.seq < excluded.seq
    RETURNING *
)
""" + DAY_FIGURES.format(
    rows="SELECT 1 AS sign, * FROM written UNION ALL SELECT -1, * FROM replaced"
)


class Ingest:
    """One hall's writer into the city database (one connection, not shared)."""

    def __init__(self, conn: psycopg.Connection, hall_id: str) -> None:
        self.conn = conn
        self.hall_id = hall_id
        self._months: set[dt.date] = set()
        conn.execute(_STAGING)
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

    def position(self) -> int:
        """The last seq of this hall the city holds."""
        with self.conn.transaction():
            row = self.conn.execute(
                "SELECT seq FROM hallq_feed WHERE hall_id = %s", (self.hall_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def store(self, rows: Sequence[EventRow]) -> int:
        """Store the rows past the city's position in one transaction; returns the new position.

        The position row is locked first, so two feeders of one hall (a restarted hall while the
        old feed still finishes) never store an event twice.
        """
        if not rows:
            return self.position()
        self._prepare_months(rows[0][2], rows[-1][2])
        conn, hall = self.conn, self.hall_id
        with conn.transaction():
            (pos,) = conn.execute(
                "SELECT seq FROM hallq_feed WHERE hall_id = %s FOR UPDATE", (hall,)
            ).fetchone() or (0,)
            fresh = [r for r in rows if r[0] > pos]
            if not fresh:
                return int(pos)
            with conn.cursor().copy("COPY hallq_staging (seq, type, at, body) FROM STDIN") as cp:
                for row in fresh:
                    cp.write_row(row)
            conn.execute(
                "INSERT INTO hallq_events (hall_id, seq, type, at, body) "
                "SELECT %s, seq, type, at, body FROM hallq_staging",
                (hall,),
            )
            conn.execute(_TICKETS, {"hall": hall})
            last = fresh[-1]
            conn.execute(
                "UPDATE hallq_feed SET seq = %s, last_event_at = %s, received_at = now() "
                "WHERE hall_id = %s",
                (last[0], last[2], hall),
            )
        return last[0]

    def _prepare_months(self, first: str, last: str) -> None:
        for month in months_between(
            dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
        ):
            if month not in self._months:
                with self.conn.transaction():
                    ensure_partition(self.conn, month)
                self._months.add(month)
