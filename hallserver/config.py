"""Load a hall config (TOML) into typed settings; every mistake names the file and the key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .domain.settings import (
    DEVICE_ROLES,
    WINDOW_KINDS,
    Device,
    HallSettings,
    Hours,
    Policy,
    Service,
    Thresholds,
    Window,
)


class ConfigError(Exception):
    """A hall config that cannot be used; the message names the file and the key."""


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, why: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {why}")

    def table(
        self, data: dict[str, Any], where: str, allowed: set[str], required: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "must be a table")
        for key in data:
            if key not in allowed:
                raise self.fail(f"{where}.{key}" if where else key, "unknown key")
        for key in required:
            if key not in data:
                raise self.fail(f"{where}.{key}" if where else key, "missing")
        return data

    def typed(self, value: Any, kind: type | tuple[type, ...], key: str) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(key, f"must be {getattr(kind, '__name__', kind)}")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"must be {names}, not {type(value).__name__}")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def clock(self, value: Any, key: str) -> dt.time:
        if isinstance(value, dt.time):
            return value
        try:
            return dt.time.fromisoformat(self.typed(value, str, key))
        except ValueError:
            raise self.fail(key, f"{value!r} is not a time like 09:00") from None

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
                raise self.fail(f"{where}.{key}", "must not be negative")
        return cls(**values)


def _unique(r: _Reader, values: list[str], where: str, key: str, what: str) -> None:
    """A repeated id names the second entry, the first, and the value."""
    first: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in first:
            raise r.fail(
                f"{where}[{i}].{key}", f"duplicate {what} {value!r} (also {where}[{first[value]}])"
            )
        first[value] = i


def load_config(path: str | Path) -> HallSettings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> HallSettings:
    """The settings in `text`, the content of the file `path` (named in every message)."""
    r = _Reader(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None

    r.table(
        raw,
        "",
        {"hall", "hours", "policy", "supervision", "services", "windows", "devices", "city"},
        {"hall", "services", "windows"},
    )
    hall = r.table(
        raw["hall"],
        "hall",
        {"id", "name", "name_en", "timezone", "notice", "phone_url"},
        {"id", "name"},
    )
    for key in hall:
        r.typed(hall[key], str, f"hall.{key}")
    tz = hall.get("timezone", "Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name longer than the file system allows (found by bench/fuzz_config.py).
        raise r.fail("hall.timezone", f"unknown time zone {tz[:60]!r}") from None
    phone_url = _phone_url(r, hall.get("phone_url", ""))

    services = []
    for i, s in enumerate(r.typed(raw["services"], list, "services")):
        where = f"services[{i}]"
        r.table(
            s,
            where,
            {"code", "name", "name_en", "matters", "daily_quota", "handling_s", "digits"},
            {"code", "name"},
        )
        code = r.typed(s["code"], str, f"{where}.code")
        if not (len(code) == 1 and code.isascii() and code.isupper()):
            raise r.fail(f"{where}.code", f"{code!r} must be one capital letter (the prefix)")
        handling_s = r.typed(s.get("handling_s", 480), int, f"{where}.handling_s")
        if handling_s <= 0:
            raise r.fail(
                f"{where}.handling_s", f"{handling_s} must be a positive number of seconds"
            )
        digits = r.typed(s.get("digits", 3), int, f"{where}.digits")
        if not 1 <= digits <= 6:
            raise r.fail(f"{where}.digits", f"{digits} must be 1 to 6 (digits of the number)")
        quota = (
            r.typed(s["daily_quota"], int, f"{where}.daily_quota") if "daily_quota" in s else None
        )
        if quota is not None and quota < 0:
            raise r.fail(f"{where}.daily_quota", f"{quota} must not be negative")
        services.append(
            Service(
                code=code,
                name=r.typed(s["name"], str, f"{where}.name"),
                name_en=r.typed(s.get("name_en", ""), str, f"{where}.name_en"),
                matters=r.strings(s.get("matters", []), f"{where}.matters"),
                daily_quota=quota,
                handling_s=handling_s,
                digits=digits,
            )
        )
    codes = [s.code for s in services]
    if not services:
        raise r.fail("services", "at least one service is needed")
    _unique(r, codes, "services", "code", "service code")

    windows = []
    for i, w in enumerate(r.typed(raw["windows"], list, "windows")):
        where = f"windows[{i}]"
        r.table(w, where, {"id", "name", "kind", "services"}, {"id", "name", "kind", "services"})
        kind = r.typed(w["kind"], str, f"{where}.kind")
        if kind not in WINDOW_KINDS:
            raise r.fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(WINDOW_KINDS)}")
        served = r.strings(w["services"], f"{where}.services")
        for code in served:
            if code not in codes:
                raise r.fail(f"{where}.services", f"unknown service {code!r}")
        if not served:
            raise r.fail(f"{where}.services", "a window serves at least one service")
        windows.append(
            Window(
                r.typed(w["id"], str, f"{where}.id"),
                r.typed(w["name"], str, f"{where}.name"),
                kind,
                served,
            )
        )
    ids = [w.id for w in windows]
    _unique(r, ids, "windows", "id", "window id")
    served_somewhere = {code for w in windows for code in w.services}
    for i, code in enumerate(codes):
        if code not in served_somewhere:
            raise r.fail(
                f"services[{i}]", f"service {code!r} is served by no window (add it to a window)"
            )

    devices = []
    for i, d in enumerate(r.typed(raw.get("devices", []), list, "devices")):
        where = f"devices[{i}]"
        r.table(d, where, {"id", "role", "window", "name", "services", "speaker"}, {"id", "role"})
        role = r.typed(d["role"], str, f"{where}.role")
        if role not in DEVICE_ROLES:
            raise r.fail(f"{where}.role", f"{role!r} is not one of {', '.join(DEVICE_ROLES)}")
        window = d.get("window")
        if role == "caller":
            if window is None:
                raise r.fail(f"{where}.window", "a caller is bound to exactly one window")
            if window not in ids:
                raise r.fail(f"{where}.window", f"unknown window {window!r}")
        elif window is not None:
            raise r.fail(f"{where}.window", "only a caller is bound to a window")
        shown = r.strings(d.get("services", []), f"{where}.services")
        for code in shown:
            if code not in codes:
                raise r.fail(f"{where}.services", f"unknown service {code!r}")
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
    _unique(r, [d.id for d in devices], "devices", "id", "device id")

    hours = Hours()
    if "hours" in raw:
        h = r.table(raw["hours"], "hours", {"weekdays", "open", "last_ticket"})
        weekdays = h.get("weekdays", list(hours.weekdays))
        if not isinstance(weekdays, list) or not all(
            isinstance(d, int) and 1 <= d <= 7 for d in weekdays
        ):
            raise r.fail("hours.weekdays", "must be a list of ISO weekdays 1 (Mon) … 7 (Sun)")
        hours = Hours(
            weekdays=tuple(weekdays),
            open=r.clock(h.get("open", hours.open), "hours.open"),
            last_ticket=r.clock(h.get("last_ticket", hours.last_ticket), "hours.last_ticket"),
        )

    city_url = ""
    if "city" in raw:
        city = r.table(raw["city"], "city", {"url"}, {"url"})
        city_url = r.typed(city["url"], str, "city.url")
        if not city_url.startswith(("postgresql://", "postgres://")):
            raise r.fail("city.url", "must be a postgresql://… URL")

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


def _phone_url(r: _Reader, text: str) -> str:
    """[hall] phone_url: http(s)://host[:port], as the hall's phones reach this server."""
    if not text:
        return ""
    why = "must be http://host[:port] or https://host[:port] (the phone page adds /t/…)"
    try:
        url = urlsplit(text)
        url.port  # noqa: B018 - raises ValueError for a port that is not 0–65535
    except ValueError:
        raise r.fail("hall.phone_url", f"{text!r} {why}") from None
    if (
        url.scheme not in ("http", "https")
        or not url.hostname
        or url.username is not None
        or url.path not in ("", "/")
        or url.query
        or url.fragment
        or text.endswith(("?", "#"))
    ):
        raise r.fail("hall.phone_url", f"{text!r} {why}")
    return f"{url.scheme}://{url.netloc}"
