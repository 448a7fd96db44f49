"""Time to build the ESC/POS bytes of the printer test page (text and raster mode) and its
PNG preview.

Run: .venv/bin/python bench/bench_printer.py
"""

from __future__ import annotations

import time
from datetime import datetime

from devices.printer import PrintMode, encode_ticket, sample_page
from devices.printer.preview import render_ticket


def per_call_ms(action: object, n: int = 30) -> float:
    start = time.perf_counter()
    for _ in range(n):
        action()  # type: ignore[operator]
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    layout = sample_page(datetime(2026, 11, 22, 9, 30))
    text = encode_ticket(layout, PrintMode.TEXT)
    raster = encode_ticket(layout, PrintMode.RASTER)
    print(f"text mode   : {per_call_ms(lambda: encode_ticket(layout)):6.2f} ms, {len(text)} bytes "
          f"({len(text) * 10 / 9600:.2f} s at 9600 baud)")  # fmt: skip
    print(f"raster mode : {per_call_ms(lambda: encode_ticket(layout, PrintMode.RASTER)):6.2f} ms, "
          f"{len(raster)} bytes ({len(raster) * 10 / 115200:.2f} s at 115200 baud)")  # fmt: skip
    print(f"PNG preview : {per_call_ms(lambda: render_ticket(layout)):6.2f} ms")


if __name__ == "__main__":
    main()
