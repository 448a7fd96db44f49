"""The kiosk's behaviour, screen by screen: a view model with no widgets.

A citizen goes START → AREA → CONFIRM → TICKET (three taps), or swipes a card / scans a
code at any moment.  Every server call goes through the terminal's ServerLink; a ticket is
only shown, printed or spoken once the server has answered 2xx, and a retry after a network
error re-sends the same Idempotency-Key, so a blip never yields two tickets.

Card data (the ``IdCard``) lives in this object only until the server has answered the
issue request; after that only the masked name the server returns is kept.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from devices.idcard import IdCard
from identity import id_number_is_valid
from terminal.formatting import spoken_ticket, wait_minutes

from . import texts as T
from .catalogue import Area, Catalogue, Matter
from .hours import OpeningHours
from .printing import TicketPrinting, service_title, ticket_layout
from .qrcodes import AppointmentCode, TicketCode, parse_scan
from .texts import Text

log = logging.getLogger("hallq.kiosk.flow")


class Screen(Enum):
    """What the kiosk shows."""

    START = "start"
    AREA = "area"
    SEARCH = "search"
    CONFIRM = "confirm"
    ISSUING = "issuing"
    TICKET = "ticket"
    REPRINT = "reprint"
    STATUS = "status"
    PHOTO = "photo"
    MESSAGE = "message"


class Reply(Protocol):
    """What the kiosk reads from a ``terminal.link.Result``."""

    status: int
    body: Any
    error_code: str | None

    @property
    def ok(self) -> bool: ...


class HallLink(Protocol):
    """The part of ``terminal.link.ServerLink`` the kiosk uses."""

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        idempotency_key: str | None = None,
        timeout_ms: int = 5000,
        retries: int = 0,
        callback: Callable[[Any], None] | None = None,
    ) -> None: ...


class Voice(Protocol):
    """The part of ``terminal.voice.Announcer`` the kiosk uses."""

    def say(self, text: str) -> object: ...

    def announce_ticket(self, number: str, ahead: int, text: str) -> object: ...


@dataclass(frozen=True)
class KioskSettings:
    """Behaviour a hall tunes per kiosk (``[kiosk]`` in the terminal config)."""

    idle_timeout_s: float = 60.0
    elder_idle_timeout_s: float = 150.0
    # Matters for which the hall takes the ID photo at the kiosk (自助拍照).
    photo_matters: frozenset[str] = field(default_factory=frozenset)
    issue_timeout_ms: int = 4000
    issue_retries: int = 2


# Server error codes → what the citizen reads.
_ERRORS = {
    "quota_full": T.QUOTA_FULL,
    "hall_closed": T.HALL_CLOSED,
    "rate_limited": T.RATE_LIMITED,
    "green_not_allowed": T.GREEN_REFUSED,
    "invalid_id_number": T.INVALID_ID,
    "unknown_appointment": T.UNKNOWN_APPOINTMENT,
    "appointment_not_today": T.APPOINTMENT_NOT_TODAY,
    "appointment_mismatch": T.APPOINTMENT_MISMATCH,
    "unknown_ticket": T.UNKNOWN_TICKET,
    "not_no_show": T.CHECKIN_REFUSED,
    "checkin_limit": T.CHECKIN_REFUSED,
}

_GUIDES = {
    Screen.START: T.GUIDE_START,
    Screen.AREA: T.GUIDE_MATTER,
    Screen.SEARCH: T.SEARCH_HINT,
    Screen.CONFIRM: T.GUIDE_CONFIRM,
    Screen.PHOTO: T.PHOTO_TITLE,
}


class KioskFlow(QObject):
    """The kiosk's state and actions; views render it and call its methods.

    ``changed`` fires after every state change.  ``photo_requested`` asks the window to
    open the photo booth for the shown ticket.
    """

    changed = Signal()
    photo_requested = Signal(str)  # ticket id

    def __init__(
        self,
        link: HallLink,
        catalogue: Catalogue,
        *,
        green_age: int | None,
        printing: TicketPrinting,
        voice: Voice | None = None,
        settings: KioskSettings | None = None,
        has_camera: bool = False,
        today: Callable[[], date] = date.today,
        hours: OpeningHours | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.link = link
        self.catalogue = catalogue
        self.green_age = green_age
        self.printing = printing
        self.voice = voice
        self.settings = settings or KioskSettings()
        self.has_camera = has_camera
        self._today = today
        self.hours = hours
        self._clock = clock
        self._was_closed = self.closed
        # Opening and closing time pass while the start screen shows: look every half minute.
        self._hours_timer = QTimer(self, interval=30_000)
        self._hours_timer.timeout.connect(self._check_hours)
        self._hours_timer.start()
        self.lang = "zh"
        self.elder = False
        self.screen = Screen.START
        self._history: list[Screen] = []
        self.area: Area | None = None
        self.matter: Matter | None = None
        self.query = ""
        self.results: list[Matter] = []
        self._card: IdCard | None = None
        self.holder_name = ""
        self.holder_id = ""
        self.green_eligible = False
        self.ticket: dict[str, Any] | None = None
        self.ticket_note: Text | None = None
        self.print_state: str | None = None  # printing | printed | failed | None
        self.photo_saved = False
        self.message: Text | None = None
        self.can_retry = False
        self.reader_down = False
        self.scanner_down = False
        self.printer_down = False  # missing, or its last ticket failed (paper out, cover open)
        self.camera_down = False
        self._printer_degraded = False
        self._pending: tuple[dict[str, Any], str] | None = None
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)

    # ----- what views read -------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """Outside the hours tickets are issued in: the start screen says so and offers none."""
        return self.hours is not None and not self.hours.issuing(self._clock())

    def _check_hours(self) -> None:
        closed = self.closed
        if closed != self._was_closed:
            self._was_closed = closed
            if self.screen is Screen.START:
                self.changed.emit()

    @property
    def has_card(self) -> bool:
        """True while a swiped card waits to be used for a ticket."""
        return self._card is not None

    @property
    def idle_timeout_ms(self) -> int:
        """Back to the start screen after this long without a touch (longer for elders)."""
        seconds = self.settings.elder_idle_timeout_s if self.elder else self.settings.idle_timeout_s
        return int(seconds * 1000)

    @property
    def photo_offered(self) -> bool:
        """The shown ticket's matter takes an ID photo here and none was saved yet."""
        return (
            self.screen is Screen.TICKET
            and self.has_camera
            and self.ticket is not None
            and self.ticket.get("matter") in self.settings.photo_matters
            and not self.photo_saved
        )

    def ticket_lines(self) -> list[Text]:
        """Service, people ahead and wait for the shown ticket (screen and voice agree)."""
        t = self.ticket
        if t is None:
            return []
        lines = [
            Text(service_title(t, self.catalogue, "zh"), service_title(t, self.catalogue, "en"))
        ]
        if t.get("status") == "waiting":
            lines.append(T.AHEAD.format(n=t.get("ahead") or 0))
            wait = t.get("estimated_wait_s")
            if wait is not None:
                minutes = wait_minutes(int(wait))
                lines.append(T.WAIT.format(m=minutes) if minutes else T.NO_WAIT)
        return lines

    def hall_changed(
        self, catalogue: Catalogue, hours: OpeningHours | None, green_age: int | None
    ) -> None:
        """A manager changed the hall's config (hall.config_changed): new names, services,
        matters, notice and hours from now on. A citizen choosing keeps their place unless
        what they chose is gone; then they start again."""
        self.catalogue, self.hours, self.green_age = catalogue, hours, green_age
        self._was_closed = self.closed
        if self.area is not None:
            self.area = catalogue.area(self.area.code)
        if self.matter is not None:
            chosen = self.matter.name
            matters = self.area.matters if self.area is not None else ()
            self.matter = next((m for m in matters if m.name == chosen), None)
        self.results = catalogue.search(self.query) if self.query else []
        if (self.screen is Screen.AREA and self.area is None) or (
            self.screen is Screen.CONFIRM and self.matter is None
        ):
            self.home(keep_card=True)
            return
        self.changed.emit()

    # ----- navigation ------------------------------------------------------------------------
    def _go(self, screen: Screen, *, remember: bool = True) -> None:
        if remember and self.screen not in (Screen.ISSUING, Screen.MESSAGE, screen):
            self._history.append(self.screen)
        self.screen = screen
        self.touch()
        if self.elder and self.voice is not None and screen in _GUIDES:
            self.voice.say(_GUIDES[screen].primary(self.lang))
        self.changed.emit()

    def back(self) -> None:
        """One screen back (the visible 返回 on every screen)."""
        if self.screen is Screen.ISSUING:
            return
        if self.screen in (Screen.TICKET, Screen.REPRINT, Screen.STATUS):
            self.home()
            return
        target = self._history.pop() if self._history else Screen.START
        if target is Screen.START:
            self.home(keep_card=True)
            return
        self._go(target, remember=False)

    def home(self, *, keep_card: bool = False) -> None:
        """Back to the start screen, forgetting the citizen's choices (and card unless kept)."""
        self._history.clear()
        self.area = self.matter = None
        self.query, self.results = "", []
        self.ticket = None
        self.ticket_note = None
        self.print_state = None
        self.photo_saved = False
        self.message = None
        self.can_retry = False
        self._pending = None
        if not keep_card:
            self._forget_card()
        self._go(Screen.START, remember=False)

    def touch(self) -> None:
        """The citizen did something: restart the idle countdown."""
        if self.screen is Screen.START and not self.has_card:
            self._idle.stop()
        else:
            self._idle.start(self.idle_timeout_ms)

    def _on_idle(self) -> None:
        if self.screen is Screen.ISSUING:
            # Never walk away from a request the server may be acting on: wait for it.
            self._idle.start(self.idle_timeout_ms)
            return
        log.info("idle on %s: back to the start screen", self.screen.value)
        self.home()

    # ----- choosing ----------------------------------------------------------------------------
    def choose_area(self, code: str) -> None:
        """An area button: its matters (a single-matter area goes straight to confirm)."""
        area = self.catalogue.area(code)
        if area is None:
            return
        self.area = area
        if len(area.matters) == 1:
            self.choose_matter(area.matters[0])
            return
        self._go(Screen.AREA)

    def choose_matter(self, matter: Matter) -> None:
        """A matter button: the confirm screen."""
        self.matter = matter
        self.area = self.catalogue.area(matter.service)
        self._go(Screen.CONFIRM)

    def help_me(self) -> None:
        """ "I don't know — help me": a consultation ticket, confirmed with one more tap."""
        area = self.catalogue.consultation
        if area is None:
            return
        self.area = area
        self.matter = area.matters[0] if area.matters else Matter(area.code, area.name, "", "")
        self._go(Screen.CONFIRM)

    def open_search(self) -> None:
        """The search screen with its on-screen pinyin keyboard."""
        self.query, self.results = "", []
        self._go(Screen.SEARCH)

    def set_query(self, text: str) -> None:
        """The search text changed."""
        self.query = text
        self.results = self.catalogue.search(text)
        self.touch()
        self.changed.emit()

    def toggle_language(self) -> None:
        """中文 ⇄ English."""
        self.lang = "en" if self.lang == "zh" else "zh"
        self.touch()
        self.changed.emit()

    def toggle_elder(self) -> None:
        """适老化 mode: larger text, slower timeout, spoken guidance."""
        self.elder = not self.elder
        self.touch()
        if self.elder and self.voice is not None and self.screen in _GUIDES:
            self.voice.say(_GUIDES[self.screen].primary(self.lang))
        self.changed.emit()

    # ----- the ID card -------------------------------------------------------------------------
    def on_card(self, card: IdCard) -> None:
        """A card was read: bind it to the next ticket (start over if a ticket is shown)."""
        if self.screen in (Screen.ISSUING, Screen.PHOTO):
            return
        if self.screen in (Screen.TICKET, Screen.REPRINT, Screen.STATUS, Screen.MESSAGE):
            self.home()
        if self.closed:
            return  # the start screen already says tickets are issued in opening hours only
        self._card = card
        self.holder_name = card.masked_name()
        self.holder_id = card.masked_id()
        age = card.age_on(self._today())
        self.green_eligible = self.green_age is not None and age >= self.green_age
        log.info("card read: %r", card)
        if self.elder and self.voice is not None:
            self.voice.say(T.HELLO_HOLDER.format(name=self.holder_name).primary(self.lang))
        self.touch()
        self.changed.emit()

    def on_card_failed(self, _reason: str) -> None:
        """A card is there but unreadable: tell the citizen to lay it down again."""
        if self.screen in (Screen.START, Screen.AREA, Screen.SEARCH, Screen.CONFIRM):
            self._show_message(T.CARD_UNREADABLE, retry=False)

    def _forget_card(self) -> None:
        self._card = None
        self.holder_name = self.holder_id = ""
        self.green_eligible = False

    def _card_fields(self) -> dict[str, str]:
        card = self._card
        if card is None:
            return {}
        fields = {"name": card.name or card.english_name}
        # Cards without a GB 11643 number (foreigners' cards) bind by name only.
        if id_number_is_valid(card.id_number):
            fields["id_number"] = card.id_number
        return fields

    # ----- issuing -----------------------------------------------------------------------------
    def take_ticket(self, *, green: bool = False) -> None:
        """The 取号 button on the confirm screen."""
        if self.matter is None or self.screen is not Screen.CONFIRM:
            return
        body: dict[str, Any] = {"service": self.matter.service, "matter": self.matter.name}
        if green and self.green_eligible:
            body["channel"] = "green"
        body.update(self._card_fields())
        self._issue(body)

    def _issue(self, body: dict[str, Any]) -> None:
        # The same request again (back, then 取号 after a network error) keeps its key: the
        # first attempt may have reached the server, and must not become a second ticket.
        if self._pending is None or self._pending[0] != body:
            self._pending = (body, uuid.uuid4().hex)
        self._send_pending()

    def retry(self) -> None:
        """Send the unconfirmed request again with the same Idempotency-Key."""
        if self._pending is None:
            return
        self._send_pending()

    def _send_pending(self) -> None:
        assert self._pending is not None
        body, key = self._pending
        self.message = None
        self.can_retry = False
        self._go(Screen.ISSUING)
        self.link.request(
            "POST",
            "/tickets",
            body,
            idempotency_key=key,
            timeout_ms=self.settings.issue_timeout_ms,
            retries=self.settings.issue_retries,
            callback=lambda result: self._issued(key, result),
        )

    def _issued(self, key: str, result: Reply) -> None:
        if self._pending is None or self._pending[1] != key or self.screen is not Screen.ISSUING:
            return  # the citizen left (idle, home) while the request was out
        if result.status == 0:
            # Unknown whether the server issued it: keep the key, let the citizen retry.
            self._show_message(T.NETWORK_ERROR, retry=True)
            return
        self._pending = None
        body = result.body if isinstance(result.body, dict) else {}
        ticket = body.get("ticket")
        if result.ok and isinstance(ticket, dict):
            self._forget_card()
            self._show_ticket(ticket, note=None)
            return
        if result.error_code in ("already_waiting", "appointment_used") and isinstance(
            ticket, dict
        ):
            self._forget_card()
            self.ticket = ticket
            self.print_state = None
            self._go(Screen.REPRINT)
            return
        if result.error_code == "invalid_id_number":
            self._forget_card()
        self._show_message(_ERRORS.get(result.error_code or "", T.SERVER_ERROR), retry=False)

    def reprint(self) -> None:
        """补打: print the ticket the citizen already holds."""
        if self.screen is Screen.REPRINT and self.ticket is not None:
            self._show_ticket(self.ticket, note=T.REPRINT)

    def _show_ticket(self, ticket: dict[str, Any], note: Text | None) -> None:
        self.ticket = ticket
        self.ticket_note = note
        self.photo_saved = False
        self._history.clear()
        self._go(Screen.TICKET, remember=False)
        self._print(ticket)
        if self.voice is not None:
            ahead = int(ticket.get("ahead") or 0)
            number = spoken_ticket(ticket["number"], self.lang)
            spoken = T.SPEAK_TICKET.format(spoken=number, n=ahead)
            # Said from the recorded clips where no speech engine exists: never a silent ticket.
            self.voice.announce_ticket(ticket["number"], ahead, spoken.primary(self.lang))

    def _print(self, ticket: dict[str, Any]) -> None:
        self.print_state = "printing"
        ticket_id = ticket["id"]

        def done(problem: str | None) -> None:
            self._report_printer(problem)
            if self.ticket is not None and self.ticket["id"] == ticket_id:
                self.print_state = "failed" if problem else "printed"
                self.changed.emit()

        self.printing.print_ticket(ticket_layout(ticket, self.catalogue, self.lang), done)

    def _report_printer(self, problem: str | None) -> None:
        degraded = problem is not None
        if degraded == self._printer_degraded:
            return
        self._printer_degraded = degraded
        self.printer_down = degraded
        self.report_device(not degraded, problem or "printer: ok")

    def report_device(self, usable: bool, detail: str) -> None:
        """Tell the hall about this kiosk's hardware (→ device.status event)."""
        state = "ok" if usable else "degraded"
        self.link.request(
            "POST", "/devices/me/status", {"state": state, "detail": detail}, retries=3
        )

    def on_device_state(self, name: str, usable: bool, detail: str) -> None:
        """A watched device became usable or not: show it and tell the hall."""
        if name == "id reader":
            self.reader_down = not usable
        elif name == "scanner":
            self.scanner_down = not usable
        elif name == "printer":
            self.printer_down = not usable
        elif name == "camera":
            self.camera_down = not usable
        self.report_device(usable, detail)
        self.changed.emit()

    # ----- scanned codes -----------------------------------------------------------------------
    def on_scan(self, payload: str) -> None:
        """A code was scanned: an appointment issues a ticket; a ticket shows its status."""
        if self.screen in (Screen.ISSUING, Screen.PHOTO):
            return
        code = parse_scan(payload, self.catalogue.hall_id, self.catalogue.hall.phone_url)
        if isinstance(code, AppointmentCode):
            if self.screen in (Screen.TICKET, Screen.REPRINT, Screen.STATUS, Screen.MESSAGE):
                self.home(keep_card=False)
            body: dict[str, Any] = {"appointment": code.code}
            body.update(self._card_fields())
            self._issue(body)
        elif isinstance(code, TicketCode):
            if code.hall_id != self.catalogue.hall_id:
                self._show_message(T.OTHER_HALL, retry=False)
                return
            self._forget_card()
            self.link.request(
                "GET", f"/tickets/{code.ticket_id}", retries=1, callback=self._status_loaded
            )
        else:
            self._show_message(T.UNKNOWN_CODE, retry=False)

    def on_scan_rejected(self, _reason: str) -> None:
        """The scanner refused a payload (too large, binary)."""
        if self.screen not in (Screen.ISSUING, Screen.PHOTO):
            self._show_message(T.UNKNOWN_CODE, retry=False)

    def _status_loaded(self, result: Reply) -> None:
        if self.screen in (Screen.ISSUING, Screen.PHOTO):
            return
        body = result.body if isinstance(result.body, dict) else {}
        ticket = body.get("ticket")
        if result.ok and isinstance(ticket, dict):
            self.ticket = ticket
            self.ticket_note = None
            self.print_state = None
            self._history.clear()
            self._go(Screen.STATUS, remember=False)
            return
        if result.status == 0:
            self._show_message(T.SERVER_ERROR, retry=False)
        else:
            self._show_message(_ERRORS.get(result.error_code or "", T.UNKNOWN_TICKET), retry=False)

    def status_text(self) -> Text | None:
        """The shown ticket's state in words."""
        t = self.ticket
        if t is None:
            return None
        status = t.get("status")
        window = self._window_name(t.get("window"))
        return {
            "waiting": T.STATUS_WAITING,
            "called": T.STATUS_CALLED.format(window=window),
            "serving": T.STATUS_SERVING.format(window=window),
            "done": T.STATUS_DONE,
            "no_show": T.STATUS_NO_SHOW,
            "transferred": T.STATUS_TRANSFERRED,
            "cancelled": T.STATUS_CANCELLED,
        }.get(str(status), T.STATUS_WAITING)

    def _window_name(self, window_id: object) -> str:
        return self.catalogue.hall.window_name(str(window_id)) if window_id else ""

    @property
    def can_check_in(self) -> bool:
        """The shown ticket was missed (过号) and may wait again."""
        return self.screen is Screen.STATUS and (self.ticket or {}).get("status") == "no_show"

    def check_in(self) -> None:
        """Re-enter the queue after 过号, and print the ticket with its new place."""
        if not self.can_check_in or self.ticket is None:
            return
        ticket_id = self.ticket["id"]
        self._go(Screen.ISSUING)

        def answered(result: Reply) -> None:
            if self.screen is not Screen.ISSUING:
                return
            body = result.body if isinstance(result.body, dict) else {}
            ticket = body.get("ticket")
            if result.ok and isinstance(ticket, dict):
                self._show_ticket(ticket, note=T.CHECKED_IN)
            elif result.status == 0:
                self._show_message(T.SERVER_ERROR, retry=False)
            else:
                self._show_message(_ERRORS.get(result.error_code or "", T.CHECKIN_REFUSED), False)

        self.link.request("POST", f"/tickets/{ticket_id}/check-in", {}, callback=answered)

    # ----- the ID photo ------------------------------------------------------------------------
    def open_photo(self) -> None:
        """自助拍照 for the shown ticket's matter."""
        if self.photo_offered and self.ticket is not None:
            self._go(Screen.PHOTO)
            self.photo_requested.emit(self.ticket["id"])

    def photo_finished(self, saved: bool) -> None:
        """The booth closed (saved or cancelled): back to the ticket."""
        if self.screen is not Screen.PHOTO:
            return
        self.photo_saved = self.photo_saved or saved
        self._history.clear()
        self._go(Screen.TICKET, remember=False)

    # ----- messages ----------------------------------------------------------------------------
    def _show_message(self, text: Text, retry: bool) -> None:
        self.message = text
        self.can_retry = retry
        self._go(Screen.MESSAGE)
