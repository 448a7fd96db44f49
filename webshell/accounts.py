"""Console accounts, whichever console: names, passwords, locks and session lifetimes."""

from __future__ import annotations

import datetime as dt
import getpass
import re
import sys
from collections.abc import Mapping

from .passwords import secret_hash, secret_matches

LOCK_AFTER = 5  # wrong passwords in a row …
LOCK_FOR = dt.timedelta(minutes=5)  # … lock the account this long
SESSION_TTL = dt.timedelta(hours=12)
NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
PASSWORD_MIN = 8


class AccountError(ValueError):
    """An account that cannot be saved; the message is bilingual."""


def check_new(name: str, role: str, password: str, roles: Mapping[str, object]) -> None:
    if not NAME.match(name):
        raise AccountError("用户名为 2–32 位字母、数字或 _.- · Username: 2–32 letters, digits, _.-")
    if role not in roles:
        names = " / ".join(roles)
        raise AccountError(f"角色须为 {names} · Role must be {names}")
    if len(password) < PASSWORD_MIN:
        raise AccountError(
            f"密码至少 {PASSWORD_MIN} 位 · The password needs at least {PASSWORD_MIN} characters"
        )


def password_hash(password: str) -> str:
    """scrypt, the same work factor as the clerks' PINs."""
    return secret_hash(password)


def password_matches(password: str, stored: str) -> bool:
    return secret_matches(password, stored)


# A hash to check against when the name is unknown, so both answers take as long.
UNKNOWN = password_hash("hallq-no-such-account")


def read_password() -> str | None:
    """A new account's password from standard input (never a flag): asked twice on a terminal,
    one line from a pipe; None when the two typed differ."""
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        return password if getpass.getpass("again: ") == password else None
    return sys.stdin.readline().rstrip("\r\n")
