"""GB 11643 citizen ID numbers: checksum, birth date, masking."""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    """True for an 18-character number whose check character and birth date are right."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    if number[17].upper() != check_digit(number[:17]):
        return False
    return birth_date(number) is not None


def birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def age_on(number: str, day: dt.date) -> int:
    born = birth_date(number)
    if born is None:
        return 0
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask(number: str) -> str:
    """110105********002X: region and the last four, nothing that dates or names the person."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """张* for 张三, 欧阳** for 欧阳娜娜 (compound surnames keep two characters)."""
    name = name.strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
