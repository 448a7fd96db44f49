"""GB 11643 citizen identity numbers: check character, birth date, age."""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def _digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def check_char(first17: str) -> str:
    """The GB 11643 check character (0–9 or X) for the first 17 digits."""
    if len(first17) != 17 or not _digits(first17):
        raise ValueError("the check character needs exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> date | None:
    """The birth date in positions 7–14, or None when it is not a real date."""
    digits = id_number[6:14]
    if len(digits) != 8 or not _digits(digits):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def id_number_is_valid(id_number: str) -> bool:
    """True for 18 characters with a right check character and a real birth date.

    A lower-case ``x`` is accepted, as people type it that way.
    """
    if len(id_number) != 18 or not _digits(id_number[:17]):
        return False
    if check_char(id_number[:17]) != id_number[17].upper():
        return False
    return birth_date_of(id_number) is not None


def age_on(born: date, day: date) -> int:
    """Whole years of age on ``day`` of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
