"""The report's shared shape — wait and handling buckets, weekdays, half hours, the figure
columns — and its export: the same named tables written as CSV (for Excel, with a BOM) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

# Upper bounds (minutes) of the wait and handling distributions' buckets; the last is open.
BUCKETS_MIN = (5, 10, 15, 20, 30, 45, 60)
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
HALF_HOURS = tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30))
DAYTIME = (16, 36)  # 08:00–18:00 always shown in a heat map; earlier or later when used

FIGURE_COLUMNS = (
    ("issued", "取号 Issued"),
    ("served", "办结 Served"),
    ("no_show", "过号 No-show"),
    ("avg_wait_s", "平均等候(秒) Avg wait (s)"),
    ("avg_service_s", "平均办理(秒) Avg handling (s)"),
    ("evaluations", "评价 Ratings"),
    ("satisfaction_rate", "满意率 Satisfaction"),
    ("bad", "差评 Bad reviews"),
)

# (name, header, rows): one table of an export, a section of the CSV and a sheet of the XLSX.
Table = tuple[str, list[str], list[list[Any]]]


def bucket_labels() -> list[str]:
    labels, low = [], 0
    for high in BUCKETS_MIN:
        labels.append(f"{low}–{high}")
        low = high
    return [*labels, f"≥{low}"]


def heat_span(grid: Sequence[Sequence[int]]) -> tuple[int, int]:
    """The half hours a weekday × half-hour grid shows: daytime, widened to every one used."""
    used = [i for i in range(len(HALF_HOURS)) if any(row[i] for row in grid)]
    return min([DAYTIME[0], *used]), max([DAYTIME[1], *(i + 1 for i in used)])


def figure_table(name: str, key: str, rows: Sequence[dict[str, Any]]) -> Table:
    """Rows of figures (FIGURE_COLUMNS) grouped by `key`, under the group's name."""
    head = [name, *(label for _, label in FIGURE_COLUMNS)]
    return name, head, [[r[key], *(r[k] for k, _ in FIGURE_COLUMNS)] for r in rows]


def report_tables(
    totals: dict[str, Any],
    groups: Sequence[tuple[str, str, Sequence[dict[str, Any]]]],
    waits: Sequence[tuple[str, int]],
    handling: Sequence[tuple[str, int]],
    heat_slots: Sequence[str],
    heat: Sequence[Sequence[int]],
) -> list[Table]:
    """A report as named tables: totals, each group (name, key, rows: per day, service, …),
    the wait and handling distributions and the weekday × half-hour arrivals."""
    minutes = ["分钟 Minutes", "人次 Tickets"]
    head, keys = [label for _, label in FIGURE_COLUMNS], [k for k, _ in FIGURE_COLUMNS]
    return [
        ("合计 Totals", head, [[totals[k] for k in keys]]),
        *(figure_table(name, key, rows) for name, key, rows in groups),
        ("等候分布 Waits", minutes, [list(b) for b in waits]),
        ("办理分布 Handling", minutes, [list(b) for b in handling]),
        (
            "取号热力 Arrivals",
            ["星期 Weekday", *heat_slots],
            [[f"周{d}", *row] for d, row in zip(WEEKDAYS, heat, strict=True)],
        ),
    ]  # fmt: skip


def to_csv(title: str, tables: Sequence[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    for name, head, rows in tables:
        writer.writerow([])
        writer.writerow([name])
        writer.writerow(head)
        writer.writerows(rows)
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly


def to_xlsx(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook  # a heavy import, needed only when someone exports

    book = Workbook()
    book.remove(book.active)
    for name, head, rows in tables:
        sheet = book.create_sheet(name.split()[0][:31])
        sheet.append(head)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
