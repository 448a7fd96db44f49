"""The city database on PostgreSQL: created by `hallq-city init --db URL`.

Citus-ready: `hall_id` is the distribution column of every table and part of every unique key.
`hallq_events` is partitioned by month of the event's time; PostgreSQL makes a partitioned table's
key contain the partition column, so its key is (hall_id, seq, at) — an event's `at` never changes,
so a re-sent event collides exactly as it would on (hall_id, seq), and `hallq_feed` keeps each
hall's position so every batch starts where the city has it.

`seq` is the city's number of the event.  It is the hall's own number plus the `shift` of the
hall's log incarnation (`hallq_feed_logs`): 0 until a hall is restored from a backup behind the
city's position, when its later events are numbered on from the city's position instead of
colliding with the events the city already holds (city/feed.py finds the fork).

`hallq_tickets` is a view with the issue's columns over `hallq_ticket_rows`, the kept table the
ingest moves (with the ticket's local `day` and the city seq of its latest event, indexed).
"""

from __future__ import annotations

import datetime as dt

import psycopg

SCHEMA_VERSION = 2

DDL = """
CREATE TABLE IF NOT EXISTS hallq_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE IF NOT EXISTS hallq_halls (
    hall_id text PRIMARY KEY,
    name text NOT NULL DEFAULT '',
    timezone text NOT NULL DEFAULT 'Asia/Shanghai',
    first_seen timestamptz NOT NULL DEFAULT now()
);

-- Each hall's position: the last seq the city holds (moved in the transaction that stores it).
CREATE TABLE IF NOT EXISTS hallq_feed (
    hall_id text PRIMARY KEY,
    seq bigint NOT NULL DEFAULT 0,
    shift bigint NOT NULL DEFAULT 0,  -- the city seq of a hall event = its hall seq + shift
    last_event_at timestamptz,
    received_at timestamptz
);

-- Each incarnation of a hall's log: from city seq `city_from` on, city seq = hall seq + shift.
-- A hall restored from a backup behind the city's position starts a new one (city/feed.py).
CREATE TABLE IF NOT EXISTS hallq_feed_logs (
    hall_id text NOT NULL,
    city_from bigint NOT NULL,
    shift bigint NOT NULL,
    hall_seq bigint NOT NULL,  -- the last hall seq the city and the restored log agree on
    started_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall_id, city_from)
);

-- What the event says beyond the ticket's row: its type and time, the ticket it is about, and its
-- own fields (`data`: window, score, reasons, service_s…).  The hall sends the ticket's whole
-- view with every event of it; the city keeps that view once, as the ticket's row, so an event
-- row is some 150 bytes instead of 700 — the ingest writes (and logs) a fifth of the bytes.  The
-- key is the only index.
CREATE TABLE IF NOT EXISTS hallq_events (
    hall_id text NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    at timestamptz NOT NULL,
    ticket_id text,
    data json NOT NULL,
    PRIMARY KEY (hall_id, seq, at)
) PARTITION BY RANGE (at);

-- One row per ticket, the latest state its events carried; kept current by the ingest.  Rows are
-- updated a few times a day each: half of every page left free keeps those updates HOT (no
-- index touched, as no indexed column changes).
CREATE TABLE IF NOT EXISTS hallq_ticket_rows (
    hall_id text NOT NULL,
    ticket_id text NOT NULL,
    day date NOT NULL,
    number text NOT NULL,
    service text NOT NULL,
    status text NOT NULL,
    channel text NOT NULL,
    issued_at timestamptz NOT NULL,
    called_at timestamptz,
    finished_at timestamptz,
    window_id text,
    wait_s integer,
    handling_s integer NOT NULL DEFAULT 0,
    score smallint,
    seq bigint NOT NULL,
    -- A ticket's day never changes (its issue time's date in the hall), so (hall_id, day,
    -- ticket_id) is as unique as (hall_id, ticket_id) and the key serves a hall's days too.
    PRIMARY KEY (hall_id, day, ticket_id)
) WITH (fillfactor = 50);
CREATE INDEX IF NOT EXISTS hallq_ticket_rows_day ON hallq_ticket_rows (day, hall_id);

CREATE OR REPLACE VIEW hallq_tickets AS
SELECT hall_id, ticket_id, number, service, status, channel, issued_at, called_at, finished_at,
    window_id, wait_s, handling_s, score
FROM hallq_ticket_rows;

-- Each hall's day per service, summed from hallq_ticket_rows (moved in the same transaction):
-- what a report over many halls and days reads instead of millions of ticket rows.
CREATE TABLE IF NOT EXISTS hallq_days (
    hall_id text NOT NULL,
    day date NOT NULL,
    service text NOT NULL,
    issued integer NOT NULL DEFAULT 0,
    served integer NOT NULL DEFAULT 0,
    no_show integer NOT NULL DEFAULT 0,
    waiting integer NOT NULL DEFAULT 0,
    waits integer NOT NULL DEFAULT 0,
    wait_sum bigint NOT NULL DEFAULT 0,
    handling_sum bigint NOT NULL DEFAULT 0,
    s1 integer NOT NULL DEFAULT 0,  -- ratings ★1 … ★5 (好差评), counted per level
    s2 integer NOT NULL DEFAULT 0,
    s3 integer NOT NULL DEFAULT 0,
    s4 integer NOT NULL DEFAULT 0,
    s5 integer NOT NULL DEFAULT 0,
    PRIMARY KEY (hall_id, day, service)
);
CREATE INDEX IF NOT EXISTS hallq_days_day ON hallq_days (day, hall_id);

-- Bookings made at the city, each delivered once to its hall; the ID number is kept only until
-- the hall has it (the hall stores its own keyed hash), then erased.
CREATE TABLE IF NOT EXISTS hallq_appointments (
    hall_id text NOT NULL,
    code text NOT NULL,
    service text NOT NULL,
    slot_start timestamptz NOT NULL,
    slot_end timestamptz NOT NULL,
    holder text NOT NULL DEFAULT '',
    id_number text,
    entered_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    refused text,
    PRIMARY KEY (hall_id, code)
);
CREATE INDEX IF NOT EXISTS hallq_appointments_pending ON hallq_appointments (hall_id)
    WHERE delivered_at IS NULL AND refused IS NULL;
"""


