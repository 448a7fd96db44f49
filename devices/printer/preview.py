"""The ticket drawn as an image: a PNG preview for screens and tests, and the raster
that printers without a Chinese font receive."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from ..errors import DeviceError
from .layout import Page, QrBlock, RuleBlock, Size, TextBlock

# Apache-2.0 font installed by setup.sh (Debian fonts-wqy-microhei).
DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# Pixel heights that match the printer's 24-dot font A at each size.
_FONT_PX = {Size.NORMAL: 24, Size.DOUBLE_HEIGHT: 36, Size.DOUBLE: 48, Size.HUGE: 96}
_LINE_GAP = 6
_MODULE_PX = 6  # same dot size as the native QR command (GS ( k size 6)


class FontMissing(DeviceError):
    """The CJK font for previews and raster tickets is not installed."""


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _load_font(font_path: Path | None, size: int) -> ImageFont.FreeTypeFont:
    path = font_path or DEFAULT_FONT
    if not path.is_file():
        raise FontMissing(
            f"CJK font not found at {path}: install fonts-wqy-microhei or pass font_path"
        )
    try:
        return _font(str(path), size)
    except OSError as exc:
        raise FontMissing(f"cannot load font {path}: {exc}") from exc


def _wrap_pixels(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and font.getlength(current + ch) > width:
            lines.append(current)
            current = ""
        current += ch
    lines.append(current)
    return lines


def _qr_image(payload: str, max_width: int) -> Image.Image:
    code = segno.make(payload, error="m", micro=False)
    modules = np.array([list(row) for row in code.matrix], dtype=bool)
    modules = np.pad(modules, 2)  # quiet zone
    scale = max(1, min(_MODULE_PX, max_width // modules.shape[1]))
    pixels = np.where(modules, 0, 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)
    return Image.fromarray(pixels, mode="L")


def render_ticket(
    page: Page,
    *,
    width: int = 576,
    font_path: Path | None = None,
    margin: int = 12,
) -> Image.Image:
    """Draw the ticket in greyscale, ``width`` pixels wide (576 = 80 mm at 203 dpi)."""
    inner = width - 2 * margin
    pieces: list[tuple[Image.Image | list[str], bool, ImageFont.FreeTypeFont | None]] = []
    height = margin
    for block in page:
        if isinstance(block, TextBlock):
            font = _load_font(font_path, _FONT_PX[block.size])
            lines = _wrap_pixels(block.text, font, inner)
            pieces.append((lines, block.center, font))
            height += len(lines) * (_FONT_PX[block.size] + _LINE_GAP)
        elif isinstance(block, QrBlock):
            qr = _qr_image(block.payload, inner)
            pieces.append((qr, True, None))
            height += qr.height + _LINE_GAP
        elif isinstance(block, RuleBlock):
            pieces.append(([], False, None))
            height += 2 * _LINE_GAP + 2
    height += margin

    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for content, center, block_font in pieces:
        if isinstance(content, Image.Image):
            image.paste(content, ((width - content.width) // 2, y))
            y += content.height + _LINE_GAP
        elif block_font is None:
            y += _LINE_GAP
            for x in range(margin, width - margin, 12):
                draw.line([(x, y), (min(x + 6, width - margin), y)], fill=0, width=2)
            y += _LINE_GAP + 2
        else:
            size = block_font.size
            for line in content:
                x = margin + (inner - int(block_font.getlength(line))) // 2 if center else margin
                draw.text((x, y), line, font=block_font, fill=0)
                y += int(size) + _LINE_GAP
    return image


def save_preview(page: Page, path: Path, **options: object) -> Path:
    """Write the ticket preview as a PNG and return its path."""
    render_ticket(page, **options).save(path, format="PNG")  # type: ignore[arg-type]
    return path
