"""The city console's accounts, their sessions and the audit of account actions, in the city
database (the tables: city/console_tables.py).

Roles: 市级管理员 (city admin: reads and manages the city's accounts) and 查看 (viewer: reads).
City users read; no city page changes anything in a hall.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from webshell import accounts as rules

ROLES = {"admin": ("市级管理员", "City administrator"), "viewer": ("查看", "Viewer")}
VIEWER_MAY = frozenset({"read"})


def may(role: str, action: str) -> bool:
    return role == "admin" or (role == "viewer" and action in VIEWER_MAY)


def check_new(name: str, role: str, password: str) -> None:
    rules.check_new(name, role, password, ROLES)


class CityAccounts:
    """The shell's account store (webshell.sessions.AccountStore) on the city database."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def _run(
        self, sql: str, args: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[dict[str, Any]]:
        async with await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, row_factory=dict_row
        ) as conn:
            cur = await conn.execute(sql, args)
            return await cur.fetchall() if cur.description else []

    async def session(self, digest: str) -> dict[str, Any] | None:
        rows = await self._run(
            "SELECT a.name, a.role, s.csrf FROM hallq_console_sessions s "
            "JOIN hallq_console_accounts a ON a.name = s.account "
            "WHERE s.token_hash = %s AND s.expires_at > now()",
            (digest,),
        )
        return rows[0] if rows else None

    async def count_attempt(self, name: str) -> dict[str, Any] | None:
        """One statement, so parallel guesses cannot outrun the lock: a locked account stays
        locked (None), else the failure is counted — and locks at LOCK_AFTER."""
        rows = await self._run(
            "UPDATE hallq_console_accounts a SET "
            "failures = CASE WHEN a.failures + 1 >= %(limit)s THEN 0 ELSE a.failures + 1 END, "
            "locked_until = CASE WHEN a.failures + 1 >= %(limit)s "
            "THEN now() + %(lock)s ELSE NULL END "
            "FROM hallq_console_accounts o WHERE a.name = %(name)s AND o.name = a.name "
            "AND (o.locked_until IS NULL OR o.locked_until <= now()) RETURNING o.*",
            {"name": name, "limit": rules.LOCK_AFTER, "lock": rules.LOCK_FOR},
        )
        return rows[0] if rows else None

    async def open_session(self, name: str, digest: str, csrf: str) -> None:
        await self._run(
            "WITH ok AS (UPDATE hallq_console_accounts SET failures = 0, locked_until = NULL "
            "WHERE name = %s), gone AS (DELETE FROM hallq_console_sessions "
            "WHERE expires_at < now()) "
            "INSERT INTO hallq_console_sessions (token_hash, account, csrf, expires_at) "
            "VALUES (%s, %s, %s, now() + %s)",
            (name, digest, name, csrf, rules.SESSION_TTL),
        )

    async def close_sessions(self, *, digest: str = "", name: str = "") -> None:
        if name:
            await self._run("DELETE FROM hallq_console_sessions WHERE account = %s", (name,))
        else:
            await self._run("DELETE FROM hallq_console_sessions WHERE token_hash = %s", (digest,))

    async def audit(self, account: str, action: str, subject: str = "", **detail: object) -> None:
        await self._run(
            "INSERT INTO hallq_console_audit (account, action, subject, detail) "
            "VALUES (%s, %s, %s, %s)",
            (account, action, subject, json.dumps(detail, ensure_ascii=False)),
        )

    # ----- the accounts and audit pages ---------------------------------------------------------
    async def accounts(self) -> list[dict[str, Any]]:
        return await self._run(
            "SELECT name, role, coalesce(locked_until > now(), false) AS locked "
            "FROM hallq_console_accounts ORDER BY name"
        )

    # A change and its audit row are one statement: neither is kept without the other.
    async def save(
        self, by: str, name: str, role: str, password_hash: str, **detail: object
    ) -> None:
        await self._run(
            "WITH saved AS (INSERT INTO hallq_console_accounts (name, role, password_hash) "
            "VALUES (%(name)s, %(role)s, %(hash)s) ON CONFLICT (name) DO UPDATE SET "
            "role = excluded.role, password_hash = excluded.password_hash, failures = 0, "
            "locked_until = NULL RETURNING name) "
            "INSERT INTO hallq_console_audit (account, action, subject, detail) "
            "SELECT %(by)s, 'account_saved', name, %(detail)s FROM saved",
            {
                "name": name,
                "role": role,
                "hash": password_hash,
                "by": by,
                "detail": json.dumps({"role": role, **detail}, ensure_ascii=False),
            },
        )

    async def remove(self, by: str, name: str) -> bool:
        return bool(
            await self._run(
                "WITH gone AS (DELETE FROM hallq_console_accounts WHERE name = %s RETURNING name) "
                "INSERT INTO hallq_console_audit (account, action, subject) "
                "SELECT %s, 'account_removed', name FROM gone RETURNING subject",
                (name, by),
            )
        )

    async def audit_rows(
        self,
        *,
        account: str,
        action: str,
        since: dt.date | None,
        until: dt.date | None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        where, args = ["true"], []
        for sql, value in (
            ("account = %s", account),
            ("action = %s", action),
            ("at >= %s::date", since),
            ("at < %s::date + 1", until),
        ):
            if value:
                where.append(sql)
                args.append(value)
        return await self._run(
            "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') AS at, "
            "account AS manager, action, subject, detail FROM hallq_console_audit "
            f"WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s",
            (*args, limit),
        )
