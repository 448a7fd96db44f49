"""GB 11643 citizen identity numbers (公民身份号码): check digit and validity.

Shared by the kiosk and the server, which only ever store keyed hashes of the number.
"""

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """Return the GB 11643 check character for 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check character needs exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> date | None:
    """The birth date encoded in positions 7–14, or None when it is not a real date."""
    digits = id_number[6:14]
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def id_number_is_valid(s: str) -> bool:
    """True for an 18-character GB 11643 number with a correct check character and birth date.

    A lower-case ``x`` is accepted, as people type it that way.
    """
    if len(s) != 18:
        return False
    first17, last = s[:17], s[17].upper()
    if not first17.isascii() or not first17.isdigit():
        return False
    return check_char(first17) == last and birth_date_of(s) is not None


def mask_id_number(s: str) -> str:
    """Keep the region (6) and the last 4 characters: 110105********002X."""
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]
