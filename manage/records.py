"""The console's own tables in the hall database: managers, their sessions, the audit log,
acknowledged alerts and 差评 follow-up cases.  Every function takes the connection it runs on
(the hall server's writer for changes, its reader for pages), so the console never opens a
second writer on the database."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from hallserver.protocol import BAD_REVIEW_MAX_SCORE

SCHEMA = """
CREATE TABLE IF NOT EXISTS managers (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS manager_sessions (
    token_hash TEXT PRIMARY KEY,
    manager TEXT NOT NULL REFERENCES managers(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS manager_sessions_manager ON manager_sessions(manager);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    manager TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{{}}'
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TABLE IF NOT EXISTS alert_acks (
    seq INTEGER PRIMARY KEY,
    manager TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    ticket TEXT PRIMARY KEY,
    assignee TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    closed_by TEXT
);
CREATE TABLE IF NOT EXISTS case_notes (
    id INTEGER PRIMARY KEY,
    ticket TEXT NOT NULL,
    at TEXT NOT NULL,
    manager TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_notes_ticket ON case_notes(ticket);
-- A closed day's report sums (manage/reports.py), kept so long ranges read 1 row a day.
CREATE TABLE IF NOT EXISTS report_days (
    day TEXT NOT NULL,
    min_score INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (day, min_score)
);
-- Reports read a range of days without touching the table: one covering index (by day and
-- window first, so a clerk's sign-in finds its window's tickets of the day directly).
CREATE INDEX IF NOT EXISTS tickets_report ON tickets(
    day, window, called_at, service, status, wait_s, service_s, score, issued_at
);
-- 差评 (★1–2) by day for the follow-up list.
CREATE INDEX IF NOT EXISTS tickets_bad ON tickets(day) WHERE score <= {bad};
-- Clerk sessions (window.opened / window.closed) by time for per-clerk figures.
CREATE INDEX IF NOT EXISTS events_type_at ON events(type, at);
"""


def create(conn: sqlite3.Connection) -> None:
    """Add the console's tables and indexes (idempotent; run once at start on the writer)."""
    conn.executescript("BEGIN IMMEDIATE;" + SCHEMA.format(bad=BAD_REVIEW_MAX_SCORE) + "COMMIT;")


# ----- managers ---------------------------------------------------------------------------------
def manager(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM managers WHERE name = ?", (name,)).fetchone()


def managers(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(conn.execute("SELECT * FROM managers ORDER BY name"))


def save_manager(
    conn: sqlite3.Connection, name: str, role: str, password_hash: str, now: dt.datetime
) -> None:
    """Create a manager or set a new password and role (which also lifts a lock)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO managers (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
            "password_hash = excluded.password_hash, failures = 0, locked_until = NULL",
            (name, role, password_hash, now.isoformat()),
        )


def remove_manager(conn: sqlite3.Connection, name: str) -> bool:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM manager_sessions WHERE manager = ?", (name,))
        return conn.execute("DELETE FROM managers WHERE name = ?", (name,)).rowcount > 0


def count_attempt(
    conn: sqlite3.Connection, name: str, now: dt.datetime, limit: int, lock: dt.timedelta
) -> sqlite3.Row | None:
    """Count a sign-in attempt before its password is checked, so parallel guesses cannot
    outrun the lock; None when the account is unknown, disabled or locked."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT * FROM managers WHERE name = ? AND NOT disabled", (name,)
        ).fetchone()
        if row is None:
            return None
        if row["locked_until"] and dt.datetime.fromisoformat(row["locked_until"]) > now:
            return None
        failures = 0 if row["locked_until"] else row["failures"]
        failures += 1
        locked = (now + lock).isoformat() if failures >= limit else None
        conn.execute(
            "UPDATE managers SET failures = ?, locked_until = ? WHERE name = ?",
            (0 if locked else failures, locked, name),
        )
        return row


def attempt_succeeded(conn: sqlite3.Connection, name: str) -> None:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE managers SET failures = 0, locked_until = NULL WHERE name = ?", (name,)
        )


# ----- sessions ---------------------------------------------------------------------------------
def open_session(
    conn: sqlite3.Connection,
    token_hash: str,
    name: str,
    csrf: str,
    now: dt.datetime,
    ttl: dt.timedelta,
) -> None:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM manager_sessions WHERE expires_at < ?", (now.isoformat(),))
        conn.execute(
            "INSERT INTO manager_sessions VALUES (?, ?, ?, ?, ?)",
            (token_hash, name, csrf, now.isoformat(), (now + ttl).isoformat()),
        )


def session(conn: sqlite3.Connection, token_hash: str, now: dt.datetime) -> sqlite3.Row | None:
    """The signed-in manager of a session cookie (with role and csrf), if still valid."""
    return conn.execute(
        "SELECT m.name, m.role, s.csrf FROM manager_sessions s "
        "JOIN managers m ON m.name = s.manager "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND NOT m.disabled",
        (token_hash, now.isoformat()),
    ).fetchone()


def close_sessions(conn: sqlite3.Connection, *, token_hash: str = "", manager: str = "") -> int:
    """Sign out one session, or every session of a manager (sign-out everywhere)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if manager:
            sql, arg = "DELETE FROM manager_sessions WHERE manager = ?", manager
        else:
            sql, arg = "DELETE FROM manager_sessions WHERE token_hash = ?", token_hash
        return conn.execute(sql, (arg,)).rowcount


# ----- audit ------------------------------------------------------------------------------------
def audit(
    conn: sqlite3.Connection,
    now: dt.datetime,
    manager: str,
    action: str,
    subject: str = "",
    **detail: object,
) -> None:
    """Record one manager action; never a password or a PIN (callers pass none)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO audit (at, manager, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (now.isoformat(), manager, action, subject, json.dumps(detail, ensure_ascii=False)),
        )


def audit_rows(
    conn: sqlite3.Connection,
    *,
    manager: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    limit: int = 500,
) -> list[dict[str, Any]]:
    where, args = ["1"], []
    for sql, value in (
        ("manager = ?", manager),
        ("action = ?", action),
        ("at >= ?", since),
        ("at < ?", until),
    ):
        if value:
            where.append(sql)
            args.append(value)
    rows = conn.execute(
        f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
        (*args, limit),
    )
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


# ----- alerts -----------------------------------------------------------------------------------
def alerts_since(conn: sqlite3.Connection, seq: int, limit: int = 200) -> list[dict[str, Any]]:
    """Today's 电子监察 alerts (events after `seq`), newest first, with who acknowledged them."""
    rows = conn.execute(
        "SELECT e.seq, e.body, a.manager, a.at FROM events e "
        "LEFT JOIN alert_acks a ON a.seq = e.seq "
        "WHERE e.type = 'hall.alert' AND e.seq > ? ORDER BY e.seq DESC LIMIT ?",
        (seq, limit),
    )
    out = []
    for r in rows:
        event = json.loads(r["body"])
        out.append({"seq": r["seq"], "at": event["at"], **event["data"], "acked_by": r["manager"]})
    return out


def day_seq(conn: sqlite3.Connection) -> int:
    """The last event sequence number before today's first."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'day_seq'").fetchone()
    return int(row[0]) if row else 0


def acknowledge(conn: sqlite3.Connection, seq: int, manager: str, now: dt.datetime) -> bool:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        is_alert = conn.execute(
            "SELECT 1 FROM events WHERE seq = ? AND type = 'hall.alert'", (seq,)
        ).fetchone()
        if not is_alert:
            return False
        conn.execute(
            "INSERT OR IGNORE INTO alert_acks VALUES (?, ?, ?)", (seq, manager, now.isoformat())
        )
        return True


# ----- 差评 follow-up cases ---------------------------------------------------------------------
def bad_reviews(
    conn: sqlite3.Connection,
    since: dt.date,
    until: dt.date,
    *,
    open_only: bool = False,
    limit: int = 300,
) -> list[dict[str, Any]]:
    """Every ★1–2 rating of the days is a case; its follow-up state joined in."""
    rows = conn.execute(
        "SELECT t.id, t.day, t.number, t.service, t.window, t.score, t.reasons, t.comment, "
        "t.finished_at, c.assignee, c.closed_at, c.closed_by FROM tickets t "
        "LEFT JOIN cases c ON c.ticket = t.id "
        f"WHERE t.score <= {BAD_REVIEW_MAX_SCORE} AND t.day BETWEEN ? AND ? "
        + ("AND c.closed_at IS NULL " if open_only else "")
        + "ORDER BY t.day DESC, t.finished_at DESC LIMIT ?",
        (since.isoformat(), until.isoformat(), limit),
    )
    return [dict(r) for r in rows]


def bad_review(conn: sqlite3.Connection, ticket: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT t.id, t.day, t.number, t.service, t.window, t.score, t.reasons, t.comment, "
        "t.finished_at, c.assignee, c.closed_at, c.closed_by FROM tickets t "
        "LEFT JOIN cases c ON c.ticket = t.id "
        f"WHERE t.id = ? AND t.score <= {BAD_REVIEW_MAX_SCORE}",
        (ticket,),
    ).fetchone()
    if row is None:
        return None
    notes = conn.execute(
        "SELECT at, manager, text FROM case_notes WHERE ticket = ? ORDER BY id", (ticket,)
    )
    return {**dict(row), "notes": [dict(n) for n in notes]}


def follow_up(
    conn: sqlite3.Connection,
    ticket: str,
    manager: str,
    now: dt.datetime,
    *,
    assignee: str | None = None,
    note: str = "",
    close: bool = False,
) -> None:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR IGNORE INTO cases (ticket) VALUES (?)", (ticket,))
        if assignee is not None:
            conn.execute("UPDATE cases SET assignee = ? WHERE ticket = ?", (assignee, ticket))
        if note:
            conn.execute(
                "INSERT INTO case_notes (ticket, at, manager, text) VALUES (?, ?, ?, ?)",
                (ticket, now.isoformat(), manager, note),
            )
        if close:
            conn.execute(
                "UPDATE cases SET closed_at = ?, closed_by = ? WHERE ticket = ?",
                (now.isoformat(), manager, ticket),
            )
