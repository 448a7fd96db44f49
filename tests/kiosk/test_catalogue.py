"""Matter search and the QR payloads: pure, no Qt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.catalogue import Catalogue
from kiosk.qrcodes import AppointmentCode, TicketCode, UnknownCode, parse_scan, ticket_payload
from terminal.hall import HallInfo


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    from hallserver.config import load_config

    settings = load_config(Path(__file__).resolve().parents[2] / "assets/halls/sample.toml")
    hall = {
        "id": settings.id,
        "name": settings.name,
        "name_en": settings.name_en,
        "services": [
            {"code": s.code, "name": s.name, "name_en": s.name_en, "matters": list(s.matters)}
            for s in settings.services
        ],
        "windows": [{"id": w.id, "name": w.name} for w in settings.windows],
    }
    return Catalogue.from_hall(HallInfo.from_json(json.loads(json.dumps(hall))))


def test_areas_leave_out_the_consultation_service(catalogue: Catalogue) -> None:
    codes = [a.code for a in catalogue.areas]
    assert "M" not in codes and "A" in codes and "L" in codes
    assert catalogue.consultation is not None
    assert catalogue.consultation.matters[0].name.startswith("我不知道")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("qykb", "企业开办"),
        ("QYKB", "企业开办"),
        ("q y k b", "企业开办"),
        ("gjj", "公积金提取"),
        ("shebao", "社会保障卡申领"),
        ("身份证", "居民身份证换领"),
        ("ems", "EMS代寄"),
    ],
)
def test_search_finds_by_initials_pinyin_and_chinese(
    catalogue: Catalogue, query: str, expected: str
) -> None:
    assert expected in [m.name for m in catalogue.search(query)]


def test_search_ranks_own_name_before_area_hits(catalogue: Catalogue) -> None:
    found = catalogue.search("qykb")
    assert found[0].name == "企业开办"


def test_area_name_finds_all_its_matters(catalogue: Catalogue) -> None:
    found = {m.name for m in catalogue.search("swbl")}  # 税务办理
    assert {"税务登记", "发票申领", "纳税申报"} <= found


def test_search_with_nothing_typed_or_nonsense_finds_nothing(catalogue: Catalogue) -> None:
    assert catalogue.search("") == []
    assert catalogue.search("zzzzqqq") == []


def test_ticket_payload_round_trips() -> None:
    payload = ticket_payload("sample-hall", "Ab_9-xY")
    assert parse_scan(payload) == TicketCode("sample-hall", "Ab_9-xY")


PHONE = "http://10.0.0.5:8750"


def test_with_a_phone_url_the_ticket_qr_is_the_phone_page_and_both_forms_scan_back() -> None:
    payload = ticket_payload("sample-hall", "Ab_9-xY", PHONE)
    assert payload == "http://10.0.0.5:8750/t/Ab_9-xY"
    ticket = TicketCode("sample-hall", "Ab_9-xY")
    assert parse_scan(payload, "sample-hall", PHONE) == ticket
    assert parse_scan("HTTP://10.0.0.5:8750/t/Ab_9-xY\r\n", "sample-hall", PHONE) == ticket
    assert parse_scan(ticket_payload("sample-hall", "Ab_9-xY"), "sample-hall", PHONE) == ticket


@pytest.mark.parametrize(
    "payload",
    [
        "http://10.0.0.6:8750/t/Ab_9-xY",  # another host
        "http://10.0.0.5:87501/t/Ab_9-xY",  # another port
        "http://10.0.0.5:8750.evil.example/t/Ab_9-xY",
        "https://10.0.0.5:8750/t/Ab_9-xY",  # another scheme
        "http://10.0.0.5:8750/t/../api/v1/hall",
        "http://10.0.0.5:8750/t/Ab?x=1",
        "http://10.0.0.5:8750/t/",
        "http://10.0.0.5:8750/manage/",
    ],
)
def test_a_link_elsewhere_is_no_ticket(payload: str) -> None:
    assert parse_scan(payload, "sample-hall", PHONE) == UnknownCode()
    assert parse_scan(payload) == UnknownCode()  # a hall without a phone page takes no link


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("hallq:appt:YY20261122-0042", AppointmentCode("YY20261122-0042")),
        ("YY20261122-0042", AppointmentCode("YY20261122-0042")),
        ("  YY1\r\n", AppointmentCode("YY1")),
        ("https://health.example/code?id=1", UnknownCode()),
        ("hallq:ticket:only-one-part", UnknownCode()),
        ("hallq:appt:", UnknownCode()),
        ("hallq:appt:../../admin", UnknownCode()),
        ("健康码", UnknownCode()),
        ("x" * 65, UnknownCode()),
    ],
)
def test_parse_scan(payload: str, expected: object) -> None:
    assert parse_scan(payload) == expected
