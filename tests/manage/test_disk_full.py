"""The manager console on a full hall disk (a real one: the database on a small tmpfs of its own
mount namespace): each change it could not take is said in Chinese and English — not saved, try
again — browsing goes on, and the same change is taken once space is back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hallserver.store import Store
from manage import accounts, records
from tests.manage.conftest import ADMIN, PASSWORD, Console
from tests.support.server import HallOnSmallDisk, HallServerProcess


@dataclass
class Full:
    console: Console
    disk: HallOnSmallDisk
    pid: int

    def fill(self) -> None:
        self.disk.inside(self.pid, f"cat /dev/zero > {self.disk.disk}/filler")

    def free(self) -> None:
        self.disk.inside(self.pid, f"rm {self.disk.disk}/filler")


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Full]:
    disk = HallOnSmallDisk(tmp_path)
    store = Store(disk.seed.db)
    records.create(store.conn)
    digest = accounts.password_hash(PASSWORD)
    records.save_manager(store.conn, ADMIN, "admin", digest, dt.datetime.now(dt.UTC))
    store.close()
    proc = disk.start()
    assert proc.stdout is not None and proc.stderr is not None
    server = HallServerProcess(db=disk.disk / "hall.db", tokens=disk.seed.tokens, proc=proc)
    try:
        server.url = proc.stdout.readline().split()[-1]
        line = proc.stdout.readline()
        assert line.startswith("console on "), line
        yield Full(Console(server, line.split()[-1].rstrip("/")), disk, proc.pid)
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


@pytest.fixture
def console(small: Full) -> Console:
    return small.console


def test_a_full_hall_disk_is_said_in_chinese_and_english_and_nothing_is_lost(
    admin, small: Full
) -> None:
    url = small.console.url
    small.console.server.sign_in("5")
    admin.goto(url + "/staff")
    small.fill()
    admin.fill("form.form input[name=id]", "wangfang")
    admin.fill("form.form input[name=name]", "王芳")
    admin.fill("form.form input[name=pin]", "2468")
    with admin.expect_navigation() as sent:
        admin.click("form.form button.primary")
    answer = sent.value
    assert answer.status == 503 and answer.headers["retry-after"] == "30"
    said = admin.locator("section.unavailable").inner_text()
    assert "磁盘已满" in said and "disk is full" in said and "未能保存" in said, said
    assert admin.title().startswith("暂不可用")
    # A window paused from the live page: the same page, not "the window refused".
    admin.goto(url + "/")
    with admin.expect_navigation() as sent:
        admin.locator("tr[data-window='5'] >> text=暂停 Pause").click()
    assert sent.value.status == 503
    assert "磁盘已满" in admin.locator("section.unavailable").inner_text()
    # Browsing goes on while the disk is full.
    admin.goto(url + "/staff")
    assert admin.locator("tr[data-clerk=wangfang]").count() == 0  # nothing half saved

    small.free()
    admin.fill("form.form input[name=id]", "wangfang")
    admin.fill("form.form input[name=name]", "王芳")
    admin.fill("form.form input[name=pin]", "2468")
    admin.click("form.form button.primary")
    admin.wait_for_selector("tr[data-clerk=wangfang]")
    assert admin.locator("tr[data-clerk=wangfang]").count() == 1
    _, body = small.console.server.request("GET", "/windows", device="caller-5")
    assert next(w for w in body["windows"] if w["id"] == "5")["status"] != "paused"
