"""预约 import: a day's bookings from a CSV file, checked line by line.

Columns (header row required): code, service, slot_start, slot_end, and optionally id_number
and name.  Times are `YYYY-MM-DD HH:MM` in the hall's time zone (or ISO 8601 with an offset).
A bad line is reported with its reason and skipped; the good ones are kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from hallserver.domain.hall import AppointmentRequest

COLUMNS = ("code", "service", "slot_start", "slot_end", "id_number", "name")
REQUIRED = COLUMNS[:4]


@dataclass
class Line:
    """One data line of the file: the booking it holds, or why it cannot be kept."""

    number: int
    code: str
    appointment: AppointmentRequest | None = None
    error: str = ""


class BookingFileError(ValueError):
    """The file as a whole cannot be read (not CSV, not UTF-8, columns missing)."""


def _time(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def read_bookings(data: bytes, tz: dt.tzinfo, limit: int = 20_000) -> list[Line]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BookingFileError("文件不是 UTF-8 编码 · The file is not UTF-8 text") from None
    rows = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in rows.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BookingFileError(
            f"缺少列 {', '.join(missing)} · Columns missing: {', '.join(missing)}"
        )
    lines = []
    for i, raw in enumerate(rows, start=2):
        if i - 1 > limit:
            raise BookingFileError(f"至多 {limit} 行 · At most {limit} lines")
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        lines.append(_line(i, row, tz))
    return lines


def _line(number: int, row: dict[str, str], tz: dt.tzinfo) -> Line:
    code = row.get("code", "")
    line = Line(number, code)
    empty = [c for c in REQUIRED if not row.get(c)]
    if empty:
        line.error = f"缺少 {', '.join(empty)} · Missing {', '.join(empty)}"
        return line
    start, end = _time(row["slot_start"], tz), _time(row["slot_end"], tz)
    if start is None or end is None:
        line.error = "时间格式应为 YYYY-MM-DD HH:MM · Times must be YYYY-MM-DD HH:MM"
        return line
    if len(code) > 64:
        line.error = "预约码至多 64 个字符 · The code is longer than 64 characters"
        return line
    line.appointment = AppointmentRequest(
        code=code,
        service=row["service"],
        slot_start=start,
        slot_end=end,
        id_number=row.get("id_number") or None,
        name=row.get("name", ""),
    )
    return line
