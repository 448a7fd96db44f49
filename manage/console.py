"""The console's web app: sessions and CSRF, the pages, the live stream, the static files.

Mounted on its own port by `hallq-server` (see `make_console`); it shares the running
`HallService` with the API, so every change goes through the same hall and the same writer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

from hallserver.domain import views
from hallserver.domain.errors import HallError
from hallserver.domain.hall import AppointmentRequest
from hallserver.protocol import EVALUATION_REASONS, day_figures
from hallserver.security import new_token, pin_hash, token_hash
from hallserver.service import HallService, Subscriber
from webshell import accounts as account_rules
from webshell import pages as shell_pages
from webshell import periods
from webshell.sessions import ME as MANAGER_KEY
from webshell.sessions import Handler, Shell

from . import accounts, records, reports
from .bookings import BookingFileError, Line, read_bookings
from .followup import is_overdue

log = logging.getLogger("hallq.console")

PREFIX = "/manage"
COOKIE = "hallq_console"
HERE = Path(__file__).resolve().parent
SERVICE: web.AppKey[HallService] = web.AppKey("service", HallService)

# (path, 中文, English): the navigation; the planner's and the city's pages append to it.
NAV: list[tuple[str, str, str]] = [
    ("/manage/", "实时", "Live"),
    ("/manage/staff", "工作人员", "Staff"),
    ("/manage/devices", "设备", "Devices"),
    ("/manage/reports", "报表", "Reports"),
    ("/manage/cases", "好差评", "Follow-up"),
    ("/manage/appointments", "预约", "Bookings"),
    ("/manage/audit", "审计", "Audit"),
    ("/manage/accounts", "账号", "Accounts"),
]

MESSAGES = {
    "clerk_saved": "已保存工作人员 · Clerk saved",
    "clerk_disabled": "已停用，已签退 · Disabled and signed out",
    "clerk_enabled": "已启用 · Enabled",
    "clerk_removed": "已删除，已签退 · Removed and signed out",
    "pin_reset": "PIN 已重置，已签退 · PIN reset, clerk signed out",
    "busy": "该工作人员正在办理，办结后自动签退 · Serving a citizen: signed out once done",
    "pin_reset_busy": "PIN 已重置；该工作人员正在办理，签退后须用新 PIN · PIN reset; the clerk "
    "is serving a citizen and needs the new PIN after signing out",
    "revoked": "已吊销，设备已断开 · Token revoked, the device is disconnected",
    "paired": "已配对，终端将自动连接 · Paired: the terminal connects by itself",
    "acked": "已确认 · Acknowledged",
    "window_close": "窗口已关闭，工作人员已签退 · Window closed, clerk signed out",
    "window_pause": "窗口已暂停 · Window paused",
    "window_resume": "窗口已恢复 · Window resumed",
    "window_busy": "窗口正在办理，办结后再关闭 · Serving a citizen: close it once done",
    "window_refused": "窗口当前状态不允许此操作 · Not possible in the window's present state",
    "case_saved": "已记录 · Saved",
    "case_closed": "已办结 · Case closed",
    "account_saved": "账号已保存 · Account saved",
    "account_removed": "账号已删除 · Account removed",
}


class Console:
    """The console's shared parts: templates, live streams, the hall service."""

    def __init__(self, service: HallService, template_dirs: tuple[Path, ...] = ()) -> None:
        self.svc = service
        self.nav = list(NAV)
        self.env = shell_pages.environment(*template_dirs, HERE / "templates")
        self.env.filters.update(reasons=_reasons)
        self.streams: set[asyncio.Event] = set()
        self.tasks: list[asyncio.Task[None]] = []

    def render(
        self, request: web.Request, name: str, status: int = 200, **ctx: Any
    ) -> web.Response:
        manager = request.get(MANAGER_KEY)
        body = self.env.get_template(name).render(
            hall=self.svc.settings,
            root=PREFIX,
            brand=(self.svc.settings.name, self.svc.settings.name_en or "Hall console", "管理后台"),
            nav=self.nav,
            path=request.path,
            me=manager,
            may=(lambda action: manager is not None and accounts.may(manager["role"], action)),
            csrf=manager["csrf"] if manager else "",
            message=MESSAGES.get(request.query.get("done", ""), ""),
            roles=accounts.ROLES,
            **ctx,
        )
        return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


