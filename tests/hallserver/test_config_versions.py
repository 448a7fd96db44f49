"""The hall config's versions and its live change: the file on disk and the stored versions,
what a running hall refuses, and a rename every terminal hears of (hall.config_changed)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from hallserver import config_versions
from hallserver.config import ConfigError, config_text, load_config, parse_config
from hallserver.config_versions import StaleConfig, running_config, what_changed
from hallserver.domain.errors import ConfigRefused
from hallserver.domain.settings import HallSettings
from hallserver.store import Store
from tests.support.inprocess import NOW, Running
from tests.support.server import SAMPLE

SETTINGS = load_config(SAMPLE)


def renamed(
    settings: HallSettings = SETTINGS, code: str = "A", name: str = "投资审批"
) -> HallSettings:
    services = tuple(
        dataclasses.replace(s, name=name) if s.code == code else s for s in settings.services
    )
    return dataclasses.replace(settings, services=services)


def test_an_exported_config_reads_back_as_the_same_settings() -> None:
    text = config_text(SETTINGS, "exported from the console")
    assert text.startswith("# exported from the console\n")
    assert parse_config(text, "exported.toml") == SETTINGS


def test_what_changed_names_the_key_by_code_and_both_values() -> None:
    line = what_changed(SETTINGS, renamed())
    assert line == "services[A].name: 投资项目审批 → 投资审批"
    assert what_changed(SETTINGS, SETTINGS) == "无变化 · no change"


def test_a_mistake_names_the_key_in_chinese_and_english() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("handling_s = 900", "handling_s = 0", 1)
    with pytest.raises(ConfigError) as e:
        parse_config(text, "hall.toml")
    assert e.value.key == "services[0].handling_s"
    assert e.value.why() == "0 须为正的秒数 · 0 must be a positive number of seconds"


def test_the_file_seeds_version_1_and_a_changed_file_becomes_a_new_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    store = Store(tmp_path / "hall.db")
    settings, first = running_config(store.conn, path, NOW)
    assert (first.version, first.author, first.source) == (1, "file", "file")
    assert settings == SETTINGS
    # Unchanged file: the newest stored version runs, also one made in the console since.
    config_versions.add(
        store.conn,
        at=NOW,
        author="boss",
        source="console",
        summary="rename",
        text=config_text(renamed()),
    )
    settings, running = running_config(store.conn, path, NOW)
    assert running.version == 2 and settings.service("A").name == "投资审批"  # type: ignore[union-attr]
    # The file edited on disk: taken as a new version by "file", and it runs.
    path.write_text(
        path.read_text(encoding="utf-8").replace('name = "市场监管"', 'name = "市场监督"'),
        encoding="utf-8",
    )
    settings, taken = running_config(store.conn, path, NOW)
    assert (taken.version, taken.author) == (3, "file")
    assert "services[A].name: 投资审批 → 投资项目审批" in taken.summary
    assert "services[B].name: 市场监管 → 市场监督" in taken.summary
    assert running_config(store.conn, path, NOW)[1].version == 3
    # A broken file stops the start, naming the key, whatever is stored.
    path.write_text("[hall]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hall.toml: \w+: missing · 不能缺少"):
        running_config(store.conn, path, NOW)


def test_a_running_hall_renames_a_service_and_every_terminal_hears_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        hall = Running(tmp_path / "hall.db")
        async with hall.client:
            socket = await hall.client.ws_connect(
                "/api/v1/events", headers={"Authorization": "Bearer t-display-hall"}
            )
            status, body = await hall.call("POST", "/tickets", body={"service": "A"})
            assert status == 201
            stored = await config_versions.change(
                hall.svc, renamed(hall.svc.settings), read_at=1, author="boss", source="console"
            )
            assert (stored.version, stored.author) == (2, "boss")
            status, info = await hall.call("GET", "/hall")
            assert next(s for s in info["services"] if s["code"] == "A")["name"] == "投资审批"
            seen: list[dict[str, Any]] = []
            while not seen or seen[-1]["type"] != "hall.config_changed":
                seen.append(json.loads((await socket.receive(timeout=5)).data))
            assert seen[-1]["data"] == {
                "version": 2,
                "by": "boss",
                "source": "console",
                "summary": "services[A].name: 投资项目审批 → 投资审批",
            }
            # The citizen who waited before the rename still waits, in the same queue.
            status, body = await hall.call("GET", "/queues", "display-hall")
            assert next(q for q in body["queues"] if q["service"] == "A")["waiting"] == 1
            await socket.close()

    asyncio.run(scenario())


def test_a_stale_form_is_refused_naming_who_changed_it_and_when(tmp_path: Path) -> None:
    async def scenario() -> None:
        hall = Running(tmp_path / "hall.db")
        async with hall.client:
            await config_versions.change(
                hall.svc, renamed(hall.svc.settings), read_at=1, author="boss", source="console"
            )
            other = renamed(hall.svc.settings, "B", "市场监督")
            with pytest.raises(StaleConfig) as e:
                await config_versions.change(
                    hall.svc, other, read_at=1, author="duty", source="console"
                )
            assert "配置已被 boss 于 2026-12-01 18:00 修改（版本 2）" in e.value.message
            assert hall.svc.settings.service("B").name == "市场监管"  # type: ignore[union-attr]
            assert config_versions.newest(hall.conn).version == 2  # type: ignore[union-attr]

    asyncio.run(scenario())


def test_a_running_hall_refuses_what_would_strand_a_citizen(tmp_path: Path) -> None:
    async def scenario() -> None:
        hall = Running(tmp_path / "hall.db")
        async with hall.client:
            assert (await hall.call("POST", "/tickets", body={"service": "H"}))[0] == 201
            without_h = dataclasses.replace(
                hall.svc.settings,
                services=tuple(s for s in hall.svc.settings.services if s.code != "H"),
                windows=tuple(w for w in hall.svc.settings.windows if w.id != "7"),
                devices=tuple(d for d in hall.svc.settings.devices if d.window != "7"),
            )
            with pytest.raises(ConfigRefused) as e:
                await config_versions.change(
                    hall.svc, without_h, read_at=1, author="boss", source="console"
                )
            assert e.value.key == "services[7]"
            assert "还有 1 位群众在等候或办理" in e.value.zh
            moved = dataclasses.replace(hall.svc.settings, timezone="Asia/Urumqi")
            with pytest.raises(ConfigRefused, match=r"hall\.timezone"):
                await config_versions.change(
                    hall.svc, moved, read_at=1, author="boss", source="console"
                )
            # Nothing stored, nothing changed: the hall still runs version 1 with service H.
            assert config_versions.newest(hall.conn).version == 1  # type: ignore[union-attr]
            assert hall.svc.settings.service("H") is not None
            _, body = await hall.call("GET", "/queues", "display-hall")
            assert any(q["service"] == "H" and q["waiting"] == 1 for q in body["queues"])

    asyncio.run(scenario())


def test_a_service_and_a_window_added_live_are_served(tmp_path: Path) -> None:
    async def scenario() -> None:
        hall = Running(tmp_path / "hall.db")
        async with hall.client:
            s = hall.svc.settings
            new = config_text(s).replace(
                '[[windows]]\nid = "1"',
                '[[services]]\ncode = "N"\nname = "新业务"\nhandling_s = 300\n\n'
                '[[windows]]\nid = "12"\nname = "12号窗口"\nkind = "specialized"\n'
                'services = ["N"]\n\n[[windows]]\nid = "1"',
                1,
            )
            await config_versions.change(
                hall.svc, parse_config(new, "new.toml"), read_at=1, author="boss", source="import"
            )
            status, body = await hall.call("POST", "/tickets", body={"service": "N"})
            assert status == 201 and body["ticket"]["number"] == "N001"
            status, body = await hall.call("GET", "/windows", "display-hall")
            assert any(w["id"] == "12" for w in body["windows"])

    asyncio.run(scenario())


def test_a_window_with_a_clerk_cannot_be_removed_until_closed(tmp_path: Path) -> None:
    async def scenario() -> None:
        hall = Running(tmp_path / "hall.db")
        async with hall.client:
            svc = hall.svc
            await svc.run(lambda: svc.hall.sign_in("10", "clerk-10", "窗口10办事员", NOW))
            s = svc.settings
            without_10 = dataclasses.replace(
                s,
                windows=tuple(w for w in s.windows if w.id != "10"),
                devices=tuple(d for d in s.devices if d.window != "10"),
                services=tuple(x for x in s.services if x.code != "L"),
            )
            with pytest.raises(ConfigRefused) as e:
                await config_versions.change(
                    svc, without_10, read_at=1, author="boss", source="console"
                )
            assert e.value.key == "windows[9]" and "先关闭窗口" in e.value.zh
            await svc.run(lambda: svc.hall.sign_out("10", NOW))
            stored = await config_versions.change(
                svc, without_10, read_at=1, author="boss", source="console"
            )
            assert stored.version == 2 and "10" not in svc.hall.windows
            status, _ = await hall.call("POST", "/windows/10/call-next", "caller-1")
            assert status == 404

    asyncio.run(scenario())
