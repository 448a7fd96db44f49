"""What goes on a ticket, and the blocks both renderers (ESC/POS and PNG) draw from it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

# Font A on an 80 mm printer: 48 columns of 12-dot half-width characters in 576 dots.
PAPER_COLUMNS = 48


@dataclass(frozen=True)
class TicketLayout:
    """One ticket as the kiosk issues it.

    ``wait_minutes`` (rounded by the terminal's one rule) None leaves the wait line out (no
    estimate yet); ``qr_payload`` empty leaves the QR code out.  ``lang`` is "zh" or "en".
    """

    hall_name: str
    service_name: str
    number: str
    ahead: int
    wait_minutes: int | None
    issued_at: datetime
    qr_payload: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    lang: str = "zh"


class Size(Enum):
    """Text size as a multiple of the printer's base font."""

    NORMAL = 1
    DOUBLE_HEIGHT = 2
    DOUBLE = 3
    HUGE = 4


@dataclass(frozen=True)
class TextBlock:
    """A line (or paragraph) of text."""

    text: str
    size: Size = Size.NORMAL
    center: bool = True
    bold: bool = False


@dataclass(frozen=True)
class QrBlock:
    """The ticket's QR code."""

    payload: str


@dataclass(frozen=True)
class RuleBlock:
    """A separating line."""


Block = TextBlock | QrBlock | RuleBlock

_LABELS = {
    "zh": {
        "ahead": "前面还有 {n} 人",
        "wait": "预计等候约 {m} 分钟",
        "no_wait": "无需等候",
        "issued": "取号时间 {t}",
    },
    "en": {
        "ahead": "{n} people ahead of you",
        "wait": "Estimated wait about {m} min",
        "no_wait": "No waiting",
        "issued": "Issued {t}",
    },
}


def ticket_blocks(layout: TicketLayout) -> list[Block]:
    """The ticket, top to bottom."""
    labels = _LABELS.get(layout.lang, _LABELS["zh"])
    blocks: list[Block] = [
        TextBlock(layout.hall_name, Size.DOUBLE, bold=True),
        TextBlock(layout.service_name, Size.DOUBLE_HEIGHT),
        RuleBlock(),
        TextBlock(layout.number, Size.HUGE, bold=True),
        TextBlock(labels["ahead"].format(n=layout.ahead)),
    ]
    if layout.wait_minutes is not None:
        minutes = layout.wait_minutes
        blocks.append(TextBlock(labels["wait"].format(m=minutes) if minutes else labels["no_wait"]))
    if layout.qr_payload:
        blocks.append(QrBlock(layout.qr_payload))
    blocks.append(TextBlock(labels["issued"].format(t=layout.issued_at.strftime("%Y-%m-%d %H:%M"))))
    if layout.notes:
        blocks.append(RuleBlock())
        blocks.extend(TextBlock(note, center=False) for note in layout.notes)
    return blocks


def display_width(text: str) -> int:
    """Columns a string takes on the printer: CJK (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_columns(text: str, columns: int) -> list[str]:
    """Split text into lines of at most ``columns`` display columns (CJK-aware)."""
    lines: list[str] = []
    current = ""
    width = 0
    for ch in text:
        w = display_width(ch)
        if width + w > columns and current:
            lines.append(current)
            current, width = "", 0
        current += ch
        width += w
    if current or not lines:
        lines.append(current)
    return lines


def sample_layout(issued_at: datetime, lang: str = "zh") -> TicketLayout:
    """The ticket ``hallq-devices probe printer --sample`` prints."""
    return TicketLayout(
        hall_name="市民服务中心" if lang == "zh" else "Citizen Service Centre",
        service_name="A 综合受理" if lang == "zh" else "A General Services",
        number="A012",
        ahead=5,
        wait_minutes=13,
        issued_at=issued_at,
        qr_payload="https://hall.example/t/A012?d=20261122",
        notes=(
            "请留意叫号，过号后可在取号机扫码重新签到。",
            "打印测试页：如文字清晰、二维码可扫描，打印机工作正常。",
        )
        if lang == "zh"
        else ("Please watch the screens for your number.",),
        lang=lang,
    )
