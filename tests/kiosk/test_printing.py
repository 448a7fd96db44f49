"""The ticket's wording: the kiosk lays the ticket out, the printer only encodes blocks."""

from typing import Any

import pytest

from devices.printer import QrBlock, RuleBlock, Size, TextBlock
from kiosk.catalogue import Catalogue
from kiosk.printing import ticket_layout
from terminal.hall import HallInfo

CATALOGUE = Catalogue.from_hall(
    HallInfo.from_json(
        {
            "id": "sample-hall",
            "name": "市民服务中心",
            "name_en": "Citizen Service Centre",
            "services": [{"code": "A", "name": "综合受理", "name_en": "General", "matters": []}],
        }
    )
)


def ticket(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "T42",
        "number": "A012",
        "service": "A",
        "issued_at": "2026-11-22T08:05:00+08:00",
        "ahead": 5,
        "estimated_wait_s": 725,
    }
    fields.update(changes)
    return fields


def test_chinese_ticket_top_to_bottom() -> None:
    assert ticket_layout(ticket(channel="green", holder="张**"), CATALOGUE, "zh") == [
        TextBlock("市民服务中心", Size.DOUBLE, bold=True),
        TextBlock("综合受理", Size.DOUBLE_HEIGHT),
        RuleBlock(),
        TextBlock("A012", Size.HUGE, bold=True),
        TextBlock("前面还有 5 人"),
        TextBlock("预计等候约 13 分钟"),  # 725 s rounded up, as on every screen
        QrBlock("hallq:ticket:sample-hall:T42"),
        TextBlock("取号时间 2026-11-22 08:05"),
        RuleBlock(),
        TextBlock("张**", center=False),
        TextBlock("绿色通道", center=False),
        TextBlock("请留意大屏叫号；过号后可在取号机扫描本票二维码重新签到。", center=False),
    ]


def test_a_hall_with_a_phone_url_prints_the_phone_page_link() -> None:
    hall = HallInfo.from_json(
        {"id": "sample-hall", "name": "市民服务中心", "phone_url": "http://10.0.0.5:8750"}
    )
    blocks = ticket_layout(ticket(), Catalogue.from_hall(hall), "zh")
    qr = [block for block in blocks if isinstance(block, QrBlock)]
    assert qr == [QrBlock("http://10.0.0.5:8750/t/T42")]


def test_english_ticket_wording() -> None:
    blocks = ticket_layout(ticket(ahead=0, estimated_wait_s=59), CATALOGUE, "en")
    texts = [block.text for block in blocks if isinstance(block, TextBlock)]
    assert texts[:6] == [
        "Citizen Service Centre",
        "General",
        "A012",
        "0 people ahead of you",
        "Estimated wait about 1 min",
        "Issued 2026-11-22 08:05",
    ]


@pytest.mark.parametrize(("wait", "line"), [(0, "无需等候"), (None, None)])
def test_no_wait_and_no_estimate(wait: int | None, line: str | None) -> None:
    blocks = ticket_layout(ticket(estimated_wait_s=wait), CATALOGUE, "zh")
    texts = [block.text for block in blocks if isinstance(block, TextBlock)]
    assert texts[4] == (line or "取号时间 2026-11-22 08:05")
