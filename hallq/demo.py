"""``hallq demo``: run the hall on this machine until Ctrl-C, optionally with a scenario."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from devices.idcard import IdCard

from .city import LocalCity
from .contact_sheet import contact_sheet
from .hall import DEMO_MANAGER, DEMO_PASSWORD, LocalHall
from .processes import Child
from .scenario import Actor, BusyMorning, run_actors
from .terminals import RemoteError

log = logging.getLogger("hallq.demo")

SCENARIOS = ("busy-morning",)


class DemoHands:
    """The scenario's hands on a `LocalHall`: simulated devices, screen taps, a few API calls."""

    def __init__(self, hall: LocalHall) -> None:
        self.hall = hall

    def lay_card(self, kiosk: str, card: IdCard) -> None:
        self.hall.sims[kiosk].lay_card(card)

    def take_card(self, kiosk: str) -> None:
        self.hall.sims[kiosk].take_card()

    def show_code(self, kiosk: str, payload: str) -> None:
        self.hall.sims[kiosk].show_code(payload)

    def buttons(self, terminal: str) -> list[dict[str, Any]]:
        return self.hall.remotes[terminal].buttons()

    def tap(self, terminal: str, *, name: str | None = None, text: str | None = None) -> bool:
        return self.hall.remotes[terminal].click(name=name, text=text)

    def window(self, window_id: str) -> dict[str, Any] | None:
        status, body = self.hall.request("GET", "/windows")
        if status != 200:
            return None
        return next((w for w in body["windows"] if w["id"] == window_id), None)

    def book(self, code: str, service: str) -> bool:
        """The appointment platform pushes a booking for a slot that has just begun."""
        now = datetime.now(ZoneInfo(self.hall.settings.timezone)).replace(microsecond=0)
        status, body = self.hall.request(
            "POST",
            "/appointments",
            {
                "code": code,
                "service": service,
                "slot_start": (now - timedelta(minutes=5)).isoformat(),
                "slot_end": (now + timedelta(minutes=55)).isoformat(),
            },
        )
        if status != 201:
            log.info("booking %s refused: %s", code, body)
        return status == 201

    def transfer(self, window_id: str, service: str) -> bool:
        status, _body = self.hall.request(
            "POST", f"/windows/{window_id}/transfer", {"service": service},
            device=f"caller-{window_id}",
        )  # fmt: skip
        return status == 200


def busy_morning(hall: LocalHall, seed: int | None = None) -> BusyMorning:
    """The scenario on this hall's kiosks and callers."""
    windows: dict[str, tuple[str, ...]] = {}
    for device_id in hall.terminal_ids:
        device = hall.settings.device(device_id)
        if device is not None and device.role == "caller" and device.window:
            window = hall.settings.window(device.window)
            services = window.services if window is not None else ()
            windows[device_id] = (device.window, *services)
    kiosks = [k for k in hall.terminal_ids if k in hall.sims]
    return BusyMorning(DemoHands(hall), kiosks=kiosks, windows=windows, seed=seed)


def screenshot_actor(hall: LocalHall, every_s: float) -> Callable[[], Actor]:
    def actor() -> Iterator[float]:
        while True:
            try:
                shots = hall.take_screenshots()
                contact_sheet(shots, hall.screenshots / "hall.png")
            except (RemoteError, OSError) as exc:
                log.info("screenshots skipped: %s", exc)
            yield every_s

    return actor


def watch_actor(children: Callable[[], list[Child]], stop: threading.Event) -> Callable[[], Actor]:
    """Ends the demo when a part of it has died (its log says why)."""

    def actor() -> Iterator[float]:
        while True:
            dead = [c for c in children() if not c.running()]
            if dead:
                for child in dead:
                    print(f"hallq demo: {child.name} stopped ({child.proc.returncode}); "
                          f"see {child.log_path}")  # fmt: skip
                stop.set()
            yield 2.0

    return actor


