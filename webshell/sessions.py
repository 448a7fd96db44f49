"""Sign-in, sessions, CSRF, roles and the accounts and audit pages of a console on aiohttp, over
the console's own account store.

A session is a random cookie (HttpOnly, SameSite=Strict, the console's path) whose SHA-256 the
store keeps with the account and a CSRF token; every POST must carry that token and, when the
browser says where it comes from, come from the console's own origin.  A sign-in attempt is
counted before its password is checked, so parallel guesses cannot outrun the lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from . import accounts, pages, periods
from .figures import Table
from .passwords import new_token, token_hash

ME = "hallq.me"  # the request's key for the signed-in account: {"name", "role", "csrf"} or None
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AccountStore(Protocol):
    """Where a console keeps its accounts, sessions and audit (SQLite in a hall, PostgreSQL in
    the city)."""

    async def session(self, digest: str) -> dict[str, Any] | None:
        """The account of a valid session ({"name", "role", "csrf"}), else None."""

    async def count_attempt(self, name: str) -> Mapping[str, Any] | None:
        """Count a sign-in attempt (locking after accounts.LOCK_AFTER for accounts.LOCK_FOR);
        the account's row with its `password_hash`, or None when unknown, disabled or locked."""

    async def open_session(self, name: str, digest: str, csrf: str) -> None:
        """The password was right: clear the failures and keep the new session."""

    async def close_sessions(self, *, digest: str = "", name: str = "") -> None:
        """End one session (by its digest) or every session of an account."""

    async def audit(self, account: str, action: str, subject: str = "", **detail: object) -> None:
        """Record one account action (never a password)."""

    async def accounts(self) -> list[dict[str, Any]]:
        """Every account: {"name", "role", "locked" (now)}, by name."""

    async def save(
        self, by: str, name: str, role: str, password_hash: str, **detail: object
    ) -> None:
        """Add an account or give it a new role and password (which lifts a lock), audited as
        `by`'s account_saved (with its role and `detail`)."""

    async def remove(self, by: str, name: str) -> bool:
        """Remove an account and its sessions, audited as `by`'s account_removed; False when
        there is no such account."""

    async def audit_rows(
        self, *, account: str, action: str, since: dt.date | None, until: dt.date | None
    ) -> list[dict[str, Any]]:
        """The latest audit rows ({"at", "manager", "action", "subject", "detail"}), newest
        first, of one account and action (when given) from `since` through `until`."""


