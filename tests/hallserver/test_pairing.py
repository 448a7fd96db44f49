"""Pairing a terminal: the rules (pure, frozen clock) and the two API routes on a real server."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from hallserver.domain.errors import Conflict, NotFound, Unprocessable
from hallserver.domain.pairing import (
    MAX_OPEN,
    OPEN_FOR,
    Attempts,
    Pairings,
    TooManyRequests,
    code_of,
    shown,
)
from tests.support.server import HallServerProcess

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def book(codes: list[str] | None = None) -> Pairings:
    """Pairings whose codes come from `codes` (then 100000, 100001, …) and ids r1, r2, …"""
    source = itertools.chain(codes or [], (str(n) for n in itertools.count(100000)))
    ids = (f"r{n}" for n in itertools.count(1))
    return Pairings(new_code=lambda: next(source), new_id=lambda: next(ids))


def test_a_typed_code_may_carry_spaces_or_a_dash_but_has_six_digits() -> None:
    assert code_of("482 913") == code_of("482-913") == code_of(" 482913 ") == "482913"
    assert code_of("48291") is None and code_of("4829134") is None
    assert code_of("48291a") is None and code_of("４８２９１３") is None  # full-width: refused
    assert shown("482913") == "482 913"


def test_codes_are_unique_among_the_open_requests() -> None:
    pairings = book(["111111", "111111", "222222"])
    first = pairings.open("kiosk", "pc-1", "", "h1", "10.0.0.1", T0)
    second = pairings.open("caller", "pc-2", "", "h2", "10.0.0.2", T0)
    assert (first.code, second.code) == ("111111", "222222")


def test_kind_and_host_are_checked() -> None:
    pairings = book()
    with pytest.raises(Unprocessable):
        pairings.open("manager", "pc", "", "h", "a", T0)
    for host in ("", "x" * 65, "<b>pc</b>", "pc\n"):
        with pytest.raises(Unprocessable):
            pairings.open("kiosk", host, "", "h", "a", T0)
    assert pairings.requests == {}


def test_opening_is_limited_per_address_and_in_all() -> None:
    pairings = book()
    for _ in range(10):
        pairings.open("kiosk", "pc", "", "h", "10.0.0.9", T0)
    with pytest.raises(TooManyRequests):
        pairings.open("kiosk", "pc", "", "h", "10.0.0.9", T0)
    pairings.open("kiosk", "pc", "", "h", "10.0.0.8", T0)  # another terminal is not held up
    later = T0 + dt.timedelta(minutes=10)  # the ten have expired and the window has passed
    pairings.open("kiosk", "pc", "", "h", "10.0.0.9", later)
    for n in range(MAX_OPEN - 1):
        pairings.open("kiosk", "pc", "", "h", f"10.1.{n}.1", later)
    with pytest.raises(TooManyRequests):
        pairings.open("kiosk", "pc", "", "h", "10.2.0.1", later)


def test_a_request_expires_after_ten_minutes() -> None:
    pairings = book()
    r = pairings.open("kiosk", "pc", "", "h", "a", T0)
    assert [p.id for p in pairings.pending(T0 + OPEN_FOR - dt.timedelta(seconds=1))] == [r.id]
    assert pairings.pending(T0 + OPEN_FOR) == []
    with pytest.raises(NotFound):
        pairings.collect(r.id, "h", T0 + OPEN_FOR)
    with pytest.raises(NotFound):
        pairings.find("boss", r.code, T0 + OPEN_FOR)


def test_approval_hands_the_token_to_the_secret_only() -> None:
    pairings = book()
    r = pairings.open("kiosk", "pc", "kiosk-2", "secret-hash", "a", T0)
    found = pairings.find("boss", shown(r.code), T0, role="kiosk")
    assert found is r and not r.approved
    pairings.approve(r, "kiosk-2", "the-token", T0)
    assert pairings.pending(T0) == []  # no longer waiting for a manager
    with pytest.raises(NotFound):
        pairings.collect(r.id, "another-hash", T0)  # the id and code alone get nothing
    got = pairings.collect(r.id, "secret-hash", T0)
    assert (got.device, got.token) == ("kiosk-2", "the-token")
    assert pairings.collect(r.id, "secret-hash", T0).token == "the-token"  # a lost answer: again
    with pytest.raises(Conflict):
        pairings.approve(r, "kiosk-1", "other", T0)
    with pytest.raises(NotFound):
        pairings.find("boss", r.code, T0)  # approved: its code no longer matches anything


def test_the_terminal_kind_must_match_the_device_chosen() -> None:
    pairings = book()
    r = pairings.open("caller", "pc", "", "h", "a", T0)
    with pytest.raises(Unprocessable) as refused:
        pairings.find("boss", r.code, T0, role="kiosk")
    assert refused.value.code == "wrong_kind"


def test_wrong_codes_are_limited_per_manager() -> None:
    pairings = book()
    r = pairings.open("kiosk", "pc", "", "h", "a", T0)
    with pytest.raises(Unprocessable):
        pairings.find("boss", "12345", T0)  # not a code: not counted as a guess
    for _ in range(5):
        with pytest.raises(NotFound):
            pairings.find("boss", "999999", T0)
    with pytest.raises(TooManyRequests) as held:
        pairings.find("boss", r.code, T0 + dt.timedelta(minutes=1))  # even the right one
    assert held.value.details["wait_s"] == 9 * 60
    assert pairings.find("duty", r.code, T0) is r  # another manager is not held up
    later = pairings.open("kiosk", "pc", "", "h", "a", T0 + dt.timedelta(minutes=5))
    assert pairings.find("boss", later.code, T0 + dt.timedelta(minutes=10)) is later


def test_attempts_slide() -> None:
    limit = Attempts(2, dt.timedelta(seconds=60))
    limit.count("k", T0)
    limit.count("k", T0 + dt.timedelta(seconds=30))
    assert not limit.allowed("k", T0 + dt.timedelta(seconds=59))
    assert limit.wait_s("k", T0 + dt.timedelta(seconds=50)) == 10
    assert limit.allowed("k", T0 + dt.timedelta(seconds=60))
    limit.forget(T0 + dt.timedelta(seconds=90))
    assert limit._seen == {}  # an address seen once is not kept for ever


# ----- the routes ---------------------------------------------------------------------------


def test_the_routes_open_and_answer_a_pairing_request(hall_server: HallServerProcess) -> None:
    s = hall_server
    status, body = s.request("POST", "/pairings", {"kind": "display", "host": "wall-pc"})
    assert status == 201, body
    p = body["pairing"]
    assert len(p["code"]) == 6 and p["code"].isdigit() and p["status"] == "pending"
    assert len(p["secret"]) >= 40
    mine = {"Authorization": f"Bearer {p['secret']}"}
    status, body = s.request("GET", f"/pairings/{p['id']}", headers=mine)
    assert status == 200 and body["pairing"]["status"] == "pending"
    assert "secret" not in body["pairing"] and "token" not in body["pairing"]
    assert s.request("GET", f"/pairings/{p['id']}")[0] == 401
    wrong = {"Authorization": f"Bearer {p['code']}"}  # the code is not the key
    status, body = s.request("GET", f"/pairings/{p['id']}", headers=wrong)
    assert status == 404 and body["error"]["code"] == "unknown_pairing"
    assert s.request("GET", f"/pairings/{p['id']}?wait=26", headers=mine)[0] == 400
    status, body = s.request("POST", "/pairings", {"kind": "manager", "host": "x"})
    assert status == 422
    assert s.request("POST", "/pairings", {"kind": "kiosk"})[0] == 400
    # A device token is no pairing's secret either.
    token = {"Authorization": f"Bearer {s.tokens['manager-1']}"}
    assert s.request("GET", f"/pairings/{p['id']}", headers=token)[0] == 404


def test_a_poll_is_held_then_answered_still_pending(hall_server: HallServerProcess) -> None:
    s = hall_server
    _, body = s.request("POST", "/pairings", {"kind": "kiosk", "host": "pc"})
    p = body["pairing"]
    mine = {"Authorization": f"Bearer {p['secret']}"}
    status, body = s.request("GET", f"/pairings/{p['id']}?wait=1", headers=mine)
    assert status == 200 and body["pairing"]["status"] == "pending"


def test_pairing_requests_from_one_address_are_rate_limited(hall_server: HallServerProcess) -> None:
    statuses = [
        hall_server.request("POST", "/pairings", {"kind": "kiosk", "host": f"pc{n}"})[0]
        for n in range(12)
    ]
    assert statuses.count(201) == 10 and statuses[-1] == 429
