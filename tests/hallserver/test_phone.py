"""The citizen's phone page, in a real headless Chromium against a real hall server."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devices.printer import QrBlock
from kiosk.catalogue import Catalogue
from kiosk.printing import ticket_layout
from kiosk.qrcodes import TicketCode, parse_scan
from terminal.hall import HallInfo
from tests.support.server import SAMPLE, HallServerProcess


def test_the_phone_page_follows_the_ticket_until_it_is_called(hall_server, page) -> None:  # type: ignore[no-untyped-def]
    server: HallServerProcess = hall_server
    status, body = server.request(
        "POST",
        "/tickets",
        {"service": "K", "id_number": "11010519491231002X", "name": "欧阳娜娜"},
        device="kiosk-1",
    )
    assert status == 201
    ticket = body["ticket"]
    for _ in range(4):  # four more behind: the page's ticket is first in line
        server.request("POST", "/tickets", {"service": "K"}, device="kiosk-1")
    status, public = server.request("GET", f"/tickets/{ticket['id']}/public")
    assert status == 200 and public["ticket"]["ahead"] == 0
    assert "欧阳" not in json.dumps(public) and "holder" not in public["ticket"]
    assert server.request("GET", "/tickets/nope/public")[0] == 404

    page.add_init_script(  # the test phone counts its buzzes
        "navigator.vibrate = (p) => { (window.buzzes = window.buzzes || []).push(p); return 1; };"
    )
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{server.url}/t/{ticket['id']}")
    page.wait_for_selector("#state:has-text('前面还有 0 人')")
    assert page.inner_text("#number") == ticket["number"]
    assert "欧阳" not in page.content() and "1101" not in page.content()
    assert page.evaluate("window.buzzes.length") == 1  # three or fewer ahead: the phone buzzes

    server.sign_in("9")
    server.request("POST", "/windows/9/call-next", device="caller-9")
    page.wait_for_selector("#state.called", timeout=15_000)
    assert page.inner_text("#state").startswith("请到 9号窗口")
    assert page.evaluate("window.buzzes.length") == 2  # called: it buzzes again
    page.screenshot(path=str(server.db.parent / "phone.png"))

    assert server.request("GET", "/t/nope")[0] == 404


def test_the_printed_qr_opens_the_phone_page_over_plain_http(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    """The hall serves HTTPS (self-signed); the phone page alone also on --phone-port."""
    with socket.socket() as s:  # the port the hall's phones are told, known before the start
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = tmp_path / "hall.toml"
    config.write_text(
        SAMPLE.read_text(encoding="utf-8").replace(
            "[hall]\n", f'[hall]\nphone_url = "http://127.0.0.1:{port}"\n', 1
        ),
        encoding="utf-8",
    )
    server = HallServerProcess(
        db=tmp_path / "hall.db", config=config, tls=True, extra_args=["--phone-port", str(port)]
    )
    server.pair_all()
    server.start()
    try:
        status, hall = server.request("GET", "/hall", device="kiosk-1")
        assert status == 200 and hall["phone_url"] == f"http://127.0.0.1:{port}"
        status, body = server.request("POST", "/tickets", {"service": "K"}, device="kiosk-1")
        assert status == 201
        ticket = body["ticket"]
        catalogue = Catalogue.from_hall(HallInfo.from_json(hall))
        (qr,) = [b for b in ticket_layout(ticket, catalogue, "zh") if isinstance(b, QrBlock)]
        qr_host = f"http://127.0.0.1:{port}"
        assert qr.payload == f"{qr_host}/t/{ticket['id']}"
        assert parse_scan(qr.payload, hall["id"], hall["phone_url"]) == TicketCode(
            hall["id"], ticket["id"]
        )

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(qr.payload)  # what the citizen's phone opens
        page.wait_for_selector("#state:has-text('前面还有 0 人')")
        assert page.inner_text("#number") == ticket["number"]
        page.screenshot(path=str(tmp_path / "phone-link.png"))

        for method, path in [("GET", "/api/v1/hall"), ("POST", "/api/v1/tickets"), ("GET", "/")]:
            request = urllib.request.Request(f"{qr_host}{path}", method=method, data=b"{}")
            with pytest.raises(urllib.error.HTTPError) as refused:  # the rest stays on HTTPS
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code in (404, 405)
    finally:
        server.stop()
