"""The city console's own tables, kept apart from the feed's schema (city/schema.py): its
accounts, their sessions, the audit of account actions, and what the console keeps of each
hall's closed days — their waits as half-minute histograms (what a P90 over many halls and
days reads instead of every ticket) and their tickets grouped as a hall's report groups them
(what one hall's report over a month reads instead of every ticket).  Created by `create`,
which `hallq-city init`, `serve` and `user add` run (idempotent).  The account tables are
small and rarely written (reference tables on a distributed PostgreSQL); the kept days carry
`hall_id` in their keys like the feed's tables.
"""

from __future__ import annotations

import psycopg

WAIT_BUCKET_S = 30  # a wait histogram's bucket: P90 waits are told to the half minute …
WAIT_BUCKETS = 480  # … up to 4 hours (longer waits share the last bucket)

SCHEMA = """
CREATE TABLE IF NOT EXISTS hallq_console_accounts (
    name text PRIMARY KEY,
    role text NOT NULL,
    password_hash text NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS hallq_console_sessions (
    token_hash text PRIMARY KEY,
    account text NOT NULL REFERENCES hallq_console_accounts (name) ON DELETE CASCADE,
    csrf text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS hallq_console_sessions_account ON hallq_console_sessions (account);
CREATE TABLE IF NOT EXISTS hallq_console_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    account text NOT NULL,
    action text NOT NULL,
    subject text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS hallq_console_audit_at ON hallq_console_audit (at);

-- A hall's closed day (the hall has sent events of a later day) whose waits are kept below.
CREATE TABLE IF NOT EXISTS hallq_console_kept_days (
    hall_id text NOT NULL,
    day date NOT NULL,
    PRIMARY KEY (hall_id, day)
);
-- Waits of a kept day: tickets per half-minute bucket (wait_s / 30, the last one open).
CREATE TABLE IF NOT EXISTS hallq_console_waits (
    hall_id text NOT NULL,
    day date NOT NULL,
    bucket smallint NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (hall_id, day, bucket)
);
CREATE INDEX IF NOT EXISTS hallq_console_waits_day ON hallq_console_waits (day, hall_id);
-- A kept day's tickets grouped as a hall's report groups them (city/console_reports.py): per
-- window, per wait bucket, per handling bucket, per weekday × half hour in the hall's time zone
-- (`grp`: grouping() of those five columns, which says which), with each group's figures.
CREATE TABLE IF NOT EXISTS hallq_console_report_groups (
    hall_id text NOT NULL,
    day date NOT NULL,
    grp smallint NOT NULL,
    window_id text,
    wait_bucket smallint,
    handling_bucket smallint,
    weekday smallint,
    slot smallint,
    issued integer NOT NULL,
    served integer NOT NULL,
    no_show integer NOT NULL,
    wait_sum bigint NOT NULL,
    waits integer NOT NULL,
    handling_sum bigint NOT NULL,
    rated integer NOT NULL,
    satisfied integer NOT NULL,
    bad integer NOT NULL
);
CREATE INDEX IF NOT EXISTS hallq_console_report_groups_hall
    ON hallq_console_report_groups (hall_id, day);
"""


def create(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(4713)")
        had_groups = conn.execute(
            "SELECT to_regclass('hallq_console_report_groups') IS NOT NULL"
        ).fetchone() == (True,)
        conn.execute(SCHEMA)
        if not had_groups:
            # Days kept before the report's groups were kept: keep them again, with their groups.
            conn.execute("TRUNCATE hallq_console_kept_days, hallq_console_waits")
