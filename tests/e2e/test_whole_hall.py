"""The whole hall as real processes under Xvfb: server, a kiosk, a caller, a wall display.

A citizen swipes a card and takes a ticket (the printer's bytes are checked), the clerk calls
it, the wall display shows and announces it, the clerk finishes, the citizen rates, and the
day's statistics count it.  Terminals find the server by zeroconf on loopback, as in the demo.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.idcard import SAMPLE_CARDS
from hallq.hall import SAMPLE_HALL, LocalHall, wait_gone
from hallq.processes import wait_for
from hallq.scenario import STARS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (./setup.sh installs it)"),
]

E2E_DISPLAYS = range(61, 70)
CARD = SAMPLE_CARDS["adult"]  # 李四娟, 110105199003070041


def unique_hall(folder: Path) -> Path:
    """The sample hall under an id of its own, so no other hall advertised on this machine
    (another test, a demo) is found by zeroconf instead."""
    text = SAMPLE_HALL.read_text(encoding="utf-8")
    config = folder / "hall.toml"
    config.write_text(
        text.replace('id = "sample-hall"', f'id = "e2e-{uuid.uuid4().hex[:8]}"', 1),
        encoding="utf-8",
    )
    return config


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[LocalHall]:
    printer = tmp_path / "printer.bin"
    local = LocalHall(
        tmp_path / "hall",
        config=unique_hall(tmp_path),
        terminals=("kiosk-1", "caller-1", "display-hall"),
        display="xvfb",
        xvfb_displays=E2E_DISPLAYS,
        voice="mock",
        kiosk_devices={"kiosk-1": {"printer": f"file:{printer}"}},
        simulated_kiosk_ports=True,
    )
    local.start()
    pids = local.pids()
    try:
        yield local
    finally:
        local.stop()
        assert wait_gone(pids) == [], "a process of the hall outlived its stop"


def stats(hall: LocalHall) -> dict[str, Any]:
    status, body = hall.request("GET", "/stats")
    assert status == 200, body
    return dict(body)


def test_a_card_swipe_becomes_a_served_and_rated_ticket(hall: LocalHall, tmp_path: Path) -> None:
    kiosk, caller, display = (hall.remotes[d] for d in ("kiosk-1", "caller-1", "display-hall"))
    reader = hall.sims["kiosk-1"]

    # The citizen lays the card on the reader: the kiosk greets the holder, masked.
    reader.lay_card(CARD)
    wait_for(lambda: CARD.masked_name() in kiosk.text(), 15, "for the kiosk to read the card")
    reader.take_card()
    assert CARD.name not in kiosk.text() and CARD.id_number not in kiosk.text()

    # Three taps: the area, a matter, 取号.
    assert kiosk.click(name="area-F")
    wait_for(lambda: any(b["name"].startswith("matter-") for b in kiosk.buttons()), 10,
             "for the matters of area F")  # fmt: skip
    matter = next(b["name"] for b in kiosk.buttons() if b["name"].startswith("matter-"))
    assert kiosk.click(name=matter)
    wait_for(lambda: CARD.masked_id() in kiosk.text(), 10, "for the confirm screen")
    assert kiosk.click(name="take")
    wait_for(lambda: "F001" in kiosk.text(), 15, "for the ticket on the kiosk's screen")

    # The printer got a whole ESC/POS ticket: Chinese in GB18030, the QR, a cut; no card data.
    printed = tmp_path / "printer.bin"
    wait_for(lambda: printed.exists() and b"\x1dV" in printed.read_bytes(), 15,
             "for the ticket to be printed")  # fmt: skip
    data = printed.read_bytes()
    assert data.startswith(b"\x1b@")
    assert b"F001" in data
    assert "综合事务".encode("gb18030") in data
    assert f"hallq:ticket:{hall.settings.id}:".encode() in data
    assert CARD.id_number.encode() not in data
    assert CARD.name.encode("gb18030") not in data

    # The clerk calls: the wall display shows the call and announces it.
    assert caller.click(text="叫号")
    wait_for(lambda: "F001" in display.text(), 15, "for the call on the wall display")
    wait_for(lambda: any("F 零 零 一" in s["text"] for s in display.said()), 15,
             "for the call to be announced")  # fmt: skip
    said = [s for s in display.said() if "F 零 零 一" in s["text"]]
    assert len(said) == 1 and "一 号窗口" in said[0]["text"]

    # The clerk finishes; the citizen rates ★5 on the window-facing screen.
    wait_for(lambda: caller.click(text="办结"), 10, "for 办结 to be pressable")
    wait_for(lambda: caller.click(text=STARS[5]), 10, "for the rating buttons")
    wait_for(lambda: stats(hall)["evaluations"] == 1, 15, "for the rating to reach the hall")

    day = stats(hall)
    assert (day["issued"], day["served"], day["no_show"]) == (1, 1, 0)
    assert day["satisfaction_rate"] == 1.0
    assert day["by_window"]["1"]["served"] == 1

    shots = hall.take_screenshots(tmp_path / "shots")
    assert {p.name for p in shots} >= {
        "kiosk-1-kiosk.png",
        "caller-1-caller.png",
        "caller-1-evaluation.png",
        "display-hall-display.png",
    }
