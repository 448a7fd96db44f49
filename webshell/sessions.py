"""Sign-in, sessions and CSRF for a console on aiohttp, over the console's own account store.

A session is a random cookie (HttpOnly, SameSite=Strict, the console's path) whose SHA-256 the
store keeps with the account and a CSRF token; every POST must carry that token and, when the
browser says where it comes from, come from the console's own origin.  A sign-in attempt is
counted before its password is checked, so parallel guesses cannot outrun the lock.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from . import accounts
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


@dataclass(frozen=True)
class Shell:
    """One console's sign-in rules: its URL root ("" or "/manage"), its cookie, its store and
    its sign-in page (request, status, error, username → response)."""

    root: str
    cookie: str
    store: Callable[[web.Request], AccountStore]
    login_page: Callable[[web.Request, int, str, str], web.Response]

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Who is signed in; every change must carry the session's CSRF token and come from here."""
        cookie = request.cookies.get(self.cookie, "")
        me = await self.store(request).session(token_hash(cookie)) if cookie else None
        request[ME] = me
        public = (
            request.path.startswith(self.root + "/static/") or request.path == self.root + "/login"
        )
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
            return self.login_page(request, 401, error, name)
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
        if everywhere:
            await store.close_sessions(name=me["name"])
        else:
            await store.close_sessions(digest=token_hash(request.cookies.get(self.cookie, "")))
        await store.audit(me["name"], "sign_out_everywhere" if everywhere else "sign_out")
        response = web.HTTPFound(self.root + "/login")
        response.del_cookie(self.cookie, path=self.root or "/")
        return response

    def routes(self) -> list[web.RouteDef]:
        async def login_form(request: web.Request) -> web.Response:
            return self.login_page(request, 200, "", "")

        return [
            web.get(self.root + "/login", login_form),
            web.post(self.root + "/login", self.login),
            web.post(self.root + "/logout", self.logout),
        ]


def require(request: web.Request, may: Callable[[str, str], bool], action: str) -> dict[str, Any]:
    """The signed-in account, if its role may do `action`; else 403."""
    me = request[ME]
    if me is None or not may(me["role"], action):
        raise web.HTTPForbidden(text="无此权限 · Your role may not do this")
    return dict(me)
