"""The kiosk view model against a real hall server, with simulated printer and cards."""

from __future__ import annotations

from typing import Any

from devices.idcard import SAMPLE_CARDS
from devices.printer import PrinterStatus
from kiosk.flow import Screen
from tests.kiosk.conftest import PHOTO_MATTER, Kiosk, make_kiosk
from tests.support.server import HallServerProcess

ELDERLY = SAMPLE_CARDS["elderly"]  # born 1949: green-channel age
ADULT = SAMPLE_CARDS["adult"]


def wait_screen(qtbot: Any, kiosk: Kiosk, screen: Screen, timeout: int = 8000) -> None:
    qtbot.waitUntil(lambda: kiosk.flow.screen is screen, timeout=timeout)


def wait_printed(qtbot: Any, kiosk: Kiosk) -> None:
    qtbot.waitUntil(lambda: kiosk.flow.print_state == "printed", timeout=8000)


def test_three_taps_to_a_printed_ticket(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.choose_area("B")
    assert flow.screen is Screen.AREA
    matter = next(m for m in flow.area.matters if m.name == "企业开办")  # type: ignore[union-attr]
    flow.choose_matter(matter)
    assert flow.screen is Screen.CONFIRM
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    wait_printed(qtbot, kiosk)
    ticket = flow.ticket
    assert ticket is not None and ticket["number"] == "B001" and ticket["matter"] == "企业开办"
    assert ticket["channel"] == "normal" and ticket["holder"] == ""
    out = kiosk.printer.output
    assert b"B001" in out and kiosk.printer.state.tickets_cut == 1
    assert ticket["id"].encode() in out  # the ticket's own QR payload
    assert any("B 零 零 一" in s for s in kiosk.voice.said)  # as the wall display says it
    # What the screen says agrees with the server.
    status, body = kiosk.server.request("GET", f"/tickets/{ticket['id']}", device="kiosk-1")
    assert status == 200 and body["ticket"]["status"] == "waiting"


def test_card_binds_the_ticket_and_is_forgotten_after_issue(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.on_card(ADULT)
    assert flow.has_card and flow.holder_name == "李**" and flow.holder_id.startswith("110105*")
    assert not flow.green_eligible
    flow.choose_area("D")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None and flow.ticket["holder"] == "李**"
    assert not flow.has_card and flow.holder_name == "" and flow._card is None


def test_second_swipe_for_the_same_service_offers_a_reprint(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.on_card(ADULT)
    flow.choose_area("C")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    wait_printed(qtbot, kiosk)
    first = flow.ticket
    assert first is not None
    flow.on_card(ADULT)  # swiped again: starts over with the card
    assert flow.screen is Screen.START and flow.has_card
    flow.choose_area("C")
    flow.choose_matter(flow.area.matters[1])  # type: ignore[union-attr]
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.REPRINT)
    assert flow.ticket is not None and flow.ticket["id"] == first["id"]
    assert not flow.has_card
    kiosk.printer.state.clear()
    flow.reprint()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    wait_printed(qtbot, kiosk)
    assert first["number"].encode() in kiosk.printer.output


def test_green_channel_is_offered_to_the_elderly_only(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.on_card(ELDERLY)
    assert flow.green_eligible
    flow.choose_area("F")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket(green=True)
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None and flow.ticket["channel"] == "green"
    # A younger citizen asking for it anyway gets a normal ticket: the kiosk never sends it.
    flow.home()
    flow.on_card(ADULT)
    flow.choose_area("F")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket(green=True)
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None and flow.ticket["channel"] == "normal"


def test_help_me_issues_a_consultation_ticket(qtbot: Any, kiosk: Kiosk) -> None:
    kiosk.flow.help_me()
    assert kiosk.flow.screen is Screen.CONFIRM
    kiosk.flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert kiosk.flow.ticket is not None and kiosk.flow.ticket["number"] == "M001"


def test_search_then_ticket(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.open_search()
    flow.set_query("qykb")
    assert flow.results[0].name == "企业开办"
    flow.choose_matter(flow.results[0])
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None and flow.ticket["service"] == "B"


def test_back_walks_back_and_home_forgets_the_card(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.on_card(ADULT)
    flow.choose_area("A")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.back()
    assert flow.screen is Screen.AREA
    flow.back()
    assert flow.screen is Screen.START and flow.has_card  # 返回 keeps the swiped card
    flow.home()
    assert not flow.has_card


def test_idle_timeout_returns_to_start_and_forgets_everything(
    qtbot: Any, qapp: Any, hall_server: HallServerProcess
) -> None:
    kiosk = make_kiosk(hall_server, idle_timeout_s=0.2)
    flow = kiosk.flow
    flow.on_card(ADULT)
    flow.choose_area("A")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    wait_screen(qtbot, kiosk, Screen.START, timeout=3000)
    assert not flow.has_card and flow.matter is None
    kiosk.link.stop()
    kiosk.link.deleteLater()


def test_appointment_qr_issues_a_priority_ticket(qtbot: Any, kiosk: Kiosk) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    status, _ = kiosk.server.request(
        "POST",
        "/appointments",
        {
            "code": "YY0042",
            "service": "E",
            "slot_start": (now - dt.timedelta(minutes=10)).isoformat(),
            "slot_end": (now + dt.timedelta(minutes=20)).isoformat(),
        },
        device="manager-1",
    )
    assert status == 201
    kiosk.flow.on_scan("hallq:appt:YY0042")
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert kiosk.flow.ticket is not None
    assert kiosk.flow.ticket["channel"] == "appointment" and kiosk.flow.ticket["service"] == "E"
    wait_printed(qtbot, kiosk)
    # The same code again (bare, as some platforms print it): already used → reprint.
    kiosk.flow.on_scan("YY0042")
    wait_screen(qtbot, kiosk, Screen.REPRINT)


def test_unknown_appointment_and_foreign_codes_are_explained(qtbot: Any, kiosk: Kiosk) -> None:
    from kiosk import texts as T

    kiosk.flow.on_scan("NOSUCHCODE")
    wait_screen(qtbot, kiosk, Screen.MESSAGE)
    assert kiosk.flow.message == T.UNKNOWN_APPOINTMENT
    kiosk.flow.on_scan("https://example.org/health?code=abc")
    assert kiosk.flow.message == T.UNKNOWN_CODE
    kiosk.flow.on_scan("hallq:ticket:other-hall:abcdef")
    assert kiosk.flow.message == T.OTHER_HALL
    kiosk.flow.back()
    assert kiosk.flow.screen is Screen.START


def test_ticket_qr_shows_status_and_checks_in_after_no_show(qtbot: Any, kiosk: Kiosk) -> None:
    from kiosk.qrcodes import ticket_payload

    flow = kiosk.flow
    flow.choose_area("H")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None
    ticket_id, number = flow.ticket["id"], flow.ticket["number"]
    server = kiosk.server
    server.sign_in("7")
    status, body = server.request("POST", "/windows/7/call-next", {}, device="caller-7")
    assert status == 200 and body["ticket"]["id"] == ticket_id
    flow.home()
    flow.on_scan(ticket_payload("sample-hall", ticket_id))
    wait_screen(qtbot, kiosk, Screen.STATUS)
    assert flow.ticket["status"] == "called" and not flow.can_check_in
    status_text = flow.status_text()
    assert status_text is not None and "7号窗口" in status_text.zh
    for _ in range(2):
        assert server.request("POST", "/windows/7/recall", {}, device="caller-7")[0] == 200
    assert server.request("POST", "/windows/7/no-show", {}, device="caller-7")[0] == 200
    flow.home()
    flow.on_scan(ticket_payload("sample-hall", ticket_id) + " ")
    wait_screen(qtbot, kiosk, Screen.STATUS)
    assert flow.can_check_in
    kiosk.printer.state.clear()
    flow.check_in()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None and flow.ticket["status"] == "waiting"
    wait_printed(qtbot, kiosk)
    assert number.encode() in kiosk.printer.output


def test_printer_out_of_paper_shows_ticket_and_tells_the_hall(qtbot: Any, kiosk: Kiosk) -> None:
    kiosk.printer.set_status(PrinterStatus.PAPER_OUT)
    flow = kiosk.flow
    flow.help_me()
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    qtbot.waitUntil(lambda: flow.print_state == "failed", timeout=8000)
    assert flow.ticket is not None and flow.ticket["number"] == "M001"

    def reported() -> bool:
        _, body = kiosk.server.request("GET", "/devices", device="manager-1")
        me = next(d for d in body["devices"] if d["id"] == "kiosk-1")
        return me["state"] == "degraded" and me["detail"] == "printer: paper out"

    qtbot.waitUntil(reported, timeout=8000)
    # Paper back in: the next ticket prints and the hall hears the kiosk is fine again.
    kiosk.printer.set_status(PrinterStatus.OK)
    flow.home()
    flow.help_me()
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    wait_printed(qtbot, kiosk)

    def recovered() -> bool:
        _, body = kiosk.server.request("GET", "/devices", device="manager-1")
        return next(d for d in body["devices"] if d["id"] == "kiosk-1")["state"] == "ok"

    qtbot.waitUntil(recovered, timeout=8000)


def test_server_down_never_prints_and_retry_gives_one_ticket(qtbot: Any, kiosk: Kiosk) -> None:
    from kiosk import texts as T

    flow = kiosk.flow
    server = kiosk.server
    server.kill()
    flow.choose_area("G")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.MESSAGE, timeout=20000)
    assert flow.message == T.NETWORK_ERROR and flow.can_retry
    assert kiosk.printer.output == b"" and flow.ticket is None
    server.restart()
    flow.retry()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    first = flow.ticket
    assert first is not None and first["number"] == "G001"
    wait_printed(qtbot, kiosk)


def test_retry_with_the_same_key_after_a_lost_answer_gives_the_same_ticket(
    qtbot: Any, kiosk: Kiosk
) -> None:
    """The server issued the ticket but the answer was lost: retry must not issue another."""
    flow = kiosk.flow
    flow.choose_area("J")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    body = {"service": "J", "matter": flow.matter.name}  # type: ignore[union-attr]
    # Reproduce "answer lost": the same key the kiosk will use reaches the server first.
    flow._issue(body)
    key = flow._pending[1]  # type: ignore[index]
    wait_screen(qtbot, kiosk, Screen.TICKET)
    first = flow.ticket
    flow._pending = (body, key)
    flow._go(Screen.CONFIRM)
    flow.retry()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.ticket is not None and first is not None
    assert flow.ticket["id"] == first["id"]
    _, queues = kiosk.server.request("GET", "/queues", device="kiosk-1")
    assert next(q for q in queues["queues"] if q["service"] == "J")["waiting"] == 1


def test_photo_is_offered_only_for_photo_matters(qtbot: Any, kiosk: Kiosk) -> None:
    flow = kiosk.flow
    flow.choose_area("C")
    matter = next(m for m in flow.area.matters if m.name == PHOTO_MATTER)  # type: ignore[union-attr]
    flow.choose_matter(matter)
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert flow.photo_offered
    flow.home()
    flow.help_me()
    flow.take_ticket()
    wait_screen(qtbot, kiosk, Screen.TICKET)
    assert not flow.photo_offered
