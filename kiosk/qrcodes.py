"""The QR payloads the kiosk prints and reads.

- The ticket's own QR: ``<phone_url>/t/<ticket id>`` when the hall names the address its
  phones reach (the citizen's phone page), else ``hallq:ticket:<hall id>:<ticket id>``. Either
  is scanned back at a kiosk for the ticket's status or to check in again after 过号; a link
  to any other address is not this hall's ticket.
- An appointment: ``hallq:appt:<code>``, or the bare code as booking platforms print it.
"""

from __future__ import annotations

from dataclasses import dataclass

TICKET_PREFIX = "hallq:ticket:"
APPOINTMENT_PREFIX = "hallq:appt:"
# Appointment codes come from outside platforms; keep to what fits a URL path segment safely.
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
MAX_CODE = 64


@dataclass(frozen=True)
class TicketCode:
    """A scanned ticket QR."""

    hall_id: str
    ticket_id: str


@dataclass(frozen=True)
class AppointmentCode:
    """A scanned appointment QR (or bare booking code)."""

    code: str


@dataclass(frozen=True)
class UnknownCode:
    """Anything else (a health code, a URL, noise): the kiosk says it cannot use it."""


ScannedCode = TicketCode | AppointmentCode | UnknownCode


def ticket_payload(hall_id: str, ticket_id: str, phone_url: str = "") -> str:
    """What the ticket's QR encodes: the phone page's link when the hall has a ``phone_url``."""
    if phone_url:
        return f"{phone_url}/t/{ticket_id}"
    return f"{TICKET_PREFIX}{hall_id}:{ticket_id}"


def _is_code(text: str) -> bool:
    return 0 < len(text) <= MAX_CODE and all(ch in _CODE_CHARS for ch in text)


def parse_scan(payload: str, this_hall: str = "", phone_url: str = "") -> ScannedCode:
    """Classify a scanned payload; a link to this hall's phone page (``phone_url``, from
    GET /hall) is a ticket of ``this_hall``."""
    text = payload.strip()
    page = f"{phone_url}/t/"
    if phone_url and text[: len(page)].lower() == page.lower():  # scheme and host: any case
        ticket_id = text[len(page) :]
        return TicketCode(this_hall, ticket_id) if _is_code(ticket_id) else UnknownCode()
    if text.startswith(TICKET_PREFIX):
        hall_id, sep, ticket_id = text[len(TICKET_PREFIX) :].rpartition(":")
        if sep and hall_id and _is_code(ticket_id):
            return TicketCode(hall_id, ticket_id)
        return UnknownCode()
    if text.startswith(APPOINTMENT_PREFIX):
        code = text[len(APPOINTMENT_PREFIX) :]
        return AppointmentCode(code) if _is_code(code) else UnknownCode()
    if _is_code(text):
        return AppointmentCode(text)
    return UnknownCode()