# Ticket rows (with a sign: +1 added, -1 taken away) summed into hallq_days.
DAY_FIGURES = """
INSERT INTO hallq_days AS d (hall_id, day, service, issued, served, no_show, waiting, waits,
    wait_sum, handling_sum, s1, s2, s3, s4, s5)
SELECT hall_id, day, service, sum(sign), sum(sign * (status = 'done')::int),
    sum(sign * (status = 'no_show')::int), sum(sign * (status = 'waiting')::int),
    sum(sign * (wait_s IS NOT NULL)::int), sum(sign * coalesce(wait_s, 0)),
    sum(sign * CASE WHEN status = 'done' THEN handling_s ELSE 0 END),
    sum(sign * (coalesce(score, 0) = 1)::int), sum(sign * (coalesce(score, 0) = 2)::int),
    sum(sign * (coalesce(score, 0) = 3)::int), sum(sign * (coalesce(score, 0) = 4)::int),
    sum(sign * (coalesce(score, 0) = 5)::int)
FROM ({rows}) r
GROUP BY hall_id, day, service
ON CONFLICT (hall_id, day, service) DO UPDATE SET
    issued = d.issued + excluded.issued, served = d.served + excluded.served,
    no_show = d.no_show + excluded.no_show, waiting = d.waiting + excluded.waiting,
    waits = d.waits + excluded.waits, wait_sum = d.wait_sum + excluded.wait_sum,
    handling_sum = d.handling_sum + excluded.handling_sum, s1 = d.s1 + excluded.s1,
    s2 = d.s2 + excluded.s2, s3 = d.s3 + excluded.s3, s4 = d.s4 + excluded.s4,
    s5 = d.s5 + excluded.s5
"""


class CityError(Exception):
    """The city database cannot be used; the message is one line for the operator."""


def init(conn: psycopg.Connection) -> None:
    """Create the schema (idempotent) and record its version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(4711)")
        row = conn.execute(
            "SELECT value FROM hallq_meta WHERE key = 'schema'"
            if _has_meta(conn)
            else "SELECT NULL WHERE false"
        ).fetchone()
        if row is not None and row[0] != str(SCHEMA_VERSION):
            raise CityError(f"city schema version {row[0]}, this hallq knows {SCHEMA_VERSION}")
        conn.execute(DDL)
        conn.execute(
            "INSERT INTO hallq_meta VALUES ('schema', %s) ON CONFLICT (key) DO NOTHING",
            (str(SCHEMA_VERSION),),
        )


def rebuild_days(conn: psycopg.Connection) -> None:
    """hallq_days summed afresh from the ticket rows (after a restore, or rows loaded in bulk)."""
    with conn.transaction():
        conn.execute("TRUNCATE hallq_days")
        conn.execute(DAY_FIGURES.format(rows="SELECT 1 AS sign, * FROM hallq_ticket_rows"))


def _has_meta(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('hallq_meta') IS NOT NULL").fetchone() == (True,)


def check(conn: psycopg.Connection) -> None:
    """Fail clearly on a database that `hallq-city init` has not prepared."""
    if not _has_meta(conn):
        raise CityError("not a hallq city database: run `hallq-city init --db URL` first")


def month_of(at: dt.datetime) -> dt.date:
    utc = at.astimezone(dt.UTC)
    return dt.date(utc.year, utc.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: dt.datetime, last: dt.datetime) -> list[dt.date]:
    out, month = [], month_of(first)
    while month <= month_of(last):
        out.append(month)
        month = next_month(month)
    return out


def ensure_partition(conn: psycopg.Connection, month: dt.date) -> None:
    """The month's partition of hallq_events (UTC months), created once under a lock."""
    name = f"hallq_events_{month:%Y_%m}"
    if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone() == (True,):
        return
    conn.execute("SELECT pg_advisory_xact_lock(4712)")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF hallq_events "
        f"FOR VALUES FROM ('{month.isoformat()} 00:00+00') "
        f"TO ('{next_month(month).isoformat()} 00:00+00')"
    )
