"""配置 Configuration: the hall config edited in the console, its versions, roll back, the file.

A form does not check anything itself: it builds the same tables a config file holds (the
running config's, with the form's section replaced) and hands them to the loader's
`settings_from`, so a form, an imported file and the file at start-up meet the same rules and
the same messages. A refusal names a config key (`services[2].handling_s`), which is also the
form field's name, so the message lands beside the field. Admins change; 值班长 read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from hallserver import config_versions
from hallserver.config import ConfigError, config_tables, config_text, parse_config, settings_from
from hallserver.config_versions import ConfigVersion, StaleConfig
from hallserver.domain.errors import ConfigRefused
from hallserver.domain.settings import WINDOW_KINDS, HallSettings, Policy, Thresholds

from .console import MANAGER_KEY, PREFIX, audit, console_of, require, service_of

PATH = PREFIX + "/config"
NAV = (PATH, "配置", "Configuration")
SECTIONS = ("hall", "hours", "services", "windows", "policy", "supervision")
IMPORT_LIMIT = 256 * 1024
WHOLE_NUMBER = re.compile(r"[+-]?\d{1,12}")
DECIMAL = re.compile(r"[+-]?(\d{1,12}(\.\d*)?|\.\d+)")

KINDS = {
    "comprehensive": "综合窗口",
    "specialized": "专业窗口",
    "issuance": "出件窗口",
    "help": "办不成事窗口",
    "consultation": "咨询窗口",
}
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
# key: (中文, English) of [policy] and [supervision], in the order shown.
POLICY_FIELDS = {
    "green_age": ("绿色通道年龄", "Green channel from age"),
    "priority_run": ("优先号连续叫号上限", "Priority calls in a row"),
    "appointment_grace_s": ("预约迟到宽限(秒)", "Appointment grace (s)"),
    "max_recalls": ("重呼次数", "Recalls before 过号"),
    "checkin_behind": ("过号重排位置", "Checked-in no-show waits behind"),
    "max_checkins": ("过号重排次数", "Check-ins allowed"),
    "kiosk_tickets_per_minute": ("每台取号机每分钟", "Tickets per kiosk per minute"),
    "satisfied_min_score": ("满意率最低评分", "Satisfied from score"),
    "bad_review_working_days": ("差评整改期限(工作日)", "差评 overdue after (working days)"),
    "photo_retention_days": ("照片保留天数", "Photos kept (days)"),
    "ewma_alpha": ("办理时长平滑系数 (0–1)", "Handling time smoothing"),
}
SUPERVISION_FIELDS = {
    "wait_yellow_s": ("等候黄色预警(秒)", "Wait yellow (s)"),
    "wait_red_s": ("等候红色预警(秒)", "Wait red (s)"),
    "handling_yellow_s": ("办理黄色预警(秒)", "Handling yellow (s)"),
    "handling_red_s": ("办理红色预警(秒)", "Handling red (s)"),
    "pause_yellow_s": ("暂停黄色预警(秒)", "Pause yellow (s)"),
    "pause_red_s": ("暂停红色预警(秒)", "Pause red (s)"),
}
MESSAGES = {
    "saved": "已保存并生效，终端已更新 · Saved and applied; the terminals were told",
    "rolled_back": "已回滚并生效 · Rolled back and applied",
    "imported": "已导入并生效 · Imported and applied",
}

routes = web.RouteTableDef()


@dataclass
class Page:
    """What the page shows: the values (the running config's, or a refused form's), the
    service and window rows as typed, the errors by field name, and `refused`, a message for
    the whole page."""

    tables: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refused: str = ""
    import_error: str = ""

    def rows_of(self, section: str) -> list[dict[str, Any]]:
        shown = self.rows.get(section)
        return rows_of(self.tables, section) if shown is None else shown


def _number(text: str, decimal: bool = False) -> Any:
    """A form's number as the loader wants it; anything else is handed on as text, so the
    loader refuses it with its own message (须为整数 · must be int)."""
    text = text.strip()
    if WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if decimal and DECIMAL.fullmatch(text):
        return float(text)
    return text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


MAX_ROWS = 200


def _form_rows(section: str, form: MultiDictProxy[Any]) -> list[dict[str, Any]]:
    """The service or window rows of a form as typed (the new, empty row included)."""
    count = str(form.get("rows", ""))
    rows = []
    for i in range(min(int(count), MAX_ROWS) if count.isdigit() else 0):
        where = f"{section}[{i}]"
        row: dict[str, Any] = {
            key: str(form.get(f"{where}.{key}", "")).strip()
            for key in (
                ("code", "name", "name_en", "matters", "handling_s", "digits", "daily_quota")
                if section == "services"
                else ("id", "name", "kind")
            )
        }
        if section == "windows":
            row["services"] = [str(s) for s in form.getall(f"{where}.services", [])]
        row["remove"] = bool(form.get(f"{where}.remove"))
        row["new"] = bool(form.get(f"{where}.new"))
        rows.append(row)
    return rows


def _extended_rows(form: MultiDictProxy[Any]) -> list[dict[str, Any]]:
    """The extended periods (延时服务) of the hours form as typed (the empty one included)."""
    count = str(form.get("extended_rows", ""))
    return [
        {
            "weekdays": [str(d) for d in form.getall(f"hours.extended[{i}].weekdays", [])],
            "open": str(form.get(f"hours.extended[{i}].open", "")).strip(),
            "last_ticket": str(form.get(f"hours.extended[{i}].last_ticket", "")).strip(),
        }
        for i in range(min(int(count), MAX_ROWS) if count.isdigit() else 0)
    ]


def tables_from_form(
    running: dict[str, Any], section: str, form: MultiDictProxy[Any]
) -> tuple[dict[str, Any], Callable[[str], str], list[dict[str, Any]]]:
    """The running config's tables with `section` replaced by the form's values; how a key of
    those tables maps back to a form field (removed rows shift the indexes); the form's rows."""
    tables = dict(running)

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    shown = _form_rows(section, form) if section in ("services", "windows") else []
    kept = [
        i
        for i, row in enumerate(shown)
        if not row["remove"] and any(row[k] for k in ("code", "id", "name") if k in row)
    ]
    if section == "hall":
        tables["hall"] = {
            **running["hall"],
            **{key: text(f"hall.{key}") for key in ("name", "name_en", "notice", "phone_url")},
        }
    elif section == "hours":
        shown = _extended_rows(form)
        kept = [i for i, row in enumerate(shown) if row["weekdays"] or row["open"]]
        tables["hours"] = {
            "weekdays": [_number(str(d)) for d in form.getall("hours.weekdays", [])],
            "open": text("hours.open"),
            "last_ticket": text("hours.last_ticket"),
            "extended": [
                {**shown[i], "weekdays": [_number(d) for d in shown[i]["weekdays"]]} for i in kept
            ],
        }
    elif section == "services":
        tables["services"] = []
        for i in kept:
            row = shown[i]
            service: dict[str, Any] = {
                "code": row["code"],
                "name": row["name"],
                "name_en": row["name_en"],
                "matters": _lines(row["matters"]),
                "handling_s": _number(row["handling_s"]),
                "digits": _number(row["digits"]),
            }
            if row["daily_quota"]:
                service["daily_quota"] = _number(row["daily_quota"])
            tables["services"].append(service)
        # A removed service is no longer served by any window nor shown on any display.
        gone = {shown[i]["code"] for i, row in enumerate(shown) if row["remove"]}
        for part in ("windows", "devices"):
            tables[part] = [
                {**x, "services": [c for c in x["services"] if c not in gone]}
                if x.get("services")
                else x
                for x in running.get(part, [])
            ]
    elif section == "windows":
        tables["windows"] = [
            {k: shown[i][k] for k in ("id", "name", "kind", "services")} for i in kept
        ]
    elif section in ("policy", "supervision"):
        defaults: Any = Policy() if section == "policy" else Thresholds()
        tables[section] = {
            f.name: _number(text(f"{section}.{f.name}"), isinstance(f.default, float))
            for f in dataclasses.fields(defaults)
        }

    rows = "hours.extended" if section == "hours" else section

    def field_of(key: str) -> str:
        m = re.fullmatch(rf"{re.escape(rows)}\[(\d+)\](.*)", key)
        if m and int(m.group(1)) < len(kept):
            return f"{rows}[{kept[int(m.group(1))]}]{m.group(2)}"
        return key

    return tables, field_of, shown


