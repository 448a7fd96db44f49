"""The API contract route by route: status codes and bodies (API.md)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator

import aiohttp
import pytest

from tests.support.server import HallServerProcess

OLD = "11010519491231002X"
KIOSK, MANAGER = "kiosk-1", "manager-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServerProcess]:
    s = HallServerProcess(db=tmp_path_factory.mktemp("api") / "hall.db")
    s.pair_all()
    s.start()
    for w in ("1", "4", "7", "8", "9", "10", "11"):
        s.sign_in(w)
    yield s
    s.kill()


def err(body: dict) -> str:
    return body["error"]["code"]


def drain(server: HallServerProcess, window: str) -> None:
    """Leave a window idle with an empty queue."""
    while True:
        status, body = server.request(
            "POST", f"/windows/{window}/call-next", device=f"caller-{window}"
        )
        if status == 409 and err(body) == "busy":
            server.request("POST", f"/windows/{window}/finish", device=f"caller-{window}")
            continue
        assert status == 200, body
        if body["ticket"] is None:
            return
        server.request("POST", f"/windows/{window}/finish", device=f"caller-{window}")


def test_public_routes(server: HallServerProcess) -> None:
    status, body = server.request("GET", "/health")
    assert status == 200 and body["status"] == "ok" and isinstance(body["seq"], int)
    status, body = server.request("GET", "/hall")
    assert status == 200 and body["id"] == "sample-hall"
    assert {"code", "name", "name_en", "matters"} <= set(body["services"][0])
    assert {"id", "name", "kind", "services"} <= set(body["windows"][0])
    status, spec = server.request("GET", "/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.1")
    for path in (
        "/api/v1/tickets",
        "/api/v1/windows/{w}/call-next",
        "/api/v1/events",
        "/api/v1/stats",
        "/api/v1/tickets/{id}/photo",
    ):
        assert path in spec["paths"]


def test_openapi_lists_every_route() -> None:
    from hallserver.app import routes
    from hallserver.openapi import openapi

    served = {(r.path, r.method.lower()) for r in routes if r.method != "HEAD"}
    documented = {(p, m) for p, ops in openapi()["paths"].items() for m in ops}
    assert served == documented


def test_auth_and_roles(server: HallServerProcess) -> None:
    status, body = server.request("GET", "/queues")
    assert status == 401 and err(body) == "unauthorized"
    status, body = server.request("GET", "/queues", headers={"Authorization": "Bearer nope"})
    assert status == 401
    status, body = server.request("GET", "/queues", headers={"Authorization": "Basic x"})
    assert status == 401
    status, body = server.request("POST", "/windows/1/call-next", device=KIOSK)
    assert status == 403 and err(body) == "forbidden"
    status, body = server.request("POST", "/windows/1/call-next", device="caller-2")
    assert status == 403
    status, body = server.request("POST", "/tickets", {"service": "A"}, device="caller-1")
    assert status == 403
    status, body = server.request("GET", "/stats", device=KIOSK)
    assert status == 403
    status, body = server.request("GET", "/stats", device="caller-1")
    assert status == 403
    assert server.request("GET", "/stats", device="display-supervision")[0] == 200
    status, body = server.request("POST", "/windows/99/call-next", device=MANAGER)
    assert status == 404 and err(body) == "unknown_window"
    status, body = server.request("GET", "/nowhere")
    assert status == 404 and err(body) == "not_found"


def test_issue_ticket(server: HallServerProcess) -> None:
    status, body = server.request(
        "POST",
        "/tickets",
        {"service": "J", "matter": "网约车驾驶员证", "id_number": OLD, "name": "张三"},
        device=KIOSK,
    )
    assert status == 201
    t = body["ticket"]
    assert t["number"].startswith("J") and len(t["number"]) == 4
    assert t["status"] == "waiting" and t["channel"] == "normal" and t["holder"] == "张*"
    assert t["ahead"] == 0 and t["estimated_wait_s"] == 0 and t["window"] is None
    assert OLD not in json.dumps(body)
    status, body = server.request(
        "POST", "/tickets", {"service": "J", "id_number": OLD}, device=KIOSK
    )
    assert status == 409 and err(body) == "already_waiting"
    assert body["ticket"]["id"] == t["id"]  # for the reprint
    status, body = server.request("GET", f"/tickets/{t['id']}", device="display-hall")
    assert status == 200 and body["ticket"]["number"] == t["number"]
    status, body = server.request("GET", "/tickets/not-a-ticket", device=KIOSK)
    assert status == 404 and err(body) == "unknown_ticket"


def test_issue_is_idempotent(server: HallServerProcess) -> None:
    key = {"Idempotency-Key": "kiosk-retry-1"}
    s1, b1 = server.request("POST", "/tickets", {"service": "K"}, device=KIOSK, headers=key)
    s2, b2 = server.request("POST", "/tickets", {"service": "K"}, device=KIOSK, headers=key)
    assert (s1, s2) == (201, 200) and b1["ticket"]["id"] == b2["ticket"]["id"]


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b'{"service": 7}', 400, "invalid_field"),
        (b'{"service": true}', 400, "invalid_field"),
        (b"{}", 400, "missing_field"),
        (b'{"service": "Z"}', 422, "unknown_service"),
        (b'{"service": "A", "matter": "not a matter"}', 422, "unknown_matter"),
        (b'{"service": "A", "id_number": "110105194912310021"}', 422, "invalid_id_number"),
        (b'{"service": "A", "channel": "vip"}', 400, "invalid_channel"),
        (b'{"service": "\\u0000\\u202e"}', 422, "unknown_service"),
        (b'{"service": "A", "appointment": "no-such-code"}', 404, "unknown_appointment"),
        (b'{"service": "' + b"A" * 5000 + b'"}', 400, "invalid_field"),
        (b'{"x": "' + b"y" * 70_000 + b'"}', 413, "body_too_large"),
        (b"\xff\xfe\x00garbage", 400, "invalid_json"),
    ],
)
def test_bad_ticket_requests_get_clear_errors(
    server: HallServerProcess, raw: bytes, status: int, code: str
) -> None:
    got, body = server.request(
        "POST", "/tickets", raw=raw, device=MANAGER, headers={"Content-Type": "application/json"}
    )
    assert (got, err(body)) == (status, code)
    assert "Traceback" not in body["error"]["message"]


def test_green_channel_policy(server: HallServerProcess) -> None:
    status, body = server.request(
        "POST", "/tickets", {"service": "E", "channel": "green"}, device=KIOSK
    )
    assert status == 422 and err(body) == "green_not_allowed"
    status, body = server.request(
        "POST", "/tickets", {"service": "E", "channel": "green", "id_number": OLD}, device=KIOSK
    )
    assert status == 201 and body["ticket"]["channel"] == "green"
    status, body = server.request(
        "POST", "/tickets", {"service": "E", "channel": "green"}, device=MANAGER
    )
    assert status == 201 and body["ticket"]["channel"] == "green"


def test_window_day(server: HallServerProcess) -> None:
    drain(server, "7")
    c = "caller-7"
    status, body = server.request("POST", "/windows/7/call-next", device=c)
    assert status == 200 and body == {"ticket": None}
    _, issued = server.request("POST", "/tickets", {"service": "H"}, device=MANAGER)
    tid = issued["ticket"]["id"]
    status, body = server.request("POST", "/windows/7/call-next", device=c)
    assert status == 200 and body["ticket"]["id"] == tid and body["ticket"]["status"] == "called"
    assert body["ticket"]["window"] == "7" and body["ticket"]["ahead"] is None
    status, body = server.request("POST", "/windows/7/call-next", device=c)
    assert status == 409 and err(body) == "busy"
    status, body = server.request("POST", "/windows/7/recall", device=c)
    assert status == 200 and body["ticket"]["recalls"] == 1
    status, body = server.request("POST", f"/tickets/{tid}/evaluation", {"score": 5}, device=c)
    assert status == 422 and err(body) == "not_finished"
    status, body = server.request("POST", "/windows/7/start", device=c)
    assert status == 200 and body["ticket"]["status"] == "serving"
    status, body = server.request("POST", "/windows/7/start", device=c)
    assert status == 409
    status, body = server.request("POST", "/windows/7/finish", device=c)
    assert status == 200 and body["ticket"]["status"] == "done"
    status, body = server.request("POST", "/windows/7/finish", device=c)
    assert status == 409 and err(body) == "no_current_ticket"
    status, body = server.request("POST", f"/tickets/{tid}/evaluation", {"score": 1}, device=c)
    assert status == 422 and err(body) == "reason_required"
    status, body = server.request("POST", f"/tickets/{tid}/evaluation", {"score": "5"}, device=c)
    assert status == 400
    status, body = server.request(
        "POST",
        f"/tickets/{tid}/evaluation",
        {"score": 2, "reasons": ["效率", "attitude"]},
        device="caller-8",
    )
    assert status == 403
    status, body = server.request(
        "POST",
        f"/tickets/{tid}/evaluation",
        {"score": 2, "reasons": ["效率", "attitude"]},
        device=c,
    )
    assert status == 200 and body["ticket"]["score"] == 2
    status, body = server.request("POST", f"/tickets/{tid}/evaluation", {"score": 5}, device=c)
    assert status == 409 and err(body) == "already_evaluated"


def test_no_show_and_check_in(server: HallServerProcess) -> None:
    drain(server, "8")
    _, issued = server.request("POST", "/tickets", {"service": "J"}, device=MANAGER)
    tid = issued["ticket"]["id"]
    server.request("POST", "/windows/8/call-next", device="caller-8")
    status, body = server.request("POST", "/windows/8/no-show", device="caller-8")
    assert status == 200 and body["ticket"]["status"] == "no_show"
    status, body = server.request("POST", f"/tickets/{tid}/check-in", device="caller-8")
    assert status == 403
    status, body = server.request("POST", f"/tickets/{tid}/check-in", device=KIOSK)
    assert status == 200 and body["ticket"]["status"] == "waiting"
    status, body = server.request("POST", f"/tickets/{tid}/check-in", device=KIOSK)
    assert status == 409


def test_transfer_pause_resume(server: HallServerProcess) -> None:
    drain(server, "9")
    drain(server, "10")
    server.request("POST", "/tickets", {"service": "K"}, device=MANAGER)
    server.request("POST", "/windows/9/call-next", device="caller-9")
    status, body = server.request(
        "POST", "/windows/9/transfer", {"window": "10"}, device="caller-9"
    )
    assert status == 200 and body["ticket"]["status"] == "waiting"
    assert body["ticket"]["transferred_from"] == "9" and body["ticket"]["service"] == "L"
    status, body = server.request(
        "POST", "/windows/9/transfer", {"service": "A"}, device="caller-9"
    )
    assert status == 409 and err(body) == "no_current_ticket"
    for bad in ({"minutes": 0}, {"minutes": 481}, {"minutes": "20"}, {"minutes": 1.5}):
        status, body = server.request("POST", "/windows/10/pause", bad, device="caller-10")
        assert status == 400 and err(body) == "invalid_field", bad
    status, body = server.request(
        "POST", "/windows/10/pause", {"reason": "会议", "minutes": 30}, device="caller-10"
    )
    assert status == 200 and body["window"]["status"] == "paused"
    paused_at = dt.datetime.fromisoformat(body["window"]["paused_at"])
    back_at = dt.datetime.fromisoformat(body["window"]["back_at"])
    assert back_at - paused_at == dt.timedelta(minutes=30)
    status, body = server.request("POST", "/windows/10/call-next", device="caller-10")
    assert status == 409 and err(body) == "window_paused"
    status, body = server.request("POST", "/windows/10/resume", device="caller-10")
    assert status == 200 and body["window"]["status"] == "open"
    status, body = server.request("POST", "/windows/10/call-next", device="caller-10")
    assert body["ticket"]["transferred_from"] == "9"
    status, body = server.request(
        "POST", "/windows/10/transfer", {"service": "nope"}, device="caller-10"
    )
    assert status == 422 and err(body) == "unknown_service"
    status, body = server.request("POST", "/windows/10/transfer", {}, device="caller-10")
    assert status == 400
    server.request("POST", "/windows/10/finish", device="caller-10")


def test_sessions(server: HallServerProcess) -> None:
    status, body = server.request("POST", "/windows/5/call-next", device="caller-5")
    assert status == 409 and err(body) == "no_clerk"
    status, body = server.request(
        "POST", "/windows/5/session", {"clerk": "clerk-5", "pin": "0"}, device="caller-5"
    )
    assert status == 403 and err(body) == "invalid_credentials"
    status, body = server.request(
        "POST", "/windows/5/session", {"clerk": "clerk-5"}, device="caller-5"
    )
    assert status == 400
    status, body = server.request(
        "POST", "/windows/5/session", {"clerk": "clerk-5", "pin": "1234"}, device="caller-5"
    )
    assert status == 200 and body["window"]["clerk_name"] and body["window"]["status"] == "open"
    status, body = server.request("DELETE", "/windows/5/session", device="caller-5")
    assert status == 200 and body["window"]["status"] == "closed"
    for _ in range(5):
        server.request(
            "POST", "/windows/6/session", {"clerk": "clerk-6", "pin": "9"}, device="caller-6"
        )
    status, body = server.request(
        "POST", "/windows/6/session", {"clerk": "clerk-6", "pin": "1234"}, device="caller-6"
    )
    assert status == 429 and err(body) == "rate_limited"


def test_appointments(server: HallServerProcess) -> None:
    now = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai"))
    booking = {
        "code": "YY-0001",
        "service": "B",
        "slot_start": now.isoformat(),
        "slot_end": (now + dt.timedelta(minutes=30)).isoformat(),
        "id_number": OLD,
        "name": "李四",
    }
    status, body = server.request("POST", "/appointments", booking, device=KIOSK)
    assert status == 403
    status, body = server.request("POST", "/appointments", booking, device=MANAGER)
    assert status == 201 and body["appointment"]["holder"] == "李*"
    assert body["appointment"]["valid"] is True
    status, body = server.request("POST", "/appointments", booking, device=MANAGER)
    assert status == 409 and err(body) == "duplicate_code"
    status, body = server.request(
        "POST", "/appointments", {**booking, "code": "x", "slot_start": "soon"}, device=MANAGER
    )
    assert status == 400
    bad_id = {**booking, "code": "YY-0002", "id_number": OLD[:-1] + "1"}
    status, body = server.request("POST", "/appointments", bad_id, device=MANAGER)
    assert status == 422 and err(body) == "invalid_id_number"
    status, body = server.request("GET", "/appointments/YY-0001", device=KIOSK)
    assert status == 200 and OLD not in json.dumps(body)
    # The card swiped with the booking is the booking's holder: one hash for both.
    swipe = {"appointment": "YY-0001", "id_number": OLD.lower()}
    status, body = server.request("POST", "/tickets", swipe, device=KIOSK)
    assert status == 201 and body["ticket"]["channel"] == "appointment"
    assert body["ticket"]["service"] == "B" and body["ticket"]["holder"] == "李*"
    status, body = server.request("GET", "/appointments/YY-0001", device=KIOSK)
    assert body["appointment"]["valid"] is False
    status, body = server.request("GET", "/appointments/nope", device=KIOSK)
    assert status == 404


def test_devices_queues_windows_stats(server: HallServerProcess) -> None:
    status, body = server.request(
        "POST",
        "/devices/me/status",
        {"state": "degraded", "detail": "printer: paper out"},
        device="kiosk-2",
    )
    assert status == 200
    status, body = server.request(
        "POST", "/devices/me/status", {"state": "on fire"}, device="kiosk-2"
    )
    assert status == 400
    status, body = server.request("GET", "/devices", device=MANAGER)
    kiosk2 = next(d for d in body["devices"] if d["id"] == "kiosk-2")
    assert kiosk2["state"] == "degraded" and kiosk2["paired"] and kiosk2["last_seen"]
    status, body = server.request("GET", "/devices/me", device="display-enterprise")
    assert body["role"] == "display" and body["services"] == ["A", "B", "F", "G"]
    status, body = server.request("GET", "/queues", device="display-hall")
    assert status == 200 and {q["service"] for q in body["queues"]} >= {"A", "M"}
    assert {"service", "waiting", "estimated_wait_s"} <= set(body["queues"][0])
    status, body = server.request("GET", "/windows", device="display-hall")
    w1 = next(w for w in body["windows"] if w["id"] == "1")
    assert w1["status"] == "open" and w1["clerk_name"]
    status, body = server.request("GET", "/stats", device=MANAGER)
    assert status == 200
    assert {
        "issued",
        "served",
        "no_show",
        "avg_wait_s",
        "avg_service_s",
        "estimate_error_s",
        "estimate_bias_s",
        "satisfaction_rate",
        "by_service",
        "by_window",
    } <= set(body)
    assert body["issued"] >= 1
    status, body = server.request("GET", "/stats?date=yesterday", device=MANAGER)
    assert status == 400


def test_photo(server: HallServerProcess) -> None:
    _, issued = server.request("POST", "/tickets", {"service": "C"}, device=MANAGER)
    tid = issued["ticket"]["id"]
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 1000
    status, body = server.request(
        "PUT",
        f"/tickets/{tid}/photo",
        raw=b"GIF89a",
        device=KIOSK,
        headers={"Content-Type": "image/jpeg"},
    )
    assert status == 422 and err(body) == "not_jpeg"
    status, body = server.request(
        "PUT",
        f"/tickets/{tid}/photo",
        raw=b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024),
        device=KIOSK,
        headers={"Content-Type": "image/jpeg"},
    )
    assert status == 413
    status, body = server.request(
        "PUT",
        f"/tickets/{tid}/photo",
        raw=jpeg,
        device=KIOSK,
        headers={"Content-Type": "image/jpeg"},
    )
    assert status == 200
    status, body = server.request("GET", f"/tickets/{tid}/photo", device=MANAGER)
    assert status == 200 and body == jpeg
    status, body = server.request("GET", f"/tickets/{tid}/photo", device="caller-4")
    assert status == 403  # only once window 4 serves it
    status, body = server.request("GET", f"/tickets/{tid}/photo", device=KIOSK)
    assert status == 403


def test_kiosk_rate_limit(server: HallServerProcess) -> None:
    codes = [
        server.request("POST", "/tickets", {"service": "M"}, device="kiosk-2")[0] for _ in range(65)
    ]
    # The bucket refills one a second: a slow machine may earn a ticket more while sending.
    assert codes[:60] == [201] * 60 and codes[-1] == 429
    assert server.request("POST", "/tickets", {"service": "M"}, device=MANAGER)[0] == 201


async def _events(url: str, token: str, since: int | None, count: int) -> list[dict]:
    q = "" if since is None else f"?since={since}"
    got: list[dict] = []
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(f"{url}/api/v1/events{q}", headers={"Authorization": f"Bearer {token}"}) as ws,
    ):
        while len(got) < count:
            msg = await asyncio.wait_for(ws.receive(), 10)
            assert msg.type == aiohttp.WSMsgType.TEXT
            got.append(json.loads(msg.data))
    return got


def test_events_replay_then_live(server: HallServerProcess) -> None:
    _, health = server.request("GET", "/health")
    last = health["seq"]
    events = asyncio.run(_events(server.url, server.tokens["display-hall"], 0, last))
    assert [e["seq"] for e in events] == list(range(1, last + 1))
    assert all(set(e) == {"seq", "type", "at", "data"} for e in events)
    assert events[0]["type"] == "window.opened"

    async def replay_and_live() -> list[dict]:
        task = asyncio.create_task(_events(server.url, server.tokens[KIOSK], last - 2, 4))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(
            server.request, "POST", "/tickets", {"service": "F"}, device=MANAGER
        )
        await asyncio.to_thread(
            server.request, "POST", "/devices/me/status", {"state": "ok"}, device=KIOSK
        )
        return await task

    got = asyncio.run(replay_and_live())
    assert [e["seq"] for e in got] == [last - 1, last, last + 1, last + 2]
    assert got[2]["type"] == "ticket.issued" and got[3]["type"] == "device.status"
    text = json.dumps(events, ensure_ascii=False)
    assert OLD not in text and "张三" not in text and "李四" not in text


def test_events_bad_requests(server: HallServerProcess) -> None:
    status, _ = server.request("GET", "/events?since=abc", device=KIOSK)
    assert status == 400
    status, _ = server.request("GET", "/events")
    assert status == 401
