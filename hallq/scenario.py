"""``hallq demo --scenario busy-morning``: a living hall for visitors to watch.

Citizens arrive at the kiosks at random (a Poisson stream), swipe their ID card and tap a
matter, or scan an appointment code; clerks call, start, finish, sometimes mark a no-show or
transfer; citizens rate at the window.  Everything goes through the terminals as a person
would: cards on the (simulated) reader, codes on the (simulated) scanner, taps on the screens.
Only what has no button in the apps goes through the API: bookings from the appointment
platform, and transfers (whose target a clerk types into a search).

Actors are generators that yield how many seconds to wait before their next step; `run_actors`
interleaves them on one thread, so the scenario is deterministic for a seed and testable with
fake hands and no clock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from devices.idcard import IdCard
from identity import check_char

log = logging.getLogger("hallq.scenario")

Actor = Iterator[float]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟",
         "涛", "明", "超", "秀英", "桂兰", "建华", "志强", "海燕", "晓东", "玉梅")  # fmt: skip
RATINGS = ((5, 0.62), (4, 0.22), (3, 0.1), (2, 0.04), (1, 0.02))
STARS = {5: "★★★★★ 非常满意", 4: "★★★★ 满意", 3: "★★★ 基本满意", 2: "★★ 不满意", 1: "★ 非常不满意"}
BAD_REASONS = ("态度", "效率", "一次告知", "环境")


@dataclass(frozen=True)
class Morning:
    """The knobs of busy-morning (times in demo seconds: a case takes tens of seconds, not
    minutes, so a visitor sees the hall move)."""

    arrivals_per_min: float = 5.0
    appointment_share: float = 0.25
    green_share: float = 0.8  # of the elderly offered 绿色通道, those who take it
    no_show_share: float = 0.08
    transfer_share: float = 0.08
    handling_s: tuple[float, float] = (12.0, 40.0)
    walk_s: tuple[float, float] = (3.0, 7.0)  # from the waiting area to the window
    tap_s: tuple[float, float] = (0.8, 2.0)  # a citizen reads a screen and taps
    recall_after_s: float = 8.0


class Hands(Protocol):
    """What the scenario does to the hall (`LocalHall` through `DemoHands`, or a fake)."""

    def lay_card(self, kiosk: str, card: IdCard) -> None: ...
    def take_card(self, kiosk: str) -> None: ...
    def show_code(self, kiosk: str, payload: str) -> None: ...
    def buttons(self, terminal: str) -> list[dict[str, Any]]: ...
    def tap(self, terminal: str, *, name: str | None = None, text: str | None = None) -> bool: ...
    def window(self, window_id: str) -> dict[str, Any] | None: ...
    def book(self, code: str, service: str) -> bool: ...
    def transfer(self, window_id: str, service: str) -> bool: ...


def citizen_card(rng: random.Random, serial: int, today: date) -> IdCard:
    """A made-up resident card with a valid GB 11643 number (ages 18–88)."""
    birth = today - timedelta(days=rng.randint(18 * 365, 88 * 365))
    first17 = f"110105{birth:%Y%m%d}{serial % 1000:03d}"
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return IdCard(
        name=name, sex=rng.choice("男女"), nation="汉", birth=birth,
        address="示例市示例区人民路1号", id_number=first17 + check_char(first17),
        authority="示例市公安局示例分局", valid_from=date(2020, 1, 1), valid_to=None,
    )  # fmt: skip


class BusyMorning:
    """The actors of one busy morning in a hall with these kiosks and callers."""

    def __init__(
        self,
        hands: Hands,
        *,
        kiosks: list[str],
        windows: dict[str, tuple[str, ...]],  # caller device → window id, … services
        settings: Morning | None = None,
        seed: int | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.hands = hands
        self.kiosks = kiosks
        self.windows = windows
        self.settings = settings or Morning()
        self.rng = random.Random(seed)
        self.today = today
        self.services = sorted({s for _w, *services in windows.values() for s in services})
        self._serial = itertools.count(1)
        self.counts: dict[str, int] = {}

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def _wait(self, span: tuple[float, float]) -> float:
        return self.rng.uniform(*span)

    def actors(self) -> list[Callable[[], Actor]]:
        """One arrival stream per kiosk and one clerk per caller."""
        found: list[Callable[[], Actor]] = [
            lambda k=kiosk: self.arrivals(k)  # type: ignore[misc]
            for kiosk in self.kiosks
        ]
        found += [
            lambda c=caller: self.clerk(c)  # type: ignore[misc]
            for caller in self.windows
        ]
        return found

    # ----- citizens ----------------------------------------------------------------------------
    def arrivals(self, kiosk: str) -> Actor:
        per_kiosk_s = 60.0 / (self.settings.arrivals_per_min / max(1, len(self.kiosks)))
        while True:
            yield self.rng.expovariate(1.0 / per_kiosk_s)
            if not self.services:
                continue
            service = self.rng.choice(self.services)
            if self.rng.random() < self.settings.appointment_share:
                yield from self.appointment(kiosk, service)
            else:
                yield from self.card_visit(kiosk, service)

    def appointment(self, kiosk: str, service: str) -> Actor:
        """A citizen booked online: the kiosk issues the ticket as soon as the code is read."""
        code = f"YY{datetime.now():%H%M%S}{next(self._serial):04d}"
        if not self.hands.book(code, service):
            return
        yield self._wait(self.settings.tap_s)
        self.hands.show_code(kiosk, f"hallq:appt:{code}")
        self._count("appointments")
        yield 4.0  # reads the ticket
        self.hands.tap(kiosk, name="done")

    def card_visit(self, kiosk: str, service: str) -> Actor:
        """Card on the reader, take it back, tap the area, a matter and 取号."""
        card = citizen_card(self.rng, next(self._serial), self.today())
        self.hands.lay_card(kiosk, card)
        yield 1.5
        self.hands.take_card(kiosk)
        yield self._wait(self.settings.tap_s)
        if not self.hands.tap(kiosk, name=f"area-{service}"):
            self.hands.tap(kiosk, name="done")  # the kiosk shows something else: start over
            return
        yield self._wait(self.settings.tap_s)
        matters = [b["name"] for b in self.hands.buttons(kiosk) if b["name"].startswith("matter-")]
        if matters:
            self.hands.tap(kiosk, name=self.rng.choice(matters))
            yield self._wait(self.settings.tap_s)
        names = {b["name"] for b in self.hands.buttons(kiosk)}
        green = "take-green" in names and self.rng.random() < self.settings.green_share
        if self.hands.tap(kiosk, name="take-green" if green else "take"):
            self._count("card tickets")
        yield 4.0
        self.hands.tap(kiosk, name="done")

    # ----- clerks ------------------------------------------------------------------------------
    def clerk(self, caller: str) -> Actor:
        window_id, *_services = self.windows[caller]
        s = self.settings
        while True:
            view = self.hands.window(window_id) or {}
            if view.get("status") != "open":
                yield 5.0
                continue
            if view.get("current") is None:
                self.hands.tap(caller, text="叫号")
                yield 2.0
                if (self.hands.window(window_id) or {}).get("current") is None:
                    yield 4.0  # nobody waiting
                continue
            if view["current"].get("status") == "called":
                if self.rng.random() < s.no_show_share:
                    yield s.recall_after_s
                    self.hands.tap(caller, text="重呼")
                    yield s.recall_after_s
                    self.hands.tap(caller, text="过号")
                    self._count("no-shows")
                    yield 2.0
                    continue
                yield self._wait(s.walk_s)
                self.hands.tap(caller, text="开始办理")
            yield self._wait(s.handling_s)
            if self.rng.random() < s.transfer_share:
                others = [x for x in self.services if x not in self.windows[caller][1:]]
                if others and self.hands.transfer(window_id, self.rng.choice(others)):
                    self._count("transfers")
                    yield 2.0
                    continue
            self.hands.tap(caller, text="办结")
            self._count("served")
            yield from self.rating(caller)

    def rating(self, caller: str) -> Actor:
        """The citizen rates on the window-facing screen (most are satisfied)."""
        yield self._wait((1.5, 3.5))
        score = self.rng.choices([r for r, _ in RATINGS], [w for _, w in RATINGS])[0]
        if not self.hands.tap(caller, text=STARS[score]):
            return
        self._count("ratings")
        if score <= 2:
            yield self._wait(self.settings.tap_s)
            self.hands.tap(caller, text=self.rng.choice(BAD_REASONS))
            yield self._wait(self.settings.tap_s)
            self.hands.tap(caller, text="提交评价")
        yield 1.0


def run_actors(
    actors: list[Callable[[], Actor]],
    stop: threading.Event,
    *,
    clock: Callable[[], float] = time.monotonic,
    restart_after_s: float = 5.0,
) -> None:
    """Step the actors in time order until `stop` is set.  An actor that fails (a terminal
    that was restarted, a refused request) is logged and started again a little later."""
    queue: list[tuple[float, int, int, Actor | None]] = []
    order = itertools.count()
    for index, _factory in enumerate(actors):
        heapq.heappush(queue, (clock(), next(order), index, None))
    while queue and not stop.is_set():
        due, _, index, actor = heapq.heappop(queue)
        if stop.wait(max(0.0, due - clock())):
            return
        try:
            if actor is None:
                actor = actors[index]()
            delay = next(actor)
        except StopIteration:
            actor, delay = None, 0.0
        except Exception as exc:  # one actor's trouble must not end the demo
            log.warning("scenario step failed (%s); starting that actor again", exc)
            actor, delay = None, restart_after_s
        heapq.heappush(queue, (clock() + delay, next(order), index, actor))
