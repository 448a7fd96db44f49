"""Bookings made at the city, read from a CSV file and queued for delivery to their hall.

CSV columns (UTF-8, header row): hall, code, service, slot_start, slot_end, name, id_number —
name and id_number may be empty; times are ISO 8601, in the hall's time zone when they carry no
offset.  A file with any bad row is refused whole, every bad row named, so nothing is half-done.
"""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from identity import id_number_is_valid, mask_name

from .schema import CityError

COLUMNS = ("hall", "code", "service", "slot_start", "slot_end", "name", "id_number")
DEFAULT_TIMEZONE = "Asia/Shanghai"


class BadAppointments(CityError):
    """A CSV file of bookings with mistakes; the message lists every one (line: column: why)."""


@dataclass(frozen=True)
class Booking:
    """One appointment as the city holds it; `holder` is already masked."""

    hall: str
    code: str
    service: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    holder: str
    id_number: str | None

    def message(self) -> dict[str, object]:
        """What the feed hands its hall (hallserver/uplink.py reads it)."""
        return {
            "code": self.code,
            "service": self.service,
            "slot_start": self.slot_start.isoformat(),
            "slot_end": self.slot_end.isoformat(),
            "holder": self.holder,
            "id_number": self.id_number,
        }


def _time(text: str, tz: dt.tzinfo) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=tz)


def parse(path: Path, timezones: dict[str, str]) -> list[Booking]:
    """Every booking of the file, or BadAppointments naming each bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BadAppointments(f"{path}: cannot read: {e}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise BadAppointments(f"{path}: missing column(s) {', '.join(missing)}")
    bookings, errors, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        where = f"{path}:{line}"
        hall, code = (row.get("hall") or "").strip(), (row.get("code") or "").strip()
        service = (row.get("service") or "").strip()
        id_number = (row.get("id_number") or "").strip().upper() or None
        if not hall:
            errors.append(f"{where}: hall: missing")
            continue
        if not 0 < len(code) <= 64:
            errors.append(f"{where}: code: must be 1–64 characters")
            continue
        if (hall, code) in seen:
            errors.append(f"{where}: code: {code!r} appears twice for hall {hall}")
            continue
        seen.add((hall, code))
        if not (len(service) == 1 and service.isascii() and service.isupper()):
            errors.append(f"{where}: service: {service!r} is not a service code like A")
            continue
        tz = zoneinfo.ZoneInfo(timezones.get(hall, DEFAULT_TIMEZONE))
        try:
            start = _time(row.get("slot_start") or "", tz)
            end = _time(row.get("slot_end") or "", tz)
        except ValueError:
            errors.append(f"{where}: slot_start/slot_end: not ISO 8601 times")
            continue
        if end <= start:
            errors.append(f"{where}: slot_end: must be after slot_start")
            continue
        if id_number and not id_number_is_valid(id_number):
            errors.append(f"{where}: id_number: fails the GB 11643 check")
            continue
        name = (row.get("name") or "").strip()
        bookings.append(
            Booking(hall, code, service, start, end, mask_name(name) if name else "", id_number)
        )
    if errors:
        raise BadAppointments("\n".join(errors))
    return bookings


def hall_timezones(conn: psycopg.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT hall_id, timezone FROM hallq_halls").fetchall())


def enter(conn: psycopg.Connection, bookings: Iterable[Booking]) -> int:
    """Queue bookings for delivery; a code already entered for that hall is kept as it was.
    Returns how many are new."""
    with conn.transaction(), conn.cursor() as cur:
        before = cur.execute("SELECT count(*) FROM hallq_appointments").fetchone()
        cur.executemany(
            "INSERT INTO hallq_appointments (hall_id, code, service, slot_start, slot_end, "
            "holder, id_number) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (hall_id, code) DO NOTHING",
            [
                (b.hall, b.code, b.service, b.slot_start, b.slot_end, b.holder, b.id_number)
                for b in bookings
            ],
        )
        after = cur.execute("SELECT count(*) FROM hallq_appointments").fetchone()
    assert before is not None and after is not None
    return int(after[0]) - int(before[0])


def pending(conn: psycopg.Connection, hall: str, limit: int = 500) -> list[Booking]:
    """Bookings for this hall it has not yet confirmed, oldest first."""
    with conn.transaction():
        rows = conn.execute(
            "SELECT hall_id, code, service, slot_start, slot_end, holder, id_number "
            "FROM hallq_appointments WHERE hall_id = %s AND delivered_at IS NULL "
            "AND refused IS NULL ORDER BY entered_at, code LIMIT %s",
            (hall, limit),
        ).fetchall()
    return [Booking(*r) for r in rows]


def delivered(conn: psycopg.Connection, hall: str, code: str) -> None:
    """The hall holds it: mark it and erase the ID number (the hall keeps only its keyed hash)."""
    with conn.transaction():
        conn.execute(
            "UPDATE hallq_appointments SET delivered_at = now(), id_number = NULL "
            "WHERE hall_id = %s AND code = %s AND delivered_at IS NULL",
            (hall, code),
        )


def refused(conn: psycopg.Connection, hall: str, code: str, why: str) -> None:
    """The hall cannot take it (unknown service, …): kept with the reason, not sent again."""
    with conn.transaction():
        conn.execute(
            "UPDATE hallq_appointments SET refused = %s, id_number = NULL "
            "WHERE hall_id = %s AND code = %s AND delivered_at IS NULL",
            (why[:500], hall, code),
        )