@dataclass(frozen=True)
class Shell:
    """One console's accounts: its URL root ("" or "/manage"), its cookie, its store, its
    pages (`render(request, template, status, **context)`), what each role may do and the
    roles ({key: (中文, English)})."""

    root: str
    cookie: str
    store: Callable[[web.Request], AccountStore]
    render: Callable[..., web.Response]
    may: Callable[[str, str], bool]
    roles: Mapping[str, tuple[str, str]]

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Who is signed in; every change must carry the session's CSRF token and come from here."""
        static = request.path.startswith(self.root + "/static/")
        public = static or request.path == self.root + "/login"
        cookie = "" if static else request.cookies.get(self.cookie, "")
        me = await self.store(request).session(token_hash(cookie)) if cookie else None
        request[ME] = me
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                raise web.HTTPForbidden(text="跨站请求被拒绝 · Cross-site request refused")
        if me is None and not public:
            if request.path.endswith((".json", "/stream", "/panels")) or request.method == "POST":
                raise web.HTTPUnauthorized(text="请先登录 · Sign in first")
            raise web.HTTPFound(self.root + "/login")
        if me is not None and request.method == "POST" and not public:
            form = await request.post()
            sent = str(form.get("csrf", ""))
            if not secrets.compare_digest(sent, me["csrf"]):
                raise web.HTTPForbidden(
                    text="页面已过期，请刷新后重试 · The page expired: reload it"
                )
        return await handler(request)

    async def login(self, request: web.Request) -> web.StreamResponse:
        store = self.store(request)
        form = await request.post()
        name = str(form.get("username", "")).strip()[:64]
        password = str(form.get("password", ""))[:256]
        row = await store.count_attempt(name)
        stored = row["password_hash"] if row else accounts.UNKNOWN
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(None, accounts.password_matches, password, stored)
        if row is None or not ok:
            await store.audit(name, "sign_in_refused", refused_unchecked=row is None)
            error = (
                "用户名或密码错误；连续 5 次错误将锁定 5 分钟 · "
                "Wrong username or password; 5 wrong in a row lock the account for 5 minutes"
            )
            return self.render(request, "login.html", 401, error=error, username=name)
        cookie = new_token()
        await store.open_session(name, token_hash(cookie), secrets.token_urlsafe(24))
        await store.audit(name, "sign_in")
        response = web.HTTPFound(self.root + "/")
        response.set_cookie(
            self.cookie,
            cookie,
            httponly=True,
            samesite="Strict",
            path=self.root or "/",
            max_age=int(accounts.SESSION_TTL.total_seconds()),
            secure=request.secure,
        )
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        """Sign out here, or everywhere (every session of the account)."""
        store = self.store(request)
        everywhere = (await request.post()).get("everywhere") == "1"
        me = request[ME]
        # Recorded first: a sign-out the store cannot record is not done (answered by the
        # console's error), rather than done unrecorded.
        await store.audit(me["name"], "sign_out_everywhere" if everywhere else "sign_out")
        if everywhere:
            await store.close_sessions(name=me["name"])
        else:
            await store.close_sessions(digest=token_hash(request.cookies.get(self.cookie, "")))
        response = web.HTTPFound(self.root + "/login")
        response.del_cookie(self.cookie, path=self.root or "/")
        return response

    def require(self, request: web.Request, action: str) -> dict[str, Any]:
        """The signed-in account, if its role may do `action`; else 403."""
        me = request[ME]
        if me is None or not self.may(me["role"], action):
            raise web.HTTPForbidden(text="无此权限 · Your role may not do this")
        return dict(me)

    async def audit(
        self, request: web.Request, action: str, subject: str = "", **detail: object
    ) -> None:
        """Record what the signed-in account did."""
        await self.store(request).audit(request[ME]["name"], action, subject, **detail)

    async def export(
        self,
        request: web.Request,
        action: str,
        name: str,
        title: str,
        tables: list[Table],
        **detail: object,
    ) -> web.Response:
        """The tables as the download the route's `kind` names (csv or xlsx), audited first: no
        export leaves unrecorded."""
        kind = request.match_info["kind"]
        await self.audit(request, action, name, kind=kind, **detail)
        return await pages.export(kind, name, title, tables)

    # ----- 账号 Accounts and 审计 Audit -----------------------------------------------------------
    async def _accounts(
        self, request: web.Request, status: int = 200, error: str = ""
    ) -> web.Response:
        rows = await self.store(request).accounts()
        return self.render(request, "accounts.html", status, managers=rows, error=error)

    async def accounts_page(self, request: web.Request) -> web.Response:
        self.require(request, "accounts")
        return await self._accounts(request)

    async def save_account(self, request: web.Request) -> web.StreamResponse:
        me = self.require(request, "accounts")
        form = await request.post()
        name = str(form.get("username", "")).strip()
        role = str(form.get("role", ""))
        password = str(form.get("password", ""))
        try:
            accounts.check_new(name, role, password, self.roles)
        except accounts.AccountError as e:
            return await self._accounts(request, 422, str(e))
        loop = asyncio.get_running_loop()
        digest = await loop.run_in_executor(None, accounts.password_hash, password)
        await self.store(request).save(me["name"], name, role, digest)
        raise web.HTTPFound(self.root + "/accounts?done=account_saved")

    async def remove_account(self, request: web.Request) -> web.StreamResponse:
        me = self.require(request, "accounts")
        name = request.match_info["name"]
        if name == me["name"]:
            raise web.HTTPConflict(text="不能删除自己的账号 · You cannot remove your own account")
        if not await self.store(request).remove(me["name"], name):
            raise web.HTTPNotFound(text="没有该账号 · No such account")
        raise web.HTTPFound(self.root + "/accounts?done=account_removed")

    async def audit_page(self, request: web.Request) -> web.Response:
        self.require(request, "audit")
        q = request.query
        since, until = q.get("since", ""), q.get("until", "")
        filters = {"manager": q.get("manager", ""), "action": q.get("action", "")}
        rows = await self.store(request).audit_rows(
            account=filters["manager"],
            action=filters["action"],
            since=periods.day(since, dt.date.min) if since else None,
            until=periods.day(until, dt.date.max) if until else None,
        )
        q_shown = {**filters, "since": since, "until": until}
        return self.render(request, "audit.html", 200, rows=rows, q=q_shown)

    def routes(self) -> list[web.RouteDef]:
        """Sign-in and out, the accounts (the role's "accounts") and the audit ("audit")."""

        async def login_form(request: web.Request) -> web.Response:
            return self.render(request, "login.html", 200, error="", username="")

        root = self.root
        return [
            web.get(root + "/login", login_form),
            web.post(root + "/login", self.login),
            web.post(root + "/logout", self.logout),
            web.get(root + "/accounts", self.accounts_page),
            web.post(root + "/accounts", self.save_account),
            web.post(root + "/accounts/{name}/remove", self.remove_account),
            web.get(root + "/audit", self.audit_page),
        ]
