"""Load a hall config (TOML) into typed settings; every mistake names the file and the key.

The one validation of a hall config: a file at start-up, a file imported in the console and a
console form (which builds the same structure, see `settings_from`) all pass through
`settings_from`, and each refusal is a `ConfigError` naming the key, in Chinese and English.
`config_text` writes settings back as a file this loader accepts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from .domain.settings import (
    DEVICE_ROLES,
    WINDOW_KINDS,
    Device,
    HallSettings,
    Hours,
    Period,
    Policy,
    Service,
    Thresholds,
    Window,
    period_table,
)


class ConfigError(Exception):
    """A hall config that cannot be used; the message names the file and the key.

    `key` is the config key at fault (``services[2].name``; empty for the whole file), `zh`
    and `en` say why, for a form to show beside that field.
    """

    def __init__(self, message: str, *, key: str = "", zh: str = "", en: str = "") -> None:
        super().__init__(message)
        self.key, self.zh, self.en = key, zh, en or message

    def why(self) -> str:
        """中文 · English, without the file's name."""
        return f"{self.zh} · {self.en}" if self.zh else self.en


_KIND_ZH = {"str": "文本", "int": "整数", "float": "数字", "bool": "true 或 false",
            "list": "列表", "dict": "表", "time": "时间"}  # fmt: skip


def _kind_zh(names: str) -> str:
    return "或".join(_KIND_ZH.get(n, n) for n in names.split("/"))


class _Reader:
    def __init__(self, path: Path | str) -> None:
        self.path = path

    def fail(self, key: str, zh: str, en: str) -> ConfigError:
        where = f"{key}: " if key else ""
        return ConfigError(f"{self.path}: {where}{en} · {zh}", key=key, zh=zh, en=en)

    def table(
        self, data: dict[str, Any], where: str, allowed: set[str], required: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "须为一个表", "must be a table")
        for key in data:
            if key not in allowed:
                raise self.fail(f"{where}.{key}" if where else key, "没有这一项", "unknown key")
        for key in required:
            if key not in data:
                raise self.fail(f"{where}.{key}" if where else key, "不能缺少", "missing")
        return data

    def typed(self, value: Any, kind: type | tuple[type, ...], key: str) -> Any:
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(key, f"须为{_kind_zh(names)}", f"must be {names}")
        if not isinstance(value, kind):
            given = type(value).__name__
            raise self.fail(
                key,
                f"须为{_kind_zh(names)}，不能是{_kind_zh(given)}",
                f"must be {names}, not {given}",
            )
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "须为文本的列表", "must be a list of strings")
        return tuple(value)

    def clock(self, value: Any, key: str) -> dt.time:
        if isinstance(value, dt.time):
            return value
        try:
            return dt.time.fromisoformat(self.typed(value, str, key))
        except ValueError:
            raise self.fail(
                key, f"{value!r} 不是 09:00 这样的时间", f"{value!r} is not a time like 09:00"
            ) from None

    def numbers(self, cls: type, data: Any, where: str) -> Any:
        """A dataclass of plain numbers (policy, thresholds) with defaults from code."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        data = self.table(data, where, set(fields))
        values = {}
        for key, value in data.items():
            default = getattr(cls(), key)
            kind: type | tuple[type, ...] = (int, float) if isinstance(default, float) else int
            values[key] = self.typed(value, kind, f"{where}.{key}")
            if values[key] < 0:
                raise self.fail(f"{where}.{key}", "不能为负数", "must not be negative")
        return cls(**values)


def _unique(r: _Reader, values: list[str], where: str, key: str, what: tuple[str, str]) -> None:
    """A repeated id names the second entry, the first, and the value."""
    first: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in first:
            also = f"{where}[{first[value]}]"
            raise r.fail(
                f"{where}[{i}].{key}",
                f"{what[1]} {value!r} 重复（另见 {also}）",
                f"duplicate {what[0]} {value!r} (also {also})",
            )
        first[value] = i


def load_config(path: str | Path) -> HallSettings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file · 没有该文件") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e} · 无法读取") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path | str) -> HallSettings:
    """The settings in `text`, the content of the file `path` (named in every message)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(
            f"{path}: not valid TOML: {e} · 不是有效的 TOML",
            zh="不是有效的 TOML",
            en=f"not valid TOML: {e}",
        ) from None
    return settings_from(raw, path)