CONSOLE: web.AppKey[Console] = web.AppKey("console", Console)


# ----- template filters -------------------------------------------------------------------------
def _reasons(codes: str | None) -> str:
    return "、".join(EVALUATION_REASONS.get(c, c) for c in (codes or "").split(",") if c) or "—"


# ----- sessions, CSRF and roles -----------------------------------------------------------------
def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def service_of(request: web.Request) -> HallService:
    return request.app[SERVICE]


class HallAccounts:
    """The shell's account store on the hall database: changes on the hall's writer, look-ups
    on its reader (manage/records.py)."""

    def __init__(self, svc: HallService) -> None:
        self.svc = svc

    async def session(self, digest: str) -> dict[str, Any] | None:
        svc = self.svc
        row = await svc.read(records.session, svc.reads.conn, digest, svc.now())
        return dict(row) if row else None

    async def count_attempt(self, name: str) -> Any:
        svc, rules = self.svc, account_rules
        return await svc.db(
            records.count_attempt, svc.store.conn, name, svc.now(), rules.LOCK_AFTER, rules.LOCK_FOR
        )

    async def open_session(self, name: str, digest: str, csrf: str) -> None:
        svc = self.svc
        await svc.db(records.attempt_succeeded, svc.store.conn, name)
        await svc.db(
            records.open_session,
            svc.store.conn,
            digest,
            name,
            csrf,
            svc.now(),
            account_rules.SESSION_TTL,
        )

    async def close_sessions(self, *, digest: str = "", name: str = "") -> None:
        svc = self.svc
        await svc.db(
            lambda: records.close_sessions(svc.store.conn, token_hash=digest, manager=name)
        )

    async def audit(self, account: str, action: str, subject: str = "", **detail: object) -> None:
        svc, now = self.svc, self.svc.now()
        await svc.db(lambda: records.audit(svc.store.conn, now, account, action, subject, **detail))

    async def accounts(self) -> list[dict[str, Any]]:
        svc = self.svc
        rows, now = await svc.read(records.managers, svc.reads.conn), svc.now()
        return [
            {
                "name": r["name"],
                "role": r["role"],
                "locked": bool(r["locked_until"])
                and dt.datetime.fromisoformat(r["locked_until"]) > now,
            }
            for r in rows
        ]

    async def save(
        self, by: str, name: str, role: str, password_hash: str, **detail: object
    ) -> None:
        svc = self.svc
        await svc.db(records.save_manager, svc.store.conn, name, role, password_hash, svc.now())
        await self.audit(by, "account_saved", name, role=role, **detail)

    async def remove(self, by: str, name: str) -> bool:
        svc = self.svc
        removed = await svc.db(records.remove_manager, svc.store.conn, name)
        if removed:
            await self.audit(by, "account_removed", name)
        return removed

    async def audit_rows(
        self, *, account: str, action: str, since: dt.date | None, until: dt.date | None
    ) -> list[dict[str, Any]]:
        svc = self.svc
        after = until + dt.timedelta(days=1) if until and until < dt.date.max else None
        return await svc.read(
            lambda: records.audit_rows(
                svc.reads.conn,
                manager=account,
                action=action,
                since=since.isoformat() if since else "",
                until=after.isoformat() if after else "",
            )
        )


def _render(request: web.Request, name: str, status: int = 200, **ctx: Any) -> web.Response:
    return console_of(request).render(request, name, status, **ctx)


