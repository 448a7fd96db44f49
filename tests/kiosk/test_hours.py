"""Opening hours on the kiosk's first screen: shown while open, and out of hours the first
screen itself says no ticket can be taken (not after card, service and matter)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from devices.idcard import SAMPLE_CARDS
from devices.printer import SimTicketPrinter
from kiosk.catalogue import Catalogue
from kiosk.flow import KioskFlow
from kiosk.hours import OpeningHours
from kiosk.printing import TicketPrinting
from kiosk.views import start_page
from terminal.fonts import register_fonts
from terminal.hall import HallInfo
from terminal.link import ServerLink
from terminal.theme import Theme
from tests.support.server import HallServerProcess

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
SATURDAY_10 = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
MONDAY_1701 = dt.datetime(2026, 11, 23, 17, 1, tzinfo=SHANGHAI)
HOURS = OpeningHours((1, 2, 3, 4, 5), dt.time(9), dt.time(17), SHANGHAI)


def test_hours_read_from_the_hall_and_applied_in_its_time_zone() -> None:
    hall = {
        "timezone": "Asia/Shanghai",
        "hours": {"weekdays": [1, 2, 3, 4, 5], "open": "09:00", "last_ticket": "17:00"},
    }
    hours = OpeningHours.from_hall(hall)
    assert hours == HOURS
    assert hours.issuing(MONDAY_10) and hours.issuing(MONDAY_10.astimezone(dt.UTC))
    assert not hours.issuing(SATURDAY_10) and not hours.issuing(MONDAY_1701)
    assert hours.text().zh == "取号时间 周一至周五 09:00–17:00"
    assert hours.text().en == "Tickets Mon–Fri 09:00–17:00"
    anytime = OpeningHours.from_hall({**hall, "hours": {**hall["hours"], "enforced": False}})
    assert anytime is not None and anytime.issuing(SATURDAY_10)


def test_extended_hours_issue_on_a_saturday_morning_and_are_shown() -> None:
    hall = {
        "timezone": "Asia/Shanghai",
        "hours": {
            "weekdays": [1, 2, 3, 4, 5],
            "open": "09:00",
            "last_ticket": "17:00",
            "extended": [{"weekdays": [6], "open": "09:00", "last_ticket": "12:00"}],
        },
    }
    hours = OpeningHours.from_hall(hall)
    assert hours is not None and hours.issuing(SATURDAY_10)
    assert not hours.issuing(SATURDAY_10.replace(hour=12)) and not hours.issuing(MONDAY_1701)
    assert hours.text().zh == "取号时间 周一至周五 09:00–17:00；延时服务 周六 09:00–12:00"
    assert hours.text().en == "Tickets Mon–Fri 09:00–17:00; extended hours Sat 09:00–12:00"


def test_the_server_says_whether_it_enforces_its_hours(hall_server: HallServerProcess) -> None:
    status, hall = hall_server.request("GET", "/hall")
    assert status == 200 and hall["hours"]["enforced"] is False  # --ignore-hours


def _flow(server: HallServerProcess, now: dt.datetime) -> KioskFlow:
    _, hall = server.request("GET", "/hall")
    return KioskFlow(
        ServerLink(server.url, server.tokens["kiosk-1"], QCoreApplication.instance()),
        Catalogue.from_hall(HallInfo.from_json(hall)),
        green_age=70,
        printing=TicketPrinting(SimTicketPrinter()),
        hours=HOURS,
        clock=lambda: now,
    )


def _texts(page: QWidget) -> str:
    return "\n".join(label.text() for label in page.findChildren(QLabel))


def test_open_the_first_screen_shows_the_hours(qapp: Any, hall_server: HallServerProcess) -> None:
    flow = _flow(hall_server, MONDAY_10)
    page = start_page(flow, Theme(family=register_fonts()), True)
    assert "取号时间 周一至周五 09:00–17:00" in _texts(page)
    assert any(b.objectName().startswith("area-") for b in page.findChildren(QPushButton))


def test_out_of_hours_the_first_screen_refuses(qapp: Any, hall_server: HallServerProcess) -> None:
    flow = _flow(hall_server, SATURDAY_10)
    page = start_page(flow, Theme(family=register_fonts()), True)
    text = _texts(page)
    assert "现在不是取号时间" in text and "opening hours only" in text
    assert "取号时间 周一至周五 09:00–17:00" in text
    assert page.findChildren(QPushButton) == []  # nothing to choose, nothing to take
    flow.on_card(SAMPLE_CARDS["elderly"])
    assert not flow.has_card  # a card swiped now is not kept for a ticket later
