"""Kiosk fixtures: the real hall server, the terminal's ServerLink, simulated devices."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from devices.printer import SimTicketPrinter
from kiosk.catalogue import Catalogue
from kiosk.flow import KioskFlow, KioskSettings
from kiosk.printing import TicketPrinting
from terminal.hall import HallInfo
from terminal.link import Result, ServerLink
from tests.support.server import HallServerProcess

PHOTO_MATTER = "居民身份证换领"


@dataclass
class SpokenLog:
    """Records what the kiosk asked the announcer to say."""

    said: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.said.append(text)

    def announce_ticket(self, number: str, ahead: int, text: str) -> None:
        self.said.append(text)


@dataclass
class Kiosk:
    """A kiosk view model wired to a real server and simulated devices."""

    server: HallServerProcess
    link: ServerLink
    flow: KioskFlow
    printer: SimTicketPrinter
    voice: SpokenLog
    hall: dict[str, Any]

    def request_sync(self, qtbot: Any, method: str, path: str, body: Any = None) -> Result:
        """One request through the kiosk's own link, waited for."""
        results: list[Result] = []
        self.link.request(method, path, body, callback=results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=5000)
        return results[0]


def make_kiosk(server: HallServerProcess, **settings: Any) -> Kiosk:
    status, hall = server.request("GET", "/hall")
    assert status == 200
    # Owned by Qt (the application), so the garbage collector never destroys it on a worker
    # thread (printing runs in threads): a QObject destroyed off its thread crashes Qt.
    link = ServerLink(server.url, server.tokens["kiosk-1"], QCoreApplication.instance())
    printer = SimTicketPrinter()
    voice = SpokenLog()
    options = {"photo_matters": frozenset({PHOTO_MATTER}), **settings}
    flow = KioskFlow(
        link,
        Catalogue.from_hall(HallInfo.from_json(hall)),
        green_age=hall["policy"]["green_age"],
        printing=TicketPrinting(printer),
        voice=voice,
        settings=KioskSettings(**options),
        has_camera=True,
        today=lambda: date(2026, 11, 23),
    )
    return Kiosk(server, link, flow, printer, voice, hall)


@pytest.fixture
def kiosk(qapp: Any, hall_server: HallServerProcess) -> Iterator[Kiosk]:
    k = make_kiosk(hall_server)
    yield k
    k.link.stop()
    k.link.deleteLater()
