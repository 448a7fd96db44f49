"""Manager accounts: the two roles and what each may do (the account rules are the shell's)."""

from __future__ import annotations

from webshell import accounts as shell
from webshell.accounts import AccountError, password_hash

__all__ = ["ROLES", "AccountError", "check_new", "may", "password_hash"]

ROLES = {"admin": ("管理员", "Administrator"), "supervisor": ("值班长", "Supervisor")}
# 值班长 reads everything (the audit too), acknowledges alerts and follows up 差评; the rest is
# the 管理员's.
SUPERVISOR_MAY = frozenset({"read", "audit", "acknowledge", "follow_up"})


def may(role: str, action: str) -> bool:
    return role == "admin" or (role == "supervisor" and action in SUPERVISOR_MAY)


def check_new(name: str, role: str, password: str) -> None:
    shell.check_new(name, role, password, ROLES)
