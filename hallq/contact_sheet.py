"""One picture of the whole hall: every terminal's screenshot, scaled down, on a grid."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

TILE_W = 640
CAPTION_H = 28
COLUMNS = 3


def contact_sheet(shots: list[Path], out: Path, *, columns: int = COLUMNS) -> Path | None:
    """Write the screenshots side by side (captioned with their file names) to `out`."""
    tiles: list[tuple[str, Image.Image]] = []
    for path in shots:
        with Image.open(path) as image:
            scale = TILE_W / image.width
            tiles.append(
                (path.stem, image.convert("RGB").resize((TILE_W, round(image.height * scale))))
            )
    if not tiles:
        return None
    rows = [tiles[i : i + columns] for i in range(0, len(tiles), columns)]
    heights = [max(t.height for _, t in row) + CAPTION_H for row in rows]
    sheet = Image.new("RGB", (TILE_W * min(columns, len(tiles)), sum(heights)), "#1f2937")
    draw = ImageDraw.Draw(sheet)
    y = 0
    for row, height in zip(rows, heights, strict=True):
        for n, (caption, tile) in enumerate(row):
            x = n * TILE_W
            draw.text((x + 8, y + 6), caption, fill="#f9fafb")
            sheet.paste(tile, (x, y + CAPTION_H))
        y += height
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.png")
    sheet.save(tmp, optimize=True)
    tmp.replace(out)
    return out
