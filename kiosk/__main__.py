"""``hallq-kiosk``: the self-service ticket kiosk (自助取号机).

Shows the window at once (the overlay says it is connecting), finds the hall, loads its
services, then starts the devices and the flow.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer

import hallqlog
from devices.camera import SimCamera
from devices.errors import DeviceError
from devices.idcard import SimIdCardReader
from devices.printer import SimTicketPrinter
from devices.scanner import SimScanner
from devices.urls import open_camera, open_id_reader, open_printer, open_scanner
from terminal.app import (
    TerminalConfigError,
    connect_to_hall,
    start_application,
    terminal_arguments,
)
from terminal.hall import HallInfo
from terminal.link import Result, ServerLink
from terminal.voice import Announcer, VoiceConfig

from .catalogue import Catalogue
from .config import KioskConfig, kiosk_config
from .flow import KioskFlow
from .hardware import KioskDevices, watch
from .hours import OpeningHours
from .printing import TicketPrinting
from .sim_panel import SimPanel
from .window import KioskWindow

log = logging.getLogger("hallq.kiosk")

HALL_RETRY_MS = 2000

_OPENERS: dict[str, Callable[[str], Any]] = {
    "id_reader": open_id_reader,
    "scanner": open_scanner,
    "printer": open_printer,
    "camera": open_camera,
}


# The names the device watchers report states under (KioskFlow.on_device_state).
_STATE_NAMES = {"id_reader": "id reader", "scanner": "scanner", "printer": "printer",
                "camera": "camera"}  # fmt: skip


def open_devices(config: KioskConfig) -> tuple[KioskDevices, dict[str, str]]:
    """Open each configured device; one that cannot be opened is left out and reported."""
    opened: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for kind, spec in config.devices.items():
        try:
            opened[kind] = _OPENERS[kind](spec)
        except (DeviceError, OSError, ValueError) as exc:
            problems[kind] = f"{kind}: {exc}"
            log.warning("cannot open %s (%s): %s", kind, spec, exc)
    return KioskDevices(**opened), problems


class KioskApp:
    """Wires the window, the link, the devices and the flow once the hall has answered."""

    def __init__(
        self,
        args: Any,
        config: KioskConfig,
        window: KioskWindow,
        *,
        voice: VoiceConfig | None = None,
    ) -> None:
        self.args = args
        self.config = config
        self.window = window
        self.devices, self.problems = open_devices(config)
        self.link: ServerLink | None = None
        self.flow: KioskFlow | None = None
        self.voice = Announcer(voice, parent=window)
        self.watchers: list[Any] = []

    def sim_panel(self) -> SimPanel | None:
        """The keys for simulated devices (only those that are simulators)."""
        d = self.devices
        sims = (
            d.id_reader if isinstance(d.id_reader, SimIdCardReader) else None,
            d.scanner if isinstance(d.scanner, SimScanner) else None,
            d.printer if isinstance(d.printer, SimTicketPrinter) else None,
            d.camera if isinstance(d.camera, SimCamera) else None,
        )
        if not any(sims):
            return None
        return SimPanel(
            reader=sims[0],
            scanner=sims[1],
            printer=sims[2],
            camera=sims[3],
            hall_id=lambda: self.flow.catalogue.hall_id if self.flow else "",
            last_ticket=lambda: (self.flow.ticket or {}).get("id") if self.flow else None,
        )

    def on_link(self, link: ServerLink) -> None:
        """The hall was found: keep the link online and load the hall's services."""
        self.link = link
        self.window.overlay.follow(link)
        link.event_received.connect(self._on_event)
        link.start()
        self._load_hall()

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "hall.config_changed" and self.flow is not None:
            assert self.link is not None
            self.link.request("GET", "/hall", callback=self._hall_reloaded)

    def _hall_reloaded(self, result: Result) -> None:
        """The hall's config changed: show its new names, services, notice and hours."""
        if self.flow is None or not result.ok or not isinstance(result.body, dict):
            log.warning("hall changed, but GET /hall failed (%s)", result.message)
            return
        hall = HallInfo.from_json(result.body)
        self.flow.hall_changed(
            Catalogue.from_hall(hall), OpeningHours.from_hall(result.body), hall.green_age
        )
        log.info("hall config changed: services and notice reloaded")

    def _load_hall(self) -> None:
        assert self.link is not None
        self.link.request("GET", "/hall", callback=self._hall_loaded)

    def _hall_loaded(self, result: Result) -> None:
        if not result.ok or not isinstance(result.body, dict):
            log.info("hall not answering yet (%s)", result.message)
            QTimer.singleShot(HALL_RETRY_MS, self._load_hall)
            return
        assert self.link is not None
        hall = HallInfo.from_json(result.body)
        flow = KioskFlow(
            self.link,
            Catalogue.from_hall(hall),
            green_age=hall.green_age,
            printing=TicketPrinting(self.devices.printer),
            voice=self.voice,
            settings=self.config.settings,
            has_camera=self.devices.camera is not None,
            hours=OpeningHours.from_hall(result.body),
            parent=self.window,
        )
        flow.lang = self.args.lang
        self.flow = flow
        self.window.attach(flow, self.link, self.devices)
        self.watchers = watch(
            self.devices,
            on_card=flow.on_card,
            on_card_failed=flow.on_card_failed,
            on_scan=flow.on_scan,
            on_scan_rejected=flow.on_scan_rejected,
            on_state=flow.on_device_state,
            parent=self.window,
        )
        for kind, problem in self.problems.items():  # shown on the start screen from the first
            flow.on_device_state(_STATE_NAMES[kind], False, problem)

    def stop(self) -> None:
        """Stop speaking and the device threads, and release the devices."""
        self.voice.clear()
        for watcher in self.watchers:
            watcher.stop()
        self.devices.close()
        if self.link is not None:
            self.link.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the kiosk until the admin leaves it (Escape + PIN)."""
    hallqlog.configure()
    args = terminal_arguments("hallq-kiosk", "kiosk").parse_args(argv)
    try:
        app = start_application(args)
        config = kiosk_config(args.sections, sim=args.sim)
    except TerminalConfigError as exc:
        print(f"hallq-kiosk: {exc}", file=sys.stderr)
        return 2
    window = KioskWindow(
        windowed=args.windowed, screen_size=args.screen_size, admin_pin=args.admin_pin
    )
    kiosk = KioskApp(args, config, window)
    panel = kiosk.sim_panel()
    if panel is not None:
        window.add_sim_panel(panel)
    window.show_on_screen()
    try:
        connect_to_hall(args, kiosk.on_link)
    except TerminalConfigError as exc:
        print(f"hallq-kiosk: {exc}", file=sys.stderr)
        return 2
    code = app.exec()
    kiosk.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
