"""ID card read time over a simulated 115200-baud serial link (a pty paced at the baud rate).

The SAM simulator answers instantly; the time is the protocol's own cost: find, select,
read base info (1295 bytes ≈ 112 ms of wire time at 115200 8N1).  A real SAM module adds
its own processing time (typically several hundred ms) on top.
Run: .venv/bin/python bench/bench_idcard.py
"""

from __future__ import annotations

import statistics
import time

from devices.idcard import SAMPLE_CARDS, PtySamServer, SamModuleSim
from devices.urls import open_id_reader


def main(reads: int = 20) -> None:
    sam = SamModuleSim(SAMPLE_CARDS["elderly"])
    with (
        PtySamServer(sam, baudrate=115200) as server,
        open_id_reader(server.port, baudrate=115200) as reader,
    ):
        reader.read_card(timeout=2)  # open the port, settle
        times = []
        for _ in range(reads):
            start = time.perf_counter()
            card = reader.read_card(timeout=2)
            times.append(time.perf_counter() - start)
            assert card is not None
    # Answers are paced at the baud rate by the simulator (find 15, select 19, base info 1295
    # bytes); the three 10-byte requests go through the pty unpaced (2.6 ms on a real line).
    wire = (15 + 19 + 1295) * 10 / 115200
    median, low, high = (statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000)
    print(
        f"ID card read over a 115200-baud pty: median {median:.0f} ms, "
        f"min {low:.0f} ms, max {high:.0f} ms ({reads} reads)"
    )
    print(f"wire time of the answers alone at 115200 8N1: {wire * 1000:.0f} ms")


if __name__ == "__main__":
    main()
