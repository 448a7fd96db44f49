"""The hall config's versions in the hall database, and changing the running hall's config.

How the file on disk and the stored versions relate: the file seeds version 1. At every
start the file is compared with the one last taken (by SHA-256): a file that changed since
becomes a new version by "file"; otherwise the newest stored version is the running config,
whatever was changed in the console since. Every change — a console form, an imported file, a
roll back — is a new version with who, when and what changed; a version is never edited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError, config_tables, config_text, parse_config
from .domain.errors import Conflict
from .domain.settings import HallSettings
from .service import HallService

SCHEMA = """
CREATE TABLE IF NOT EXISTS config_versions (
    version INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    author TEXT NOT NULL,                  -- the manager, or "file" (the file on disk)
    source TEXT NOT NULL,                  -- file | console | import | rollback
    summary TEXT NOT NULL,                 -- what changed, for the list and the audit log
    text TEXT NOT NULL,                    -- the whole config, as a file the loader reads
    file_sha256 TEXT NOT NULL DEFAULT ''   -- source file: the digest of the file taken
);
"""
SOURCES = {
    "file": ("配置文件", "file"),
    "console": ("管理后台", "console"),
    "import": ("导入", "import"),
    "rollback": ("回滚", "roll back"),
}
SUMMARY_ITEMS = 6  # changes named in a summary; the rest counted


@dataclass(frozen=True)
class ConfigVersion:
    version: int
    at: str
    author: str
    source: str
    summary: str
    text: str
    file_sha256: str = ""

    def settings(self) -> HallSettings:
        return parse_config(self.text, f"config version {self.version}")

    def when(self, tz: dt.tzinfo) -> str:
        """When it was made, on the hall's clock: 2026-12-01 18:05."""
        return f"{dt.datetime.fromisoformat(self.at).astimezone(tz):%Y-%m-%d %H:%M}"


class StaleConfig(Conflict):
    """A form read at one version saved on top of a newer one: refused, never overwritten."""

    code = "config_stale"

    def __init__(self, newest: ConfigVersion, tz: dt.tzinfo) -> None:
        at = newest.when(tz)
        super().__init__(
            f"配置已被 {newest.author} 于 {at} 修改（版本 {newest.version}），本页已过期；"
            "请重新打开本页再修改 · The config was changed by "
            f"{newest.author} at {at} (version {newest.version}) after this page was read; "
            "open it again and redo your change"
        )
        self.newest = newest


def create(conn: sqlite3.Connection) -> None:
    conn.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")


def _version(row: sqlite3.Row | None) -> ConfigVersion | None:
    return ConfigVersion(**dict(row)) if row is not None else None


def newest(conn: sqlite3.Connection) -> ConfigVersion | None:
    return _version(
        conn.execute("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()
    )


def version(conn: sqlite3.Connection, number: int) -> ConfigVersion | None:
    return _version(
        conn.execute("SELECT * FROM config_versions WHERE version = ?", (number,)).fetchone()
    )


def history(conn: sqlite3.Connection, limit: int = 200) -> list[ConfigVersion]:
    rows = conn.execute("SELECT * FROM config_versions ORDER BY version DESC LIMIT ?", (limit,))
    return [ConfigVersion(**dict(r)) for r in rows]


def add(
    conn: sqlite3.Connection,
    *,
    at: dt.datetime,
    author: str,
    source: str,
    summary: str,
    text: str,
    file_sha256: str = "",
) -> ConfigVersion:
    assert source in SOURCES, source
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "INSERT INTO config_versions (at, author, source, summary, text, file_sha256) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (at.astimezone(dt.UTC).isoformat(), author, source, summary, text, file_sha256),
        )
        number = cur.lastrowid
    found = version(conn, int(number or 0))
    assert found is not None
    return found