def run_demo(
    halls: Sequence[LocalHall],
    *,
    scenario: str | None,
    screenshots_every_s: float,
    duration_s: float | None = None,
    seed: int | None = None,
    city: LocalCity | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Start the city (if any) and the halls, tell the visitor where things are, run until
    Ctrl-C / SIGTERM."""
    stop = threading.Event()
    started = False

    def on_signal(signum: int, _frame: object) -> None:
        if not started:
            raise KeyboardInterrupt  # abandons the start; the finally below stops what began
        stop.set()

    previous = {
        sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        if city is not None:
            say(f"hallq demo: starting the city's PostgreSQL ({city.cluster.data})…")
            city.start()
        terminals = sum(len(hall.terminal_ids) for hall in halls)
        servers = "the hall server" if len(halls) == 1 else f"{len(halls)} hall servers"
        say(f"hallq demo: starting {servers} and {terminals} terminals…")
        for hall in halls:
            hall.city_url = city.url if city is not None else ""
            hall.start()
        if city is not None:
            city.start_console()
        started = True
        for hall in halls:
            describe(hall, scenario, screenshots_every_s, say)
        if city is not None:
            describe_city(city, halls, say)
        say("  Ctrl-C stops everything.")
        actors = [watch_actor(lambda: _children(halls, city), stop)]
        for n, hall in enumerate(halls):
            if screenshots_every_s > 0:
                actors.append(screenshot_actor(hall, screenshots_every_s))
            if scenario == "busy-morning":
                actors += busy_morning(hall, None if seed is None else seed + n).actors()
        if duration_s is not None:
            timer = threading.Timer(duration_s, stop.set)
            timer.daemon = True
            timer.start()
        run_actors(actors, stop)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        say("hallq demo: stopping…")
        for hall in reversed(halls):
            hall.stop()
        if city is not None:
            city.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        say("hallq demo: stopped, nothing left running.")


def _children(halls: Sequence[LocalHall], city: LocalCity | None) -> list[Child]:
    return [c for hall in halls for c in hall.children] + (city.children if city else [])


def describe(
    hall: LocalHall, scenario: str | None, shots_every_s: float, say: Callable[[str], None]
) -> None:
    assert hall.server is not None
    say(f"hallq demo: hall '{hall.settings.name}' served at {hall.url} (pid {hall.server.pid})")
    say("  terminals found it by zeroconf on 127.0.0.1 (hall id " + hall.settings.id + ")")
    say(
        f"  manager console (管理后台): {hall.console_url}  "
        f"account {DEMO_MANAGER}, password {DEMO_PASSWORD}"
    )
    for device in hall.terminal_ids:
        say(f"  {device:<20} pid {hall.child(device).pid:<8} log {hall.logs / device}.log")
    say("  clerks are signed in (PIN 1234); kiosks have simulated card reader, scanner, printer")
    if hall.xvfb is not None:
        pid = hall.xvfb.pid
        say(f"  no display here: the terminals run under Xvfb {hall.x_display} (pid {pid})")
    if shots_every_s > 0:
        say(f"  screenshots every {shots_every_s:g} s: {hall.screenshots}/ (hall.png: all)")
    if scenario:
        say(f"  scenario {scenario}: citizens arrive, clerks call and serve, citizens rate")
    if hall.city_url:
        say("  its events stream to the city database (python -m city.feed beside the server)")


def describe_city(city: LocalCity, halls: Sequence[LocalHall], say: Callable[[str], None]) -> None:
    assert city.cluster.proc is not None and city.console is not None
    say(
        f"hallq demo: city database {city.url} "
        f"(PostgreSQL pid {city.cluster.proc.pid}, data {city.cluster.data})"
    )
    say(f"  halls feeding it: {', '.join(hall.settings.id for hall in halls)}")
    say(
        f"  city console (城市管理): {city.console_url} (pid {city.console.pid})  "
        f"account {DEMO_MANAGER} (市级管理员 admin), password {DEMO_PASSWORD}; "
        f"log {city.console.log_path}"
    )


def default_data_dir() -> Path:
    return Path("var") / "demo"
