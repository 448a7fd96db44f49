"""Wall display figures: event → call on screen, call → voice starts, memory over 20,000 calls.

    .venv/bin/python bench/bench_display.py [--calls 200] [--day 20000]

Runs a real hall server on loopback, a display (link, controller, hall view) offscreen and the
announcer with the bundled clips (and Qt's mock TTS engine). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from display.controller import DisplayController, DisplaySetup, fetch_setup
from display.hall_view import HallView
from terminal.gui_watchdog import GuiWatchdog
from terminal.link import ServerLink
from terminal.theme import HALL_DARK, Theme
from terminal.voice import Announcer, VoiceConfig
from tests.support.server import HallServerProcess

WINDOWS = [str(n) for n in range(1, 12)]
SERVICE_OF = {
    "1": "A",
    "2": "B",
    "3": "G",
    "4": "C",
    "5": "D",
    "6": "E",
    "7": "H",
    "8": "J",
    "9": "K",
    "10": "L",
    "11": "M",
}


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def spin(app: QApplication, until: Any, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("bench step timed out")
        app.processEvents()
        time.sleep(0.001)


class PaintProbe(QObject):
    """Notes when the first tile first paints each number."""

    def __init__(self, view: HallView) -> None:
        super().__init__()
        self.label = view.tiles[0].number
        self.painted: dict[str, float] = {}
        self.label.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted.setdefault(self.label.text(), time.perf_counter())
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--day", type=int, default=20000)
    opts = parser.parse_args()
    app = QApplication([])
    server = HallServerProcess(db=Path(tempfile.mkdtemp()) / "bench.db")
    server.pair_all()
    server.start()
    try:
        run(app, server, opts.calls, opts.day)
    finally:
        server.kill()


def run(app: QApplication, server: HallServerProcess, calls: int, day: int) -> None:
    for w in WINDOWS:
        server.sign_in(w)

    link = ServerLink(server.url, server.tokens["display-hall"])
    received: dict[str, float] = {}
    link.event_received.connect(
        lambda e: (
            received.setdefault(e["data"]["ticket"]["number"], time.perf_counter())
            if e["type"] == "ticket.called"
            else None
        )
    )
    setups: list[DisplaySetup] = []
    fetch_setup(link, setups.append)
    spin(app, lambda: bool(setups))
    announcer = Announcer(VoiceConfig(engine="clips"))
    voice_at: dict[str, float] = {}
    announcer.voice_started.connect(lambda a: voice_at.setdefault(a.key[1], time.perf_counter()))
    controller = DisplayController(link, setups[0], announcer=announcer)
    view = HallView(controller.calls, Theme(palette=HALL_DARK))
    view.resize(1920, 1080)
    view.show()
    controller.changed.connect(view.refresh)
    probe = PaintProbe(view)
    controller.start()
    resynced: list[bool] = []
    link.resynced.connect(lambda: resynced.append(True))
    link.start()
    spin(app, lambda: bool(resynced))
    watchdog = GuiWatchdog()
    watchdog.start()

    # 1. Event received → call painted on screen, and → voice starts (announcer idle each time).
    to_screen: list[float] = []
    to_voice: list[float] = []
    for i in range(calls):
        w = WINDOWS[i % len(WINDOWS)]
        result: dict[str, Any] = {}

        def act(w: str = w, result: dict[str, Any] = result) -> None:
            # The manager issues: kiosk tokens are rate-limited (60 tickets a minute).
            server.request("POST", "/tickets", {"service": SERVICE_OF[w]}, device="manager-1")
            server.request("POST", f"/windows/{w}/finish", {}, device=f"caller-{w}")
            result["reply"] = server.request(
                "POST", f"/windows/{w}/call-next", {}, device=f"caller-{w}"
            )

        worker = threading.Thread(target=act)
        worker.start()
        spin(app, lambda result=result: "reply" in result)
        worker.join()
        number = result["reply"][1]["ticket"]["number"]
        spin(
            app,
            lambda number=number: (
                number in received and number in probe.painted and number in voice_at
            ),
        )
        to_screen.append((probe.painted[number] - received[number]) * 1000)
        to_voice.append((voice_at[number] - received[number]) * 1000)
        announcer.clear()  # measure the start of each call, not the queue behind it
    print(
        f"event → call on screen: median {statistics.median(to_screen):.1f} ms, "
        f"p95 {pct(to_screen, 95):.1f} ms, max {max(to_screen):.1f} ms ({calls} calls)"
    )
    print(
        f"event → voice starts (clips): median {statistics.median(to_voice):.1f} ms, "
        f"p95 {pct(to_voice, 95):.1f} ms, max {max(to_voice):.1f} ms"
    )
    print(f"GUI thread max blocked during live calls: {watchdog.max_blocked_ms:.1f} ms")

    mock = Announcer(VoiceConfig(engine="mock"))
    starts: list[float] = []
    for n in range(20):
        got: list[float] = []
        mock.voice_started.connect(lambda _a, got=got: got.append(time.perf_counter()))
        t0 = time.perf_counter()
        mock.announce_call(f"A{n:03d}", "3号窗口")
        spin(app, lambda got=got: bool(got))
        starts.append((got[0] - t0) * 1000)
        mock.clear()
        mock.voice_started.disconnect()
    print(
        f"announce → voice starts (mock TTS, chime first): median "
        f"{statistics.median(starts):.1f} ms, max {max(starts):.1f} ms"
    )

    # 2. A simulated day: `day` calls fed straight into the controller (view rendering on).
    watchdog.reset()
    gc.collect()
    tracemalloc.start()
    base_rss = rss_kb()
    base_py = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    seq = link.last_seq + 1_000_000  # never collides with the live stream
    print("calls      RSS (MB)   Python heap (KB)   voice queue")
    for n in range(day + 1):
        if n % (day // 4) == 0:
            gc.collect()
            print(
                f"{n:>6}   {rss_kb() / 1024:>8.1f}   "
                f"{(tracemalloc.get_traced_memory()[0] - base_py) / 1024:>14.1f}   "
                f"{announcer.pending:>6}"
            )
        if n == day:
            break
        w = WINDOWS[n % len(WINDOWS)]
        now = dt.datetime.now().astimezone()
        ticket = {
            "id": f"sim-{n}",
            "number": f"{SERVICE_OF[w]}{n % 10000:04d}",
            "service": SERVICE_OF[w],
            "status": "called",
            "window": w,
            "issued_at": now.isoformat(),
            "called_at": now.isoformat(),
            "recalls": 0,
        }
        controller.on_event(
            {
                "seq": seq + n,
                "type": "ticket.called",
                "at": now.isoformat(),
                "data": {"ticket": ticket, "window": w},
            }
        )
        if n % 50 == 0:
            app.processEvents()
    elapsed = time.perf_counter() - t0
    print(
        f"{day} calls in {elapsed:.1f} s ({day / elapsed:.0f} calls/s); RSS growth "
        f"{(rss_kb() - base_rss) / 1024:.1f} MB; voice queue capped at {announcer.pending} "
        f"(dropped {announcer.dropped}); recent list {len(controller.calls.recent)}, "
        f"board {len(controller.calls.current)}"
    )
    tracemalloc.stop()
    link.stop()


if __name__ == "__main__":
    main()