def discard(conn: sqlite3.Connection, number: int) -> None:
    """Take back a version that was never applied (the hall refused it a moment later)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM config_versions WHERE version = ?", (number,))


def _last_file_digest(conn: sqlite3.Connection) -> str:
    row = conn.execute(
        "SELECT file_sha256 FROM config_versions WHERE source = 'file' "
        "ORDER BY version DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else ""


# ----- at start ---------------------------------------------------------------------------------
def _file(path: Path) -> tuple[bytes, str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file · 没有该文件") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e} · 无法读取") from None
    return data, hashlib.sha256(data).hexdigest()


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: cannot read: {e} · 无法读取") from None


def running_config(
    conn: sqlite3.Connection, path: Path, now: dt.datetime
) -> tuple[HallSettings, ConfigVersion]:
    """The config the server starts with (see the module's docstring), its version stored.

    A file that cannot be read or is not valid stops the start as before (ConfigError naming
    the file and the key), also when stored versions exist: the operator changed it for a
    reason and should learn at once that it is wrong.
    """
    data, digest = _file(path)
    create(conn)
    current = newest(conn)
    if current is not None and digest == _last_file_digest(conn):
        return current.settings(), current
    text = _text(path, data)
    settings = parse_config(text, path)
    summary = (
        f"{path.name}: {what_changed(current.settings(), settings)}"
        if current is not None
        else f"{path.name}: 初始配置 · first config"
    )
    taken = add(
        conn,
        at=now,
        author="file",
        source="file",
        summary=summary,
        text=text,
        file_sha256=digest,
    )
    return settings, taken


def current_config(conn: sqlite3.Connection, path: Path) -> HallSettings:
    """The config a server on this database runs or would start with, read only (for the
    command-line tools: stats, export, plan, token)."""
    data, digest = _file(path)
    stored = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'config_versions'"
    ).fetchone()
    current = newest(conn) if stored else None
    if current is not None and digest == _last_file_digest(conn):
        return current.settings()
    return parse_config(_text(path, data), path)


# ----- what changed -----------------------------------------------------------------------------
def _flat(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{key}.{k}" if key else k)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for i, item in enumerate(value):
            name = item.get("code") or item.get("id") or i  # a service, a window, a period
            yield from _flat(item, f"{key}[{name}]")
    else:
        yield key, ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def what_changed(old: HallSettings, new: HallSettings) -> str:
    """A short line for the version list and the audit log: the keys that changed, by their
    service code or window id (`services[A].name: 投资项目审批 → 投资审批`)."""
    before, after = dict(_flat(config_tables(old))), dict(_flat(config_tables(new)))
    items = []
    for key in [*before, *(k for k in after if k not in before)]:
        if before.get(key) == after.get(key):
            continue
        if key not in after:
            items.append(f"−{key}")
        elif key not in before:
            items.append(f"+{key} = {_short(after[key])}")
        else:
            items.append(f"{key}: {_short(before[key])} → {_short(after[key])}")
    if not items:
        return "无变化 · no change"
    more = len(items) - SUMMARY_ITEMS
    return "; ".join(items[:SUMMARY_ITEMS]) + (f"; … +{more}" if more > 0 else "")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----- a change of the running hall ---------------------------------------------------------------
async def change(
    svc: HallService,
    settings: HallSettings,
    *,
    read_at: int,
    author: str,
    source: str,
    summary: str = "",
) -> ConfigVersion:
    """Store `settings` (already valid as a config) as the newest version and run the hall on
    it; every terminal is told by hall.config_changed.

    `read_at` is the version the manager's page showed: a newer one refuses the change
    (StaleConfig). The hall's own refusals (ConfigRefused: a removed service with citizens
    waiting…) leave the stored versions as they were.
    """
    async with svc.config_lock:
        current = await svc.db(newest, svc.store.conn)
        assert current is not None, "the server stores its config version at start"
        if current.version != read_at:
            raise StaleConfig(current, svc.tz)
        svc.hall.check_reconfigure(settings)
        line = summary or what_changed(svc.settings, settings)
        text = config_text(settings)
        stored = await svc.db(
            lambda: add(
                svc.store.conn,
                at=svc.now(),
                author=author,
                source=source,
                summary=line,
                text=text,
            )
        )
        try:
            await svc.reconfigure(
                settings, version=stored.version, by=author, source=source, summary=line
            )
        except Exception:
            await svc.db(discard, svc.store.conn, stored.version)
            raise
        return stored
