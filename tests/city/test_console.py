"""The city page in a real headless Chromium: every hall side by side, today's figures."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import ROOT

from .citykit import caught_up, city, feeding_hall, run_tickets, wait_until


@pytest.fixture
def city_page(city_db: str) -> Iterator[str]:
    url = city(city_db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "city.cli", "serve", "--db", url, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on "), line
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_city_page_shows_every_hall_side_by_side(
    city_db: str,
    city_page: str,
    tmp_path: Path,
    page,  # type: ignore[no-untyped-def]
) -> None:
    halls = [feeding_hall(tmp_path / h, city_db, h) for h in ("hall-east", "hall-west")]
    for hall in halls:
        hall.start()
    try:
        east, west = halls
        east.sign_in("1")
        east.sign_in("4")
        run_tickets(east, 6)
        for _ in range(3):
            west.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
        for hall, hall_id in zip(halls, ("hall-east", "hall-west"), strict=True):
            wait_until(lambda h=hall, i=hall_id: caught_up(city_db, h, i))
    finally:
        for hall in halls:
            hall.kill()
    with urllib.request.urlopen(city_page + "/halls.json", timeout=10) as resp:
        body = json.loads(resp.read())
    by_id = {h["id"]: h for h in body["halls"]}
    assert by_id["hall-east"]["issued"] == 6 and by_id["hall-east"]["waiting"] == 0
    assert by_id["hall-west"]["issued"] == 3 and by_id["hall-west"]["waiting"] == 3

    page.goto(city_page + "/")
    assert page.title().startswith("全市政务服务大厅")
    assert page.locator("section.hall").count() == 2
    assert page.locator('[data-hall="hall-west"] .waiting').inner_text() == "3"
    assert page.locator('[data-hall="hall-east"] .issued').inner_text() == "6"
    page.screenshot(path=str(tmp_path / "city.png"), full_page=True)