def rows_of(tables: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """The rows a page shows for the running config (as `_form_rows` reads them back)."""
    if section == "hours":
        return list(tables["hours"].get("extended", []))
    if section == "windows":
        return [{**w, "remove": False, "new": False} for w in tables["windows"]]
    return [
        {
            "code": s["code"],
            "name": s["name"],
            "name_en": s.get("name_en", ""),
            "matters": "\n".join(s.get("matters", [])),
            "handling_s": str(s["handling_s"]),
            "digits": str(s["digits"]),
            "daily_quota": str(s.get("daily_quota", "")),
            "remove": False,
            "new": False,
        }
        for s in tables["services"]
    ]


# ----- pages ------------------------------------------------------------------------------------
async def _running(request: web.Request) -> tuple[HallSettings, ConfigVersion, list[ConfigVersion]]:
    svc = service_of(request)
    versions = await svc.read(config_versions.history, svc.reads.conn)
    return svc.settings, versions[0], versions


async def _render(
    request: web.Request, page: Page | None = None, status: int = 200
) -> web.Response:
    settings, current, versions = await _running(request)
    page = page or Page(config_tables(settings))
    t = page.tables
    return console_of(request).render(
        request,
        "configuration.html",
        status,
        settings=settings,
        current=current,
        versions=versions,
        t=t,
        page=page,
        kinds=KINDS,
        weekdays=WEEKDAYS,
        policy_fields=POLICY_FIELDS,
        supervision_fields=SUPERVISION_FIELDS,
        sources=config_versions.SOURCES,
        done=MESSAGES.get(request.query.get("done", ""), ""),
        window_kinds=WINDOW_KINDS,
        tz=service_of(request).tz,
    )


@routes.get(PATH)
async def configuration_page(request: web.Request) -> web.Response:
    require(request, "read")
    return await _render(request)


def _read_at(form: MultiDictProxy[Any]) -> int:
    text = str(form.get("version", ""))
    if not text.isdigit():
        raise web.HTTPBadRequest(text="表单缺少版本号，请刷新 · The form has no version: reload")
    return int(text)


async def _stale(request: web.Request, e: StaleConfig) -> web.Response:
    """The page as the config is now, with who changed it: what the manager typed was read
    on top of an older version and is not kept (saving it again would undo the other change)."""
    return await _render(
        request, Page(config_tables(service_of(request).settings), refused=e.message), 409
    )


async def _apply(
    request: web.Request,
    settings: HallSettings,
    *,
    read_at: int,
    source: str,
    page: Page,
    summary: str = "",
) -> web.StreamResponse:
    """Store and apply; a refusal shows the page again with the message where it belongs."""
    svc = service_of(request)
    me = request[MANAGER_KEY]["name"]
    try:
        stored = await config_versions.change(
            svc, settings, read_at=read_at, author=me, source=source, summary=summary
        )
    except StaleConfig as e:
        return await _stale(request, e)
    except ConfigRefused as e:  # its key counts the running config's rows: the form's rows
        page.errors[e.key] = f"{e.zh} · {e.en}"
        page.refused = f"未保存：{e.zh} · Not saved: {e.en}"
        return await _render(request, page, 409)
    await audit(
        request,
        "config_changed",
        f"v{stored.version}",
        source=source,
        summary=stored.summary,
    )
    done = {"console": "saved", "rollback": "rolled_back", "import": "imported"}[source]
    raise web.HTTPFound(f"{PATH}?done={done}")


@routes.post(PATH + "/{section}")
async def save_section(request: web.Request) -> web.StreamResponse:
    require(request, "config")
    section = request.match_info["section"]
    if section not in SECTIONS:
        raise web.HTTPNotFound(text="没有该配置项 · No such section")
    svc = service_of(request)
    form = await request.post()
    read_at = _read_at(form)
    newest = await svc.read(config_versions.newest, svc.reads.conn)
    if newest is not None and newest.version != read_at:  # before any field is looked at
        return await _stale(request, StaleConfig(newest, svc.tz))
    tables, field_of, shown = tables_from_form(config_tables(svc.settings), section, form)
    page = Page(tables, rows={section: shown})
    try:
        settings = settings_from(tables, "表单 form")
    except ConfigError as e:
        name = field_of(e.key)
        page.errors[name] = e.why()
        page.refused = f"未保存：{name} {e.zh} · Not saved: {name} {e.en}"
        return await _render(request, page, 422)
    return await _apply(request, settings, read_at=read_at, source="console", page=page)


@routes.post(PATH + "/versions/{number:\\d+}/rollback")
async def roll_back(request: web.Request) -> web.StreamResponse:
    require(request, "config")
    svc = service_of(request)
    form = await request.post()
    read_at = _read_at(form)
    number = int(request.match_info["number"])
    old = await svc.read(config_versions.version, svc.reads.conn, number)
    if old is None:
        raise web.HTTPNotFound(text="没有该版本 · No such version")
    page = Page(config_tables(svc.settings))
    try:
        settings = old.settings()
    except ConfigError as e:  # a version stored under older rules
        page.refused = f"版本 {number} 不能使用 · Version {number} cannot be used: {e.why()}"
        return await _render(request, page, 422)
    summary = (
        f"回滚到版本 {number} · rolled back to version {number}: "
        f"{config_versions.what_changed(svc.settings, settings)}"
    )
    return await _apply(
        request, settings, read_at=read_at, source="rollback", page=page, summary=summary
    )


@routes.get(PREFIX + "/config.toml")
async def export(request: web.Request) -> web.Response:
    """The running config (or ?version=N) as a file the loader accepts."""
    require(request, "read")
    svc = service_of(request)
    wanted = request.query.get("version", "")
    chosen = (
        await svc.read(config_versions.version, svc.reads.conn, int(wanted))
        if wanted.isdigit()
        else await svc.read(config_versions.newest, svc.reads.conn)
    )
    if chosen is None:
        raise web.HTTPNotFound(text="没有该版本 · No such version")
    header = (
        f"hallq hall config, version {chosen.version} ({chosen.source}, {chosen.author}, "
        f"{chosen.at[:19]})"
    )
    body = config_text(chosen.settings(), header)
    await audit(request, "config_exported", f"v{chosen.version}")
    name = f"{svc.settings.id}-v{chosen.version}.toml"
    return web.Response(
        text=body,
        content_type="application/toml",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.post(PATH + "/import")
async def import_file(request: web.Request) -> web.StreamResponse:
    """A config file, checked exactly as at start-up, becomes the running config."""
    require(request, "config")
    svc = service_of(request)
    form = await request.post()
    read_at = _read_at(form)
    page = Page(config_tables(svc.settings))
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        page.import_error = "请选择 TOML 文件 · Choose a TOML file"
        return await _render(request, page, 422)
    data = upload.file.read(IMPORT_LIMIT + 1)
    name = upload.filename or "hall.toml"
    try:
        if len(data) > IMPORT_LIMIT:
            raise ConfigError(f"{name}: over 256 KB · 文件超过 256 KB")
        settings = parse_config(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        page.import_error = f"{name}: 不是 UTF-8 文本 · not UTF-8 text"
        return await _render(request, page, 422)
    except ConfigError as e:
        page.import_error = str(e)
        return await _render(request, page, 422)
    return await _apply(
        request,
        settings,
        read_at=read_at,
        source="import",
        page=page,
        summary=f"{name}: {config_versions.what_changed(svc.settings, settings)}",
    )
