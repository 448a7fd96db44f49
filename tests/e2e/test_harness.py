"""The demo's parts that need no running hall: scenario actors, the actor loop,
the remote control's protocol, the contact sheet."""

from __future__ import annotations

import json
import random
import threading
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

from devices.idcard import IdCard
from hallq.contact_sheet import contact_sheet
from hallq.scenario import STARS, BusyMorning, Morning, citizen_card, run_actors
from identity import id_number_is_valid


class FakeHands:
    """Records what the scenario does; screens and windows are what the test sets."""

    def __init__(self) -> None:
        self.done: list[tuple[str, ...]] = []
        self.kiosk_buttons = [{"name": "matter-个体工商户登记"}, {"name": "take"}]
        self.windows: dict[str, dict[str, Any]] = {}

    def lay_card(self, kiosk: str, card: IdCard) -> None:
        self.done.append(("card", kiosk, card.id_number))

    def take_card(self, kiosk: str) -> None:
        self.done.append(("take card", kiosk))

    def show_code(self, kiosk: str, payload: str) -> None:
        self.done.append(("code", kiosk, payload))

    def buttons(self, terminal: str) -> list[dict[str, Any]]:
        return self.kiosk_buttons

    def tap(self, terminal: str, *, name: str | None = None, text: str | None = None) -> bool:
        self.done.append(("tap", terminal, name or text or ""))
        return True

    def window(self, window_id: str) -> dict[str, Any] | None:
        return self.windows.get(window_id)

    def book(self, code: str, service: str) -> bool:
        self.done.append(("book", code, service))
        return True

    def transfer(self, window_id: str, service: str) -> bool:
        self.done.append(("transfer", window_id, service))
        return True


def morning(hands: FakeHands, **settings: Any) -> BusyMorning:
    return BusyMorning(
        hands,
        kiosks=["kiosk-1"],
        windows={"caller-1": ("1", "B", "F")},
        settings=Morning(**settings),
        seed=3,
        today=lambda: date(2026, 11, 25),
    )


def run_steps(actor: Any, steps: int) -> None:
    for _ in range(steps):
        next(actor)


def test_made_up_cards_carry_valid_numbers_and_adult_ages() -> None:
    rng = random.Random(1)
    cards = [citizen_card(rng, n, date(2026, 11, 25)) for n in range(200)]
    assert all(id_number_is_valid(c.id_number) for c in cards)
    assert all(18 <= c.age_on(date(2026, 11, 25)) <= 88 for c in cards)
    assert len({c.id_number for c in cards}) == 200  # one waiting ticket per ID and service


def test_a_card_citizen_takes_the_card_back_before_the_three_taps() -> None:
    hands = FakeHands()
    list(morning(hands).card_visit("kiosk-1", "B"))
    kinds = [d[0] if d[0] != "tap" else d[2] for d in hands.done]
    assert kinds == ["card", "take card", "area-B", "matter-个体工商户登记", "take", "done"]


def test_an_elder_offered_the_green_channel_takes_it() -> None:
    hands = FakeHands()
    hands.kiosk_buttons = [{"name": "take"}, {"name": "take-green"}]
    list(morning(hands, green_share=1.0).card_visit("kiosk-1", "F"))
    assert ("tap", "kiosk-1", "take-green") in hands.done


def test_an_appointment_is_booked_then_scanned() -> None:
    hands = FakeHands()
    list(morning(hands).appointment("kiosk-1", "F"))
    (_, code, service), (_, kiosk, payload) = hands.done[:2]
    assert service == "F" and kiosk == "kiosk-1" and payload == f"hallq:appt:{code}"


def test_a_clerk_calls_serves_finishes_and_the_citizen_rates() -> None:
    hands = FakeHands()
    hands.windows["1"] = {"status": "open", "current": None}
    clerk = morning(hands, no_show_share=0.0, transfer_share=0.0).clerk("caller-1")
    run_steps(clerk, 2)
    assert hands.done == [("tap", "caller-1", "叫号")]
    hands.windows["1"]["current"] = {"status": "called"}
    run_steps(clerk, 4)
    taps = [d[2] for d in hands.done if d[0] == "tap"]
    assert taps[:3] == ["叫号", "开始办理", "办结"]
    assert taps[3] in STARS.values()


def test_a_bad_rating_says_why() -> None:
    hands = FakeHands()
    scenario = morning(hands)
    scenario.rng = random.Random(0)
    scenario.rng.choices = lambda *a, **k: [1]  # type: ignore[method-assign]
    list(scenario.rating("caller-1"))
    taps = [d[2] for d in hands.done]
    assert taps[0] == STARS[1] and taps[-1] == "提交评价" and len(taps) == 3


def test_a_closed_window_is_left_alone() -> None:
    hands = FakeHands()
    hands.windows["1"] = {"status": "closed", "current": None}
    run_steps(morning(hands).clerk("caller-1"), 3)
    assert hands.done == []


def test_actors_run_in_time_order_and_a_failing_one_starts_again() -> None:
    now = [0.0]
    stop = threading.Event()
    seen: list[str] = []
    starts = {"flaky": 0}

    def steady() -> Any:
        while True:
            seen.append(f"steady@{now[0]:g}")
            yield 10.0

    def flaky() -> Any:
        starts["flaky"] += 1
        seen.append(f"flaky@{now[0]:g}")
        yield 3.0
        if starts["flaky"] >= 2:
            stop.set()
        raise RuntimeError("a terminal went away")

    class Clock:
        def __call__(self) -> float:
            return now[0]

    def wait(delay: float) -> bool:
        now[0] += delay
        return stop.is_set()

    stop_wait = stop.wait
    stop.wait = wait  # type: ignore[method-assign]
    try:
        run_actors([steady, flaky], stop, clock=Clock(), restart_after_s=5.0)
    finally:
        stop.wait = stop_wait  # type: ignore[method-assign]
    assert seen == ["steady@0", "flaky@0", "flaky@8", "steady@10"]


def test_contact_sheet_puts_every_screen_on_one_picture(tmp_path: Path) -> None:
    shots = []
    for n, size in enumerate([(1920, 1080), (1280, 720), (1080, 1920)]):
        path = tmp_path / f"t{n}.png"
        Image.new("RGB", size, "white").save(path)
        shots.append(path)
    out = contact_sheet(shots, tmp_path / "hall.png", columns=2)
    assert out is not None
    with Image.open(out) as sheet:
        assert sheet.width == 2 * 640
        assert sheet.height > 360 + 1138  # two rows: the tallest tile sets a row's height
    assert contact_sheet([], tmp_path / "none.png") is None


def test_remote_control_answers_only_with_its_secret(qtbot: Any) -> None:
    from hallq.remote_control import Announcements, RemoteControl

    control = RemoteControl("s3cret", Announcements())
    assert control.answer(b'{"cmd": "said"}') == {"ok": False, "error": "wrong secret"}
    assert control.answer(b"nonsense")["ok"] is False
    answer = control.answer(json.dumps({"cmd": "said", "secret": "s3cret"}).encode())
    assert answer == {"ok": True, "said": []}
    unknown = control.answer(json.dumps({"cmd": "format-disk", "secret": "s3cret"}).encode())
    assert unknown["ok"] is False
