"""What a printer can put on paper: generic blocks of text, rules and QR codes.

The ticket's wording is the kiosk's (kiosk/printing.py); the printer only lays out and
encodes the blocks it is given, top to bottom.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

# Font A on an 80 mm printer: 48 columns of 12-dot half-width characters in 576 dots.
PAPER_COLUMNS = 48


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
    """A QR code, centred."""

    payload: str


@dataclass(frozen=True)
class RuleBlock:
    """A separating line."""


Block = TextBlock | QrBlock | RuleBlock
# One printout, top to bottom; it ends with a cut.
Page = Sequence[Block]


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


SAMPLE_PAGE_QR = "hallq-devices printer test 打印测试"


def sample_page(printed_at: datetime) -> list[Block]:
    """The page ``hallq-devices probe printer --sample`` prints: every size, a rule, a QR."""
    return [
        TextBlock("打印测试页 Test page", Size.DOUBLE, bold=True),
        TextBlock("倍高 Double height", Size.DOUBLE_HEIGHT),
        RuleBlock(),
        TextBlock("A012", Size.HUGE, bold=True),
        TextBlock("中文 GB18030 · English"),
        QrBlock(SAMPLE_PAGE_QR),
        TextBlock(printed_at.strftime("%Y-%m-%d %H:%M")),
        RuleBlock(),
        TextBlock("如文字清晰、二维码可扫描，打印机工作正常。", center=False),
        TextBlock("Text clear, QR code scans: the printer works.", center=False),
    ]
