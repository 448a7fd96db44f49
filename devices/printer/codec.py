"""ESC/POS bytes for a page of blocks (Chinese text mode or raster) and the DLE EOT status codec.

Bytes are built with python-escpos on its ``Dummy`` printer, so what the tests compare
is exactly what a transport sends.  Import :mod:`devices.printer` (not escpos directly)
first: it points escpos's capability cache at one fixed directory.
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from pathlib import Path

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image

from .layout import PAPER_COLUMNS, Page, QrBlock, RuleBlock, Size, TextBlock
from .layout import wrap_columns as wrap

# An 80 mm Epson-compatible profile (576 dots): with the default profile python-escpos
# prints a warning to stdout on every image, which would corrupt the probe tool's output.
DEFAULT_PROFILE = "TM-T20II"
PRINT_WIDTH_DOTS = 576

# FS & enters Chinese character mode (GB18030 double-byte text), FS . leaves it.
# python-escpos never sends these (SETUP.md), so they go out raw.
CHINESE_MODE_ON = b"\x1c\x26"
CHINESE_MODE_OFF = b"\x1c\x2e"

# GS ! multipliers (width, height): GS ! scales both half-width and Chinese characters,
# whereas ESC ! leaves Chinese characters at normal size on most Chinese printers.
_SCALE = {Size.NORMAL: (1, 1), Size.DOUBLE_HEIGHT: (1, 2), Size.DOUBLE: (2, 2), Size.HUGE: (4, 4)}


class PrintMode(Enum):
    """How text reaches the paper."""

    TEXT = "text"  # the printer's own GB18030 font: small, fast, crisp
    RASTER = "raster"  # the whole ticket as one image, for printers without a Chinese font


def new_dummy(profile: str = DEFAULT_PROFILE) -> Dummy:
    """A byte-collecting printer with the given capability profile."""
    return Dummy(profile=profile)


def printable(text: str) -> str:
    """Drop control characters so text from config or the network cannot inject commands."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def encode_ticket(
    page: Page,
    mode: PrintMode = PrintMode.TEXT,
    *,
    profile: str = DEFAULT_PROFILE,
    font_path: Path | None = None,
) -> bytes:
    """All bytes of one ticket (a page of blocks), from initialise to cut."""
    printer = new_dummy(profile)
    printer.hw("INIT")
    if mode is PrintMode.TEXT:
        _text_mode(printer, page)
    else:
        _raster_mode(printer, page, font_path)
    printer.cut()
    return bytes(printer.output)


def _text_mode(printer: Dummy, page: Page) -> None:
    printer._raw(CHINESE_MODE_ON)
    for block in page:
        if isinstance(block, TextBlock):
            width, height = _SCALE[block.size]
            printer.set(
                align="center" if block.center else "left",
                bold=block.bold,
                custom_size=True,
                width=width,
                height=height,
            )
            for line in wrap(printable(block.text), PAPER_COLUMNS // width):
                printer._raw(line.encode("gb18030") + b"\n")
        elif isinstance(block, RuleBlock):
            printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
            printer._raw(b"-" * PAPER_COLUMNS + b"\n")
        elif isinstance(block, QrBlock):
            printer.set(align="center")
            printer.qr(block.payload, ec=QR_ECLEVEL_M, size=6, native=True)
            printer._raw(b"\n")
    printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
    printer._raw(CHINESE_MODE_OFF)


def _raster_mode(printer: Dummy, page: Page, font_path: Path | None) -> None:
    from .preview import render_ticket

    image = render_ticket(page, width=PRINT_WIDTH_DOTS, font_path=font_path)
    # Threshold rather than dither: dithered text prints grey and blurred on thermal paper.
    bitmap = image.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
    printer.image(bitmap, impl="bitImageRaster")


# --- status (DLE EOT) ----------------------------------------------------------------------

DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
DLE_EOT_PAPER = b"\x10\x04\x04"


class PrinterStatus(Enum):
    """What the printer says about itself."""

    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"

    @property
    def can_print(self) -> bool:
        """OK and PAPER_LOW print; UNKNOWN (a transport that cannot answer) is tried too."""
        return self in (PrinterStatus.OK, PrinterStatus.PAPER_LOW, PrinterStatus.UNKNOWN)


def _valid(byte: int | None) -> bool:
    # Every DLE EOT answer has bit 1 and bit 4 set and bits 0 and 7 clear.
    return byte is not None and byte & 0x93 == 0x12


def decode_status(printer: int | None, cause: int | None, paper: int | None) -> PrinterStatus:
    """Combine the answers to DLE EOT 1, 2 and 4 (None = no answer)."""
    if printer is None:
        return PrinterStatus.OFFLINE
    if not _valid(printer):
        return PrinterStatus.UNKNOWN
    if cause is not None and _valid(cause):
        if cause & 0x04:
            return PrinterStatus.COVER_OPEN
        if cause & 0x20:
            return PrinterStatus.PAPER_OUT
    if paper is not None and _valid(paper) and paper & 0x60:
        return PrinterStatus.PAPER_OUT
    if printer & 0x08:
        return PrinterStatus.OFFLINE
    if paper is not None and _valid(paper) and paper & 0x0C:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.OK


def encode_status(status: PrinterStatus) -> tuple[int, int, int]:
    """The three answer bytes a printer in ``status`` gives (used by the simulators)."""
    printer, cause, paper = 0x12, 0x12, 0x12
    if status is PrinterStatus.COVER_OPEN:
        printer |= 0x08
        cause |= 0x04
    elif status is PrinterStatus.PAPER_OUT:
        printer |= 0x08
        cause |= 0x20
        paper |= 0x60
    elif status is PrinterStatus.PAPER_LOW:
        paper |= 0x0C
    elif status is PrinterStatus.OFFLINE:
        printer |= 0x08
    return printer, cause, paper