TOP_LEVEL = {"hall", "hours", "policy", "supervision", "services", "windows", "devices", "city"}
HALL_KEYS = {"id", "name", "name_en", "timezone", "notice", "phone_url"}
SERVICE_KEYS = {"code", "name", "name_en", "matters", "daily_quota", "handling_s", "digits"}
WINDOW_KEYS = {"id", "name", "kind", "services"}


def settings_from(raw: dict[str, Any], source: Path | str) -> HallSettings:
    """The settings of a parsed hall config (a TOML file's tables, or what a console form
    built in the same shape); `source` is named in every message."""
    r = _Reader(source)
    r.table(raw, "", TOP_LEVEL, {"hall", "services", "windows"})
    hall = r.table(raw["hall"], "hall", HALL_KEYS, {"id", "name"})
    for key in hall:
        r.typed(hall[key], str, f"hall.{key}")
    tz = hall.get("timezone", "Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name longer than the file system allows (found by bench/fuzz_config.py).
        raise r.fail(
            "hall.timezone", f"没有时区 {tz[:60]!r}", f"unknown time zone {tz[:60]!r}"
        ) from None
    phone_url = _phone_url(r, hall.get("phone_url", ""))

    services = []
    for i, s in enumerate(r.typed(raw["services"], list, "services")):
        where = f"services[{i}]"
        r.table(s, where, SERVICE_KEYS, {"code", "name"})
        code = r.typed(s["code"], str, f"{where}.code")
        if not (len(code) == 1 and code.isascii() and code.isupper()):
            raise r.fail(
                f"{where}.code",
                f"{code!r} 须为一个大写字母（号码的前缀）",
                f"{code!r} must be one capital letter (the prefix)",
            )
        name = r.typed(s["name"], str, f"{where}.name")
        if not name.strip():
            raise r.fail(f"{where}.name", "名称不能为空", "the name must not be empty")
        handling_s = r.typed(s.get("handling_s", 480), int, f"{where}.handling_s")
        if handling_s <= 0:
            raise r.fail(
                f"{where}.handling_s",
                f"{handling_s} 须为正的秒数",
                f"{handling_s} must be a positive number of seconds",
            )
        digits = r.typed(s.get("digits", 3), int, f"{where}.digits")
        if not 1 <= digits <= 6:
            raise r.fail(
                f"{where}.digits",
                f"{digits} 须为 1 到 6（号码的位数）",
                f"{digits} must be 1 to 6 (digits of the number)",
            )
        quota = (
            r.typed(s["daily_quota"], int, f"{where}.daily_quota") if "daily_quota" in s else None
        )
        if quota is not None and quota < 0:
            raise r.fail(
                f"{where}.daily_quota", f"{quota} 不能为负数", f"{quota} must not be negative"
            )
        services.append(
            Service(
                code=code,
                name=name,
                name_en=r.typed(s.get("name_en", ""), str, f"{where}.name_en"),
                matters=r.strings(s.get("matters", []), f"{where}.matters"),
                daily_quota=quota,
                handling_s=handling_s,
                digits=digits,
            )
        )
    codes = [s.code for s in services]
    if not services:
        raise r.fail("services", "至少需要一项业务", "at least one service is needed")
    _unique(r, codes, "services", "code", ("service code", "业务代码"))

    windows = []
    for i, w in enumerate(r.typed(raw["windows"], list, "windows")):
        where = f"windows[{i}]"
        r.table(w, where, WINDOW_KEYS, WINDOW_KEYS)
        kind = r.typed(w["kind"], str, f"{where}.kind")
        if kind not in WINDOW_KINDS:
            kinds = ", ".join(WINDOW_KINDS)
            raise r.fail(
                f"{where}.kind", f"{kind!r} 不是 {kinds} 之一", f"{kind!r} is not one of {kinds}"
            )
        served = r.strings(w["services"], f"{where}.services")
        for code in served:
            if code not in codes:
                raise r.fail(f"{where}.services", f"没有业务 {code!r}", f"unknown service {code!r}")
        if not served:
            raise r.fail(
                f"{where}.services",
                "一个窗口至少办理一项业务",
                "a window serves at least one service",
            )
        name = r.typed(w["name"], str, f"{where}.name")
        if not name.strip():
            raise r.fail(f"{where}.name", "名称不能为空", "the name must not be empty")
        windows.append(Window(r.typed(w["id"], str, f"{where}.id"), name, kind, served))
    ids = [w.id for w in windows]
    _unique(r, ids, "windows", "id", ("window id", "窗口编号"))
    served_somewhere = {code for w in windows for code in w.services}
    for i, code in enumerate(codes):
        if code not in served_somewhere:
            raise r.fail(
                f"services[{i}]",
                f"业务 {code!r} 没有窗口办理（请加到一个窗口）",
                f"service {code!r} is served by no window (add it to a window)",
            )

    devices = []
    for i, d in enumerate(r.typed(raw.get("devices", []), list, "devices")):
        where = f"devices[{i}]"
        r.table(d, where, {"id", "role", "window", "name", "services", "speaker"}, {"id", "role"})
        role = r.typed(d["role"], str, f"{where}.role")
        if role not in DEVICE_ROLES:
            roles = ", ".join(DEVICE_ROLES)
            raise r.fail(
                f"{where}.role", f"{role!r} 不是 {roles} 之一", f"{role!r} is not one of {roles}"
            )
        window = d.get("window")
        if role == "caller":
            if window is None:
                raise r.fail(
                    f"{where}.window",
                    "叫号器须绑定一个窗口",
                    "a caller is bound to exactly one window",
                )
            if window not in ids:
                raise r.fail(
                    f"{where}.window", f"没有窗口 {window!r}", f"unknown window {window!r}"
                )
        elif window is not None:
            raise r.fail(
                f"{where}.window", "只有叫号器绑定窗口", "only a caller is bound to a window"
            )
        shown = r.strings(d.get("services", []), f"{where}.services")
        for code in shown:
            if code not in codes:
                raise r.fail(f"{where}.services", f"没有业务 {code!r}", f"unknown service {code!r}")
        devices.append(
            Device(
                id=r.typed(d["id"], str, f"{where}.id"),
                role=role,
                window=window,
                name=r.typed(d.get("name", ""), str, f"{where}.name"),
                services=shown,
                speaker=r.typed(d.get("speaker", False), bool, f"{where}.speaker"),
            )
        )
    _unique(r, [d.id for d in devices], "devices", "id", ("device id", "设备编号"))

    hours = Hours()
    if "hours" in raw:
        h = r.table(raw["hours"], "hours", {"weekdays", "open", "last_ticket", "extended"})
        regular = _period(r, h, "hours", hours)
        extended = [
            _period(
                r,
                r.table(e, f"hours.extended[{i}]", PERIOD_KEYS, PERIOD_KEYS),
                f"hours.extended[{i}]",
                hours,
            )
            for i, e in enumerate(r.typed(h.get("extended", []), list, "hours.extended"))
        ]
        hours = Hours(regular.weekdays, regular.open, regular.last_ticket, tuple(extended))

    city_url = ""
    if "city" in raw:
        city = r.table(raw["city"], "city", {"url"}, {"url"})
        city_url = r.typed(city["url"], str, "city.url")
        if not city_url.startswith(("postgresql://", "postgres://")):
            raise r.fail("city.url", "须为 postgresql://… 地址", "must be a postgresql://… URL")

    return HallSettings(
        id=hall["id"],
        name=hall["name"],
        name_en=hall.get("name_en", ""),
        timezone=tz,
        notice=hall.get("notice", ""),
        services=tuple(services),
        windows=tuple(windows),
        devices=tuple(devices),
        hours=hours,
        policy=r.numbers(Policy, raw.get("policy", {}), "policy"),
        thresholds=r.numbers(Thresholds, raw.get("supervision", {}), "supervision"),
        city_url=city_url,
        phone_url=phone_url,
    )


PERIOD_KEYS = {"weekdays", "open", "last_ticket"}


def _period(r: _Reader, h: dict[str, Any], where: str, default: Hours) -> Period:
    """[hours] itself, or one of its extended periods (hours.extended[i], every key given)."""
    weekdays = h.get("weekdays", list(default.weekdays))
    if not isinstance(weekdays, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in weekdays
    ):
        raise r.fail(
            f"{where}.weekdays",
            "须为星期的列表：1（周一）… 7（周日）",
            "must be a list of ISO weekdays 1 (Mon) … 7 (Sun)",
        )
    period = Period(
        weekdays=tuple(sorted(set(weekdays))),
        open=r.clock(h.get("open", default.open), f"{where}.open"),
        last_ticket=r.clock(h.get("last_ticket", default.last_ticket), f"{where}.last_ticket"),
    )
    if period.last_ticket <= period.open:
        raise r.fail(
            f"{where}.last_ticket",
            "停止取号时间须晚于开始时间",
            "the last ticket must be later than the opening",
        )
    return period


def _phone_url(r: _Reader, text: str) -> str:
    """[hall] phone_url: http(s)://host[:port], as the hall's phones reach this server."""
    if not text:
        return ""
    zh = f"{text!r} 须为 http://主机[:端口] 或 https://主机[:端口]（手机页会加上 /t/…）"
    en = f"{text!r} must be http://host[:port] or https://host[:port] (the phone page adds /t/…)"
    try:
        url = urlsplit(text)
        url.port  # noqa: B018 - raises ValueError for a port that is not 0–65535
    except ValueError:
        raise r.fail("hall.phone_url", zh, en) from None
    if (
        url.scheme not in ("http", "https")
        or not url.hostname
        or url.username is not None
        or url.path not in ("", "/")
        or url.query
        or url.fragment
        or text.endswith(("?", "#"))
    ):
        raise r.fail("hall.phone_url", zh, en)
    return f"{url.scheme}://{url.netloc}"


# ----- back to a file ---------------------------------------------------------------------------
def config_tables(s: HallSettings) -> dict[str, Any]:
    """The settings as the loader reads them (`settings_from` gives `s` back): empty values
    left out, every number of [policy] and [supervision] written, times as "HH:MM"."""

    def kept(table: dict[str, Any]) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in table.items() if v}

    raw: dict[str, Any] = {
        "hall": kept(
            {
                "id": s.id,
                "name": s.name,
                "name_en": s.name_en,
                "timezone": s.timezone,
                "notice": s.notice,
                "phone_url": s.phone_url,
            }
        ),
        "hours": period_table(s.hours),
        "policy": vars(s.policy),
        "supervision": vars(s.thresholds),
        "services": [],
        "windows": [kept(vars(w)) for w in s.windows],
        "devices": [kept(vars(d)) for d in s.devices],
    }
    if s.hours.extended:
        raw["hours"]["extended"] = [period_table(p) for p in s.hours.extended]
    for service in s.services:
        table = kept(vars(service))
        if service.daily_quota is not None:
            table["daily_quota"] = service.daily_quota
        raw["services"].append(table)
    if s.city_url:
        raw["city"] = {"url": s.city_url}
    return {k: v for k, v in raw.items() if v or k in ("services", "windows")}


def config_text(s: HallSettings, header: str = "") -> str:
    """A hall config file of the settings (`parse_config` reads back the same settings)."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + tomli_w.dumps(config_tables(s), multiline_strings=False)