SHELL = Shell(
    PREFIX,
    COOKIE,
    lambda request: HallAccounts(service_of(request)),
    _render,
    accounts.may,
    accounts.ROLES,
)
# What the other page modules (configuration, staffing, pairing) check and record through.
require = SHELL.require
audit = SHELL.audit


# The hall's database could not take a change (503, the hall's API codes): what a manager is told.
UNSAVED = {
    "disk_full": (
        "大厅数据库所在磁盘已满，本次操作未能保存；请联系运维人员清理空间后重试",
        "The hall database's disk is full: this was not saved. Ask IT to free space, then "
        "try again",
    ),
    "store_failed": (
        "大厅数据库写入失败，服务正在停止；请联系运维人员",
        "The hall database failed and the hall server is stopping: call IT",
    ),
}
RETRY_AFTER_S = 30


@web.middleware
async def hall_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A change the hall refused or its database could not take: a page that says so, Chinese
    first (a 503 to try again later)."""
    try:
        return await handler(request)
    except HallError as e:
        zh, en = UNSAVED.get(e.code, ("操作未完成", e.message))
        title = "暂不可用 Unavailable" if e.status == 503 else "未完成 Not done"
        page = request.app[CONSOLE].render(
            request, "unavailable.html", e.status, zh=zh, en=en, title=title
        )
        if e.status == 503:
            page.headers.update({"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"})
        return page


def _done(path: str, key: str) -> web.HTTPFound:
    return web.HTTPFound(f"{path}?done={key}")


routes = web.RouteTableDef()


# ----- 实时 Live --------------------------------------------------------------------------------
async def _live(request: web.Request) -> dict[str, Any]:
    svc = service_of(request)
    hall, now = svc.hall, svc.now()
    today = now.date()

    # Today's tickets are in the hall's memory: the figures need no database read.
    totals = day_figures(
        [vars(t) for t in hall.tickets.values() if t.day == today],
        svc.settings.policy.satisfied_min_score,
    )
    alerts = await svc.read(
        lambda: records.alerts_since(svc.reads.conn, records.day_seq(svc.reads.conn))
    )
    windows = [views.window_view(hall, w, now) for w in hall.windows.values()]
    for w in windows:
        t = hall.tickets.get(hall.windows[str(w["id"])].current or "")
        called = t.called_at if t else None
        w["waited_s"] = t.wait_s if t else None
        w["handling_s"] = (
            int((now - (t.started_at or called)).total_seconds()) if t and called else None
        )
    services = {s.code: s for s in svc.settings.services}
    return {
        "windows": windows,
        "queues": views.queues_view(hall, now),
        "services": services,
        "alerts": alerts,
        "totals": totals,
        "now": now,
        "thresholds": svc.settings.thresholds,
    }


@routes.get(PREFIX + "/")
async def live_page(request: web.Request) -> web.Response:
    require(request, "read")
    return console_of(request).render(request, "live.html", **await _live(request))


@routes.get(PREFIX + "/live/panels")
async def live_panels(request: web.Request) -> web.Response:
    require(request, "read")
    return console_of(request).render(request, "live_panels.html", **await _live(request))


@routes.get(PREFIX + "/live/stream")
async def live_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the seq and type of each hall event, for the page to refresh its
    panels; nothing personal travels here."""
    require(request, "read")
    svc, console = service_of(request), console_of(request)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    stop = asyncio.Event()
    # Far behind (the backlog overflowed): end the stream; the browser reconnects and
    # refreshes on "hello".
    sub = Subscriber(on_overflow=stop.set)
    svc.subscribers.add(sub)
    console.streams.add(stop)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await response.write(f"event: hello\ndata: {svc.committed_seq}\n\n".encode())
        while not stop.is_set():
            take = asyncio.ensure_future(sub.take())
            await asyncio.wait({take, stopping}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            if not take.done():
                take.cancel()
                if not stop.is_set():
                    await response.write(b": keep-alive\n\n")
                continue
            seq, body = take.result()[-1]  # a burst is one refresh for the page
            kind = json.loads(body)["type"]
            await response.write(f"id: {seq}\nevent: hall\ndata: {kind}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        stopping.cancel()
        svc.subscribers.discard(sub)
        console.streams.discard(stop)
    return response


@routes.post(PREFIX + "/windows/{id}/{action:close|pause|resume}")
async def change_window(request: web.Request) -> web.StreamResponse:
    """Close a window for the day (its clerk signed out), pause or resume it."""
    require(request, "windows")
    svc = service_of(request)
    window, action = request.match_info["id"], request.match_info["action"]
    if window not in svc.hall.windows:
        raise web.HTTPNotFound(text="没有该窗口 · No such window")
    now = svc.now()
    commands = {
        "close": lambda: svc.hall.sign_out(window, now),
        "pause": lambda: svc.hall.pause(window, "管理员暂停", now),
        "resume": lambda: svc.hall.resume(window, now),
    }
    try:
        await svc.run(commands[action])
    except HallError as e:
        if e.status == 503:  # not refused: the database could not take it (hall_errors says so)
            raise
        raise _done(PREFIX + "/", "window_busy" if e.code == "busy" else "window_refused") from None
    await audit(request, f"window_{action}", window)
    raise _done(PREFIX + "/", f"window_{action}")


@routes.post(PREFIX + "/alerts/{seq}/ack")
async def acknowledge(request: web.Request) -> web.StreamResponse:
    me = require(request, "acknowledge")
    svc = service_of(request)
    seq = request.match_info["seq"]
    if not seq.isdigit():
        raise web.HTTPNotFound(text="没有该告警 · No such alert")
    ok = await svc.db(records.acknowledge, svc.store.conn, int(seq), me["name"], svc.now())
    if not ok:
        raise web.HTTPNotFound(text="没有该告警 · No such alert")
    await audit(request, "alert_acknowledged", seq)
    raise _done(PREFIX + "/", "acked")


# ----- 工作人员 Staff ---------------------------------------------------------------------------
CLERK_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def clerk_errors(clerk_id: str, name: str, pin: str) -> dict[str, str]:
    """Field by field, in Chinese and English; the same PIN rule as `hallq-server clerk add`."""
    errors = {}
    if not CLERK_ID.match(clerk_id):
        errors["id"] = "工号为 1–64 位字母、数字或 _ . - · Id: 1–64 letters, digits, _ . -"
    if not 1 <= len(name) <= 30:
        errors["name"] = "请填写姓名（至多 30 字）· Name: 1–30 characters"
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        errors["pin"] = "PIN 为 4–12 位数字 · PIN: 4 to 12 digits"
    return errors


async def sign_out_clerk(svc: HallService, clerk: str) -> bool:
    """Sign a clerk out wherever signed in; False when a citizen is being served (the watcher
    signs the clerk out once the ticket is finished)."""
    for w in svc.hall.windows.values():
        if w.clerk == clerk:
            if w.current is not None:
                return False
            await _sign_out(svc, w.id)
    return True


async def _sign_out(svc: HallService, window: str) -> None:
    now = svc.now()
    await svc.run(lambda: svc.hall.sign_out(window, now))


async def _staff_context(request: web.Request) -> dict[str, Any]:
    svc = service_of(request)
    today = svc.now().date()
    since = periods.day(request.query.get("since"), today)
    until = periods.day(request.query.get("until"), today)
    clerks = [dict(r) for r in await svc.read(svc.reads.clerk_rows)]
    figures = {r["clerk"]: r for r in (await report_of(svc, since, until)).by_clerk}
    at = {w.clerk: w.id for w in svc.hall.windows.values() if w.clerk}
    return {"clerks": clerks, "figures": figures, "at": at, "since": since, "until": until}


@routes.get(PREFIX + "/staff")
async def staff_page(request: web.Request) -> web.Response:
    require(request, "read")
    ctx = await _staff_context(request)
    return console_of(request).render(request, "staff.html", errors={}, form={}, **ctx)


@routes.post(PREFIX + "/staff")
async def add_clerk(request: web.Request) -> web.StreamResponse:
    require(request, "staff")
    svc = service_of(request)
    form = await request.post()
    clerk_id, name, pin = (str(form.get(k, "")).strip() for k in ("id", "name", "pin"))
    errors = clerk_errors(clerk_id, name, pin)
    if errors:
        ctx = await _staff_context(request)
        return console_of(request).render(
            request, "staff.html", 422, errors=errors, form={"id": clerk_id, "name": name}, **ctx
        )
    digest = await asyncio.get_running_loop().run_in_executor(None, pin_hash, pin)
    await svc.db(svc.store.set_clerk, clerk_id, name, digest)
    await audit(request, "clerk_saved", clerk_id, name=name)
    raise _done(PREFIX + "/staff", "clerk_saved")


@routes.post(PREFIX + "/staff/{id}/{action:disable|enable|remove|pin}")
async def change_clerk(request: web.Request) -> web.StreamResponse:
    require(request, "staff")
    svc = service_of(request)
    clerk_id, action = request.match_info["id"], request.match_info["action"]
    known = {r["id"]: r for r in await svc.read(svc.reads.clerk_rows)}
    if clerk_id not in known:
        raise web.HTTPNotFound(text="没有该工作人员 · No such clerk")
    if action == "pin":
        pin = str((await request.post()).get("pin", "")).strip()
        errors = clerk_errors(clerk_id, known[clerk_id]["name"], pin)
        if errors:
            ctx = await _staff_context(request)
            return console_of(request).render(
                request, "staff.html", 422, errors={"reset": errors["pin"]}, form={}, **ctx
            )
        digest = await asyncio.get_running_loop().run_in_executor(None, pin_hash, pin)
        await svc.db(svc.store.set_clerk, clerk_id, known[clerk_id]["name"], digest)
    elif action == "remove":
        await svc.db(svc.store.remove_clerk, clerk_id)
    else:
        await svc.db(svc.store.set_clerk_disabled, clerk_id, action == "disable")
    await audit(request, f"clerk_{action}", clerk_id)
    signed_out = action == "enable" or await sign_out_clerk(svc, clerk_id)
    key = {"disable": "clerk_disabled", "enable": "clerk_enabled", "remove": "clerk_removed"}
    if signed_out:
        raise _done(PREFIX + "/staff", key.get(action, "pin_reset"))
    raise _done(PREFIX + "/staff", "pin_reset_busy" if action == "pin" else "busy")


async def watch_clerks(svc: HallService) -> None:
    """Clerks disabled or removed (by `hallq-server clerk`, or in the console while serving a
    citizen) are signed out as soon as their window has no citizen at it."""
    while True:
        await asyncio.sleep(1.0)
        try:
            signed_in = [w for w in svc.hall.windows.values() if w.clerk]
            if not signed_in:
                continue
            allowed = {r["id"] for r in await svc.read(svc.reads.clerk_rows) if not r["disabled"]}
            for w in signed_in:
                if w.clerk not in allowed and w.current is None:
                    log.info(
                        "clerk %s may no longer sign in: signed out of window %s", w.clerk, w.id
                    )
                    await _sign_out(svc, w.id)
        except HallError as e:
            log.warning("signing out a clerk failed: %s", e)


# ----- 设备 Devices ------------------------------------------------------------------------------
def _devices(svc: HallService, rows: dict[str, Any]) -> list[dict[str, Any]]:
    online = svc.online_devices()
    return [
        {
            **views.device_view(d, rows.get(d.id), svc.last_seen.get(d.id)),
            "online": d.id in online,
        }
        for d in svc.settings.devices
    ]


async def render_devices(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    """The devices page: every device, the terminals waiting to be paired, and `extra` (a new
    token shown once, the pairing form's step and its errors: manage/pairing.py)."""
    svc = service_of(request)
    devices = _devices(svc, await svc.read(svc.reads.device_rows))
    ctx: dict[str, Any] = {"token": None, "step": None, "pair_errors": {}, "typed": ""}
    ctx.update(extra)
    now = svc.now()
    pending = [
        {
            "kind": r.kind,
            "host": r.host,
            "hint": r.hint,
            "age_s": int((now - r.opened_at).total_seconds()),
        }
        for r in svc.pairing.book.pending(now)
    ]
    return console_of(request).render(
        request, "devices.html", status, devices=devices, pending=pending, **ctx
    )


@routes.get(PREFIX + "/devices")
async def devices_page(request: web.Request) -> web.Response:
    require(request, "read")
    return await render_devices(request)


@routes.post(PREFIX + "/devices/{id}/{action:revoke|token}")
async def change_device(request: web.Request) -> web.StreamResponse:
    require(request, "devices")
    svc = service_of(request)
    device = svc.settings.device(request.match_info["id"])
    if device is None:
        raise web.HTTPNotFound(text="没有该设备 · No such device")
    if request.match_info["action"] == "revoke":
        await svc.db(svc.store.revoke_token, device.id)
        await svc.close_revoked()
        await audit(request, "token_revoked", device.id)
        raise _done(PREFIX + "/devices", "revoked")
    # A new token replaces the old one (which stops working at once) and is shown only now.
    token = new_token()
    await svc.db(svc.store.set_token, device.id, token_hash(token))
    await svc.close_revoked()
    await audit(request, "token_issued", device.id)
    response = await render_devices(request, token={"device": device.id, "token": token})
    response.headers["Cache-Control"] = "no-store"
    return response


# ----- 报表 Reports ------------------------------------------------------------------------------
async def _report(request: web.Request) -> reports.Report:
    svc = service_of(request)
    since, until = periods.period(request.query, svc.now().date(), 7)
    return await report_of(svc, since, until)


async def report_of(svc: HallService, since: dt.date, until: dt.date) -> reports.Report:
    """A report read on the reader; closed days summed for the first time are kept."""
    today, min_score = svc.now().date(), svc.settings.policy.satisfied_min_score
    report, fresh = await svc.read(
        lambda: reports.build(svc.reads.conn, since, until, today=today, min_score=min_score)
    )
    if fresh:
        await svc.db(reports.keep_parts, svc.store.conn, fresh, min_score)
    return report


async def sum_closed_days(svc: HallService, days: int = 400, chunk: int = 31) -> None:
    """After start and each night: sum the closed days of the past year (from the first ticket
    on), a month per read, so no manager waits for a long range and pages keep answering."""
    await asyncio.sleep(5.0)  # let the terminals' first burst after a start go first
    while True:
        today = svc.now().date()
        try:
            first = await svc.read(reports.first_day, svc.reads.conn)
            day = max(today - dt.timedelta(days=days), first or today)
            while day < today:
                last = min(day + dt.timedelta(days=chunk - 1), today - dt.timedelta(days=1))
                await report_of(svc, day, last)
                day = last + dt.timedelta(days=1)
        except HallError as e:
            log.warning("summing past days failed: %s", e)
        while svc.now().date() == today:
            await asyncio.sleep(60)


@routes.get(PREFIX + "/reports")
async def reports_page(request: web.Request) -> web.Response:
    require(request, "read")
    report = await _report(request)
    settings = service_of(request).settings

    def service_name(row: dict[str, Any]) -> str:
        s = settings.service(row["service"])
        return f"{row['service']} {s.name if s else ''}"

    def window_name(row: dict[str, Any]) -> str:
        w = settings.window(row["window"])
        return w.name if w else str(row["window"])

    return console_of(request).render(
        request,
        "reports.html",
        r=report,
        daily=[(d["day"][5:], d["issued"]) for d in report.daily],
        weekdays=reports.WEEKDAYS,
        service_name=service_name,
        window_name=window_name,
        clerk_name=lambda row: f"{row['clerk_name']} ({row['clerk']})",
    )


@routes.get(PREFIX + "/reports.{kind:csv|xlsx}")
async def report_export(request: web.Request) -> web.Response:
    require(request, "read")
    report = await _report(request)
    name = f"hallq-{report.since.isoformat()}-{report.until.isoformat()}"
    title = f"hallq {report.since.isoformat()} – {report.until.isoformat()}"
    return await SHELL.export(request, "report_exported", name, title, reports.tables(report))


# ----- 好差评 Follow-up --------------------------------------------------------------------------
@routes.get(PREFIX + "/cases")
async def cases_page(request: web.Request) -> web.Response:
    require(request, "read")
    svc = service_of(request)
    today = svc.now().date()
    show = request.query.get("show", "open")
    since = periods.day(request.query.get("since"), today - dt.timedelta(days=90))
    cases = await svc.read(
        lambda: records.bad_reviews(svc.reads.conn, since, today, open_only=show != "all")
    )
    allowed = svc.settings.policy.bad_review_working_days
    for c in cases:
        c["overdue"] = not c["closed_at"] and is_overdue(
            dt.date.fromisoformat(c["day"]), today, allowed
        )
    if show == "overdue":
        cases = [c for c in cases if c["overdue"]]
    return console_of(request).render(request, "cases.html", cases=cases, show=show, days=allowed)


@routes.get(PREFIX + "/cases/{ticket}")
async def case_page(request: web.Request) -> web.Response:
    require(request, "read")
    svc = service_of(request)
    case = await svc.read(records.bad_review, svc.reads.conn, request.match_info["ticket"])
    if case is None:
        raise web.HTTPNotFound(text="没有该差评 · No such bad review")
    managers = await svc.read(records.managers, svc.reads.conn)
    case["overdue"] = not case["closed_at"] and is_overdue(
        dt.date.fromisoformat(case["day"]),
        svc.now().date(),
        svc.settings.policy.bad_review_working_days,
    )
    return console_of(request).render(
        request, "case.html", case=case, managers=[m["name"] for m in managers], error=""
    )


@routes.post(PREFIX + "/cases/{ticket}")
async def follow_up(request: web.Request) -> web.StreamResponse:
    require(request, "follow_up")
    svc = service_of(request)
    ticket = request.match_info["ticket"]
    case = await svc.read(records.bad_review, svc.reads.conn, ticket)
    if case is None:
        raise web.HTTPNotFound(text="没有该差评 · No such bad review")
    if case["closed_at"]:
        raise web.HTTPConflict(text="该差评已办结 · This case is already closed")
    form = await request.post()
    note = str(form.get("note", "")).strip()[:2000]
    assignee = str(form.get("assignee", "")).strip()[:64] or None
    close = form.get("close") == "1"
    if close and not note and not case["notes"]:
        managers = await svc.read(records.managers, svc.reads.conn)
        return console_of(request).render(
            request,
            "case.html",
            422,
            case={**case, "overdue": False},
            managers=[m["name"] for m in managers],
            error="办结前请写明整改情况 · Note what was done before closing",
        )
    me = request[MANAGER_KEY]["name"]
    now = svc.now()
    await svc.db(
        lambda: records.follow_up(
            svc.store.conn, ticket, me, now, assignee=assignee, note=note, close=close
        )
    )
    await audit(
        request, "case_closed" if close else "case_noted", case["number"], assignee=assignee or ""
    )
    raise _done(f"{PREFIX}/cases/{ticket}", "case_closed" if close else "case_saved")


# ----- 预约 Appointments ------------------------------------------------------------------------
BOOKING_REFUSALS = {
    "duplicate_code": "预约码已存在",
    "invalid_id_number": "身份证号码校验不通过",
    "unknown_service": "没有该业务",
    "invalid_slot": "结束时间须晚于开始时间",
}


def _bookings_of(svc: HallService, day: dt.date) -> list[dict[str, Any]]:
    now = svc.now()
    out = [
        {
            "code": a.code,
            "service": a.service,
            "slot_start": a.slot_start.astimezone(svc.tz).isoformat(),
            "slot_end": a.slot_end.astimezone(svc.tz).isoformat(),
            "holder": a.holder,
            "used": a.ticket is not None,
            "valid": svc.hall.appointment_valid(a, now),
        }
        for a in svc.hall.appointments.values()
        if a.slot_start.astimezone(svc.tz).date() == day
    ]
    return sorted(out, key=lambda b: (b["slot_start"], b["code"]))


async def _bookings_page(
    request: web.Request, status: int = 200, lines: list[Line] | None = None, error: str = ""
) -> web.Response:
    svc = service_of(request)
    day = periods.day(request.query.get("day"), svc.now().date())
    return console_of(request).render(
        request,
        "appointments.html",
        status,
        day=day,
        bookings=_bookings_of(svc, day),
        lines=lines,
        error=error,
    )


async def _add_booking(svc: HallService, booking: AppointmentRequest) -> None:
    now = svc.now()
    await svc.run(lambda: svc.hall.add_appointment(booking, now))


@routes.get(PREFIX + "/appointments")
async def appointments_page(request: web.Request) -> web.Response:
    require(request, "read")
    return await _bookings_page(request)


@routes.post(PREFIX + "/appointments")
async def import_appointments(request: web.Request) -> web.Response:
    require(request, "appointments")
    svc = service_of(request)
    upload = (await request.post()).get("file")
    if not isinstance(upload, web.FileField):
        return await _bookings_page(request, 422, error="请选择 CSV 文件 · Choose a CSV file")
    try:
        lines = read_bookings(upload.file.read(), svc.tz)
    except BookingFileError as e:
        return await _bookings_page(request, 422, error=str(e))
    for line in lines:
        booking = line.appointment
        if booking is None:
            continue
        try:
            await _add_booking(svc, booking)
        except HallError as e:
            line.appointment = None
            zh, en = UNSAVED.get(e.code, (BOOKING_REFUSALS.get(e.code, e.code), e.message))
            line.error = f"{zh} · {en}"
    kept = sum(1 for line in lines if line.appointment)
    await audit(
        request, "appointments_imported", upload.filename, kept=kept, refused=len(lines) - kept
    )
    return await _bookings_page(request, lines=lines)


# ----- the app ----------------------------------------------------------------------------------
@routes.get(PREFIX)
async def bare(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(PREFIX + "/")


def make_console(
    service: HallService,
    *,
    pages: Iterable[web.AbstractRouteDef] = (),
    nav: Iterable[tuple[str, str, str]] = (),
    template_dirs: tuple[Path, ...] = (),
) -> web.Application:
    """The console as its own aiohttp app; the hall service is started by the API app.

    Other consoles' pages (the planner's, the city's) come in as `pages` (their routes, using
    `require`, `service_of`, `console_of` and `audit`), `nav` entries and template folders
    whose templates extend "base.html"."""
    app = web.Application(middlewares=[SHELL.guard, hall_errors], client_max_size=4 * 1024 * 1024)
    console = Console(service, template_dirs)
    console.nav.extend(nav)
    app[SERVICE] = service
    app[CONSOLE] = console
    app.add_routes(SHELL.routes())
    app.add_routes(routes)
    app.add_routes(pages)
    shell_pages.add_static(app, PREFIX)

    async def lifecycle(app: web.Application) -> Any:
        await service.db(records.create, service.store.conn)
        console.tasks.append(asyncio.create_task(watch_clerks(service)))
        console.tasks.append(asyncio.create_task(sum_closed_days(service)))
        yield
        for task in console.tasks:
            task.cancel()
        await asyncio.gather(*console.tasks, return_exceptions=True)

    async def end_streams(app: web.Application) -> None:
        for stop in list(console.streams):
            stop.set()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(end_streams)
    return app
