"""The printed ticket: its layout from the server's ticket object; printing off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devices.errors import DeviceError, PrinterNotReady
from devices.printer import (
    Block,
    Page,
    PrinterStatus,
    QrBlock,
    RuleBlock,
    Size,
    TextBlock,
    TicketPrinter,
)
from terminal.formatting import wait_minutes
from terminal.workers import run_in_thread

from .catalogue import Catalogue
from .qrcodes import ticket_payload

log = logging.getLogger("hallq.kiosk.printing")

# The ticket's wording, in the language the citizen chose at the kiosk.
_LABELS = {
    "zh": {
        "ahead": "前面还有 {n} 人",
        "wait": "预计等候约 {m} 分钟",
        "no_wait": "无需等候",
        "issued": "取号时间 {t}",
    },
    "en": {
        "ahead": "{n} people ahead of you",
        "wait": "Estimated wait about {m} min",
        "no_wait": "No waiting",
        "issued": "Issued {t}",
    },
}
_NOTES = {
    "zh": ("请留意大屏叫号；过号后可在取号机扫描本票二维码重新签到。",),
    "en": ("Watch the screens for your number; if you miss it, scan this QR at a kiosk.",),
}
_CHANNEL = {
    "zh": {"green": "绿色通道", "appointment": "预约"},
    "en": {"green": "Green channel", "appointment": "Appointment"},
}


def service_title(ticket: dict[str, Any], catalogue: Catalogue, lang: str) -> str:
    """ "B 市场监管 · 企业开办" — the service and matter as the ticket and screen show them."""
    area = catalogue.area(ticket["service"])
    if area is None:
        name = ticket["service"]
    else:
        name = area.name_en if lang == "en" and area.name_en else area.name
    matter = ticket.get("matter") or ""
    return f"{name} · {matter}" if matter else name


def ticket_layout(ticket: dict[str, Any], catalogue: Catalogue, lang: str) -> list[Block]:
    """The printed ticket for a server ticket object (as issued, reprinted or checked in),
    top to bottom."""
    labels = _LABELS.get(lang, _LABELS["zh"])
    notes = list(_NOTES.get(lang, _NOTES["zh"]))
    channel = _CHANNEL.get(lang, _CHANNEL["zh"]).get(ticket.get("channel", ""))
    if channel:
        notes.insert(0, channel)
    if ticket.get("holder"):
        notes.insert(0, ticket["holder"])
    hall_name = (
        catalogue.hall_name_en if lang == "en" and catalogue.hall_name_en else catalogue.hall_name
    )
    blocks: list[Block] = [
        TextBlock(hall_name, Size.DOUBLE, bold=True),
        TextBlock(service_title(ticket, catalogue, lang), Size.DOUBLE_HEIGHT),
        RuleBlock(),
        TextBlock(ticket["number"], Size.HUGE, bold=True),
        TextBlock(labels["ahead"].format(n=int(ticket.get("ahead") or 0))),
    ]
    wait = ticket.get("estimated_wait_s")
    if wait is not None:
        minutes = wait_minutes(wait)
        blocks.append(TextBlock(labels["wait"].format(m=minutes) if minutes else labels["no_wait"]))
    blocks.append(
        QrBlock(ticket_payload(catalogue.hall_id, ticket["id"], catalogue.hall.phone_url))
    )
    issued_at = datetime.fromisoformat(ticket["issued_at"])
    blocks.append(TextBlock(labels["issued"].format(t=issued_at.strftime("%Y-%m-%d %H:%M"))))
    blocks.append(RuleBlock())
    blocks.extend(TextBlock(note, center=False) for note in notes)
    return blocks


def printer_problem(exc: BaseException) -> str:
    """The detail the kiosk reports to the hall (``printer: paper out``); no ticket data."""
    if isinstance(exc, PrinterNotReady):
        status = exc.status
        if status is PrinterStatus.PAPER_OUT:
            return "printer: paper out"
        if status is PrinterStatus.COVER_OPEN:
            return "printer: cover open"
        return "printer: offline"
    if isinstance(exc, DeviceError):
        return f"printer: {exc}"
    return f"printer: unexpected {type(exc).__name__}"


class TicketPrinting:
    """Prints tickets in a worker thread and reports ``None`` (printed) or the problem.

    Printing is serialised: a second ticket waits for the first, so the paper never
    interleaves two jobs.
    """

    def __init__(self, printer: TicketPrinter | None) -> None:
        self._printer = printer
        self._queue: list[tuple[Page, Callable[[str | None], None]]] = []
        self._busy = False

    @property
    def available(self) -> bool:
        """False when the kiosk has no printer at all."""
        return self._printer is not None

    def print_ticket(self, layout: Page, on_done: Callable[[str | None], None]) -> None:
        """Queue a ticket; ``on_done`` runs on the GUI thread."""
        if self._printer is None:
            on_done("printer: none configured")
            return
        self._queue.append((layout, on_done))
        self._next()

    def _next(self) -> None:
        if self._busy or not self._queue or self._printer is None:
            return
        layout, on_done = self._queue.pop(0)
        self._busy = True

        def finished(problem: str | None) -> None:
            self._busy = False
            on_done(problem)
            self._next()

        def failed(exc: BaseException) -> None:
            log.warning("ticket not printed: %s", printer_problem(exc))
            finished(printer_problem(exc))

        run_in_thread(
            self._printer.print_ticket, layout, on_done=lambda _r: finished(None), on_error=failed
        )
