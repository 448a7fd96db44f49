from tests.support.server import HallServerProcess


def test_issue_and_call(hall_server: HallServerProcess) -> None:
    status, body = hall_server.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
    assert status == 201 and body["ticket"]["number"] == "A001"
    hall_server.sign_in("1")
    status, body = hall_server.request("POST", "/windows/1/call-next", device="caller-1")
    assert status == 200 and body["ticket"]["number"] == "A001"
