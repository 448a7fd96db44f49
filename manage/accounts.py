"""Manager accounts: the two roles, what each may do, and the sign-in rules."""

from __future__ import annotations

import datetime as dt
import re

from hallserver.security import pin_hash, pin_matches

ROLES = {"admin": ("管理员", "Administrator"), "supervisor": ("值班长", "Supervisor")}
# 值班长 reads everything, acknowledges alerts and follows up 差评; the rest is the 管理员's.
SUPERVISOR_MAY = frozenset({"read", "acknowledge", "follow_up"})

LOCK_AFTER = 5  # wrong passwords in a row …
LOCK_FOR = dt.timedelta(minutes=5)  # … lock the account this long
SESSION_TTL = dt.timedelta(hours=12)
NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
PASSWORD_MIN = 8


class AccountError(ValueError):
    """A manager account that cannot be saved; the message is bilingual."""


def may(role: str, action: str) -> bool:
    return role == "admin" or (role == "supervisor" and action in SUPERVISOR_MAY)


def check_new(name: str, role: str, password: str) -> None:
    if not NAME.match(name):
        raise AccountError("用户名为 2–32 位字母、数字或 _.- · Username: 2–32 letters, digits, _.-")
    if role not in ROLES:
        raise AccountError("角色须为 admin 或 supervisor · Role must be admin or supervisor")
    if len(password) < PASSWORD_MIN:
        raise AccountError(
            f"密码至少 {PASSWORD_MIN} 位 · The password needs at least {PASSWORD_MIN} characters"
        )


def password_hash(password: str) -> str:
    """scrypt, the same work factor as the clerks' PINs."""
    return pin_hash(password)


def password_matches(password: str, stored: str) -> bool:
    return pin_matches(password, stored)


# A hash to check against when the name is unknown, so both answers take as long.
UNKNOWN = password_hash("hallq-no-such-manager")
