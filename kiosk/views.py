"""The kiosk's pages, built from the view model's state (thin: no behaviour here)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from terminal.theme import Theme

from . import texts as T
from .catalogue import Matter
from .flow import KioskFlow, Screen
from .qrcodes import ticket_payload
from .texts import Text
from .widgets import BigButton, PinyinKeyboard, bilingual_label, qr_label


def _page(theme: Theme) -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    box = QVBoxLayout(page)
    box.setContentsMargins(theme.px(40), theme.px(24), theme.px(40), theme.px(24))
    box.setSpacing(theme.px(20))
    return page, box


def _grid(buttons: list[QWidget], columns: int, theme: Theme) -> QGridLayout:
    grid = QGridLayout()
    grid.setSpacing(theme.px(18))
    for i, button in enumerate(buttons):
        grid.addWidget(button, i // columns, i % columns)
    return grid


def start_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """Welcome, the card/QR hint, the areas, search and "help me"."""
    lang = flow.lang
    page, box = _page(theme)
    if flow.has_card:
        greeting = T.HELLO_HOLDER.format(name=flow.holder_name)
        box.addWidget(
            bilingual_label(greeting, lang, theme, 52, bold=True, colour=theme.palette.accent)
        )
    elif not flow.closed:
        box.addWidget(bilingual_label(T.WELCOME, lang, theme, 56, bold=True))
        box.addWidget(bilingual_label(T.START_HINT, lang, theme, 30, colour=theme.palette.muted))
    hours = flow.hours.text() if flow.hours is not None else None
    if flow.closed:
        # Refused on the first screen, not after card, service and matter.
        box.addStretch(1)
        closed = bilingual_label(T.HALL_CLOSED, lang, theme, 56, bold=True)
        closed.setObjectName("closed")
        box.addWidget(closed)
        if hours is not None:
            box.addWidget(bilingual_label(hours, lang, theme, 40, colour=theme.palette.muted))
        box.addStretch(1)
        return page
    if hours is not None:
        hours_label = bilingual_label(hours, lang, theme, 26, colour=theme.palette.muted)
        hours_label.setObjectName("hours")
        box.addWidget(hours_label)
    if flow.catalogue.hall.notice:
        # The hall's own words (a manager's notice): plain text, never markup.
        notice = QLabel(flow.catalogue.hall.notice)
        notice.setObjectName("notice")
        notice.setTextFormat(Qt.TextFormat.PlainText)
        notice.setWordWrap(True)
        notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        notice.setStyleSheet(f"font-size: {theme.px(24)}px; color: {theme.palette.text};")
        box.addWidget(notice)
    areas = [
        BigButton(
            Text(f"{a.code}  {a.name}", f"{a.code}  {a.name_en}"),
            lang,
            theme,
            partial(flow.choose_area, a.code),
            size=38,
            height=130,
            name=f"area-{a.code}",
        )
        for a in flow.catalogue.areas
    ]
    box.addLayout(_grid(list(areas), 4 if landscape else 3, theme), 1)
    row = QHBoxLayout()
    row.setSpacing(theme.px(18))
    row.addWidget(BigButton(T.SEARCH, lang, theme, flow.open_search, size=36, name="search"))
    if flow.catalogue.consultation is not None:
        row.addWidget(
            BigButton(T.HELP_ME, lang, theme, flow.help_me, size=38, primary=True, name="help")
        )
    box.addLayout(row)
    return page


def area_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """The matters of the chosen area."""
    lang = flow.lang
    page, box = _page(theme)
    area = flow.area
    assert area is not None
    box.addWidget(bilingual_label(Text(area.name, area.name_en), lang, theme, 52, bold=True))
    box.addWidget(bilingual_label(T.CHOOSE_MATTER, lang, theme, 30, colour=theme.palette.muted))
    buttons = [_matter_button(flow, m, theme) for m in area.matters]
    box.addLayout(_grid(list(buttons), 3 if landscape else 2, theme), 1)
    return page


def _matter_button(flow: KioskFlow, matter: Matter, theme: Theme) -> BigButton:
    return BigButton(
        Text(matter.name, matter.name),
        flow.lang,
        theme,
        partial(flow.choose_matter, matter),
        size=38,
        height=120,
        name=f"matter-{matter.name}",
    )


def search_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """Search by pinyin initials with an on-screen keyboard."""
    lang = flow.lang
    page, box = _page(theme)
    box.addWidget(bilingual_label(T.SEARCH_HINT, lang, theme, 32))
    query = QLabel(flow.query.upper() or "…")
    query.setObjectName("query")
    query.setAlignment(Qt.AlignmentFlag.AlignCenter)
    query.setFont(theme.font(56, bold=True))
    query.setStyleSheet(
        f"background: {theme.palette.surface}; border: 3px solid {theme.palette.highlight};"
        f" border-radius: {theme.px(12)}px; padding: {theme.px(8)}px;"
    )
    box.addWidget(query)
    if flow.results:
        buttons = [_matter_button(flow, m, theme) for m in flow.results[:9]]
        box.addLayout(_grid(list(buttons), 3, theme), 1)
    elif flow.query:
        box.addWidget(
            bilingual_label(T.SEARCH_NONE, lang, theme, 32, colour=theme.palette.muted), 1
        )
    else:
        box.addStretch(1)
    box.addWidget(
        PinyinKeyboard(
            theme,
            on_key=lambda k: flow.set_query(flow.query + k),
            on_delete=lambda: flow.set_query(flow.query[:-1]),
            on_clear=lambda: flow.set_query(""),
            clear_label=T.CLEAR.primary(lang),
        )
    )
    return page


def confirm_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """The chosen matter, who the ticket is for, and the 取号 button(s)."""
    lang = flow.lang
    p = theme.palette
    page, box = _page(theme)
    box.addWidget(bilingual_label(T.CONFIRM_TITLE, lang, theme, 40, colour=p.muted))
    matter, area = flow.matter, flow.area
    assert matter is not None and area is not None
    box.addWidget(
        bilingual_label(Text(matter.name, matter.name), lang, theme, 72, bold=True, secondary=False)
    )
    box.addWidget(bilingual_label(Text(area.name, area.name_en), lang, theme, 36, colour=p.muted))
    box.addStretch(1)
    if flow.has_card:
        holder = T.HOLDER.format(name=flow.holder_name, id=flow.holder_id)
        box.addWidget(bilingual_label(holder, lang, theme, 40, bold=True, colour=p.highlight))
    else:
        box.addWidget(bilingual_label(T.CONFIRM_SWIPE, lang, theme, 32, colour=p.muted))
    row = QHBoxLayout()
    row.setSpacing(theme.px(24))
    if flow.green_eligible:
        box.addWidget(
            bilingual_label(T.GREEN_OFFER.format(age=flow.green_age), lang, theme, 34, colour=p.ok)
        )
        row.addWidget(
            BigButton(
                T.TAKE_NORMAL, lang, theme, flow.take_ticket, size=44, height=160, name="take"
            )
        )
        row.addWidget(
            BigButton(
                T.TAKE_GREEN,
                lang,
                theme,
                lambda: flow.take_ticket(green=True),
                size=48,
                height=160,
                primary=True,
                name="take-green",
            )
        )
    else:
        row.addWidget(
            BigButton(
                T.TAKE_TICKET,
                lang,
                theme,
                flow.take_ticket,
                size=56,
                height=180,
                primary=True,
                name="take",
            )
        )
    box.addLayout(row)
    box.addStretch(1)
    return page


def issuing_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """Waiting for the server: nothing to press."""
    page, box = _page(theme)
    box.addStretch(1)
    box.addWidget(bilingual_label(T.ISSUING, flow.lang, theme, 60, bold=True))
    box.addStretch(1)
    return page


def ticket_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """The issued ticket, same content as the printed one, QR to photograph."""
    lang = flow.lang
    p = theme.palette
    ticket = flow.ticket
    assert ticket is not None
    page, box = _page(theme)
    if flow.ticket_note is not None:
        box.addWidget(bilingual_label(flow.ticket_note, lang, theme, 36, colour=p.highlight))
    # Landscape: the number on the left; what it is for, the QR and printing on the right. The
    # number is smaller there and the QR never grows, so the page fits 1080 px in elder mode.
    body = QHBoxLayout() if landscape else QVBoxLayout()
    left = QVBoxLayout()
    left.addWidget(bilingual_label(T.YOUR_NUMBER, lang, theme, 36, colour=p.muted))
    number = QLabel(ticket["number"])
    number.setObjectName("number")
    number.setAlignment(Qt.AlignmentFlag.AlignCenter)
    number.setFont(theme.font(160 if landscape else 220, bold=True))
    number.setStyleSheet(f"color: {p.accent}; background: transparent;")
    left.addWidget(number)
    lines = flow.ticket_lines()
    left.addWidget(bilingual_label(lines[0], lang, theme, 36))
    body.addLayout(left, 3)
    right = QVBoxLayout()
    details = right if landscape else left
    for line in lines[1:]:
        details.addWidget(bilingual_label(line, lang, theme, 40, bold=True))
    # A phone reads the QR as well at any size: it does not grow in elder mode.
    catalogue = flow.catalogue
    qr = qr_label(ticket_payload(catalogue.hall_id, ticket["id"], catalogue.hall.phone_url), 240)
    qr.setObjectName("qr")
    right.addWidget(qr)
    state = {
        "printing": (T.PRINTING, p.muted),
        "printed": (T.PRINTED, p.ok),
        "failed": (T.PRINTER_OUT, p.alarm),
    }.get(flow.print_state or "")
    if state is not None:
        status = bilingual_label(state[0], lang, theme, 34, bold=True, colour=state[1])
        status.setObjectName(f"print-{flow.print_state}")
        right.addWidget(status)
    body.addLayout(right, 2)
    box.addLayout(body, 1)
    actions = QHBoxLayout()
    actions.setSpacing(theme.px(24))
    if flow.photo_offered:
        box.addWidget(bilingual_label(T.PHOTO_OFFER, lang, theme, 32))
        actions.addWidget(
            BigButton(T.PHOTO_TAKE, lang, theme, flow.open_photo, size=40, name="photo")
        )
    elif flow.photo_saved:
        box.addWidget(bilingual_label(T.PHOTO_SAVED, lang, theme, 32, colour=p.ok))
    actions.addWidget(BigButton(T.DONE, lang, theme, flow.home, size=44, primary=True, name="done"))
    box.addLayout(actions)
    return page


def reprint_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """The citizen already holds a waiting ticket: offer 补打."""
    lang = flow.lang
    ticket = flow.ticket
    assert ticket is not None
    page, box = _page(theme)
    box.addStretch(1)
    area = flow.catalogue.area(ticket["service"])
    code = str(ticket["service"])
    service = Text(area.name, area.name_en) if area else Text(code, code)
    held = T.ALREADY_WAITING.format(number=ticket["number"], service=service)
    box.addWidget(bilingual_label(held, lang, theme, 56, bold=True))
    for line in flow.ticket_lines()[1:]:
        box.addWidget(bilingual_label(line, lang, theme, 40))
    box.addWidget(bilingual_label(T.REPRINT_HINT, lang, theme, 34, colour=theme.palette.muted))
    box.addWidget(
        BigButton(
            T.REPRINT, lang, theme, flow.reprint, size=52, height=170, primary=True, name="reprint"
        )
    )
    box.addStretch(1)
    return page


def status_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """A scanned ticket's state; check-in after 过号."""
    lang = flow.lang
    ticket = flow.ticket
    assert ticket is not None
    page, box = _page(theme)
    box.addWidget(bilingual_label(T.TICKET_STATUS, lang, theme, 40, colour=theme.palette.muted))
    number = QLabel(ticket["number"])
    number.setAlignment(Qt.AlignmentFlag.AlignCenter)
    number.setFont(theme.font(180, bold=True))
    number.setStyleSheet(f"color: {theme.palette.accent}; background: transparent;")
    box.addWidget(number)
    status = flow.status_text()
    if status is not None:
        box.addWidget(bilingual_label(status, lang, theme, 56, bold=True))
    for line in flow.ticket_lines():
        box.addWidget(bilingual_label(line, lang, theme, 40))
    box.addStretch(1)
    if flow.can_check_in:
        box.addWidget(bilingual_label(T.CHECK_IN_HINT, lang, theme, 32, colour=theme.palette.muted))
        box.addWidget(
            BigButton(
                T.CHECK_IN,
                lang,
                theme,
                flow.check_in,
                size=52,
                height=170,
                primary=True,
                name="check-in",
            )
        )
    return page


def message_page(flow: KioskFlow, theme: Theme, landscape: bool) -> QWidget:
    """Why it did not work, and what to do next."""
    lang = flow.lang
    page, box = _page(theme)
    box.addStretch(1)
    box.addWidget(bilingual_label(T.ERROR_TITLE, lang, theme, 40, colour=theme.palette.alarm))
    if flow.message is not None:
        message = bilingual_label(flow.message, lang, theme, 52, bold=True)
        message.setObjectName("message")
        box.addWidget(message)
    if flow.can_retry:
        box.addWidget(
            BigButton(
                T.RETRY, lang, theme, flow.retry, size=52, height=170, primary=True, name="retry"
            )
        )
    box.addStretch(1)
    return page


PAGES = {
    Screen.START: start_page,
    Screen.AREA: area_page,
    Screen.SEARCH: search_page,
    Screen.CONFIRM: confirm_page,
    Screen.ISSUING: issuing_page,
    Screen.TICKET: ticket_page,
    Screen.REPRINT: reprint_page,
    Screen.STATUS: status_page,
    Screen.MESSAGE: message_page,
}
