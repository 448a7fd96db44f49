"""Key press → the server's answer on the clerk's screen, on loopback (issue 6: < 100 ms),
and the worst GUI-thread stall meanwhile (< 50 ms).

A real hall server, the real caller views offscreen, kiosks issuing tickets in the background
(so events stream in while the clerk works). Each round presses F1 (call next), waits until the
called number is on screen, then F4 (finish) until the card is empty again.
Usage: .venv/bin/python bench/bench_caller.py [--rounds 200] [--kiosk-rate 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from caller.app import CallerApp
from caller.clerk import CountsFile
from terminal.fonts import register_fonts
from terminal.gui_watchdog import GuiWatchdog
from terminal.link import ServerLink
from terminal.theme import Theme
from tests.support.server import HallServerProcess


def wait_until(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout_s
    while not condition():
        QApplication.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the caller did not get there in time")


def issue(server: HallServerProcess, i: int) -> None:
    # Issued with the manager's token: kiosk tokens are rate limited (60 a minute each).
    status, body = server.request("POST", "/tickets", {"service": "ABFG"[i % 4]},
                                  device="manager-1")  # fmt: skip
    assert status == 201, body


def kiosk_traffic(server: HallServerProcess, rate: float, stop: threading.Event) -> None:
    """Tickets for the window's services at `rate` per second, from another thread."""
    i = 0
    while not stop.wait(1 / rate):
        issue(server, i)
        i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--kiosk-rate", type=float, default=5.0, help="tickets per second")
    args = parser.parse_args()

    app = QApplication([])
    theme = Theme(family=register_fonts())
    app.setStyleSheet(theme.stylesheet())
    tmp = Path(tempfile.mkdtemp(prefix="bench-caller-"))
    server = HallServerProcess(db=tmp / "hall.db")
    server.pair_all()
    server.start()
    stop = threading.Event()
    try:
        for i in range(args.rounds + 20):
            issue(server, i)
        server.sign_in("1")
        link = ServerLink(server.url, server.tokens["caller-1"])
        caller = CallerApp(link, "1", theme=theme, counts_file=CountsFile(tmp / "counts.json"))
        assert caller.view is not None and caller.model is not None
        view, model = caller.view, caller.model
        view.resize(1920, 1080)
        view.show()
        caller.start()
        wait_until(lambda: model.usable)
        card, page = view.desk_page.card, view.desk_page

        traffic = threading.Thread(target=kiosk_traffic, args=(server, args.kiosk_rate, stop))
        traffic.start()
        watchdog = GuiWatchdog()
        watchdog.start()
        call_ms: list[float] = []
        finish_ms: list[float] = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            QTest.keyClick(page, Qt.Key.Key_F1)
            wait_until(lambda: model.in_flight is None and model.desk.current is not None
                       and card.number.text() == model.desk.current["number"])  # fmt: skip
            call_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            QTest.keyClick(page, Qt.Key.Key_F4)
            wait_until(lambda: model.in_flight is None and card.number.text() == "—")
            finish_ms.append((time.perf_counter() - t0) * 1000)
        watchdog.stop()
        stop.set()
        traffic.join()
        wait_until(lambda: model.counts.served == args.rounds)

        def figures(name: str, xs: list[float]) -> None:
            xs = sorted(xs)
            p95 = xs[int(0.95 * (len(xs) - 1))]
            print(f"{name:<22} n={len(xs):<4} median {statistics.median(xs):6.1f} ms"
                  f"   p95 {p95:6.1f} ms   max {xs[-1]:6.1f} ms")  # fmt: skip

        print(f"caller bench: {args.rounds} rounds, kiosks issuing {args.kiosk_rate}/s meanwhile")
        figures("F1 → number on screen", call_ms)
        figures("F4 → card cleared", finish_ms)
        print(f"GUI thread: max blocked {watchdog.max_blocked_ms:.1f} ms, "
              f"{watchdog.stalls} stalls over {watchdog.stall_ms:.0f} ms")  # fmt: skip
        print(f"counted by events: called {model.counts.called}, served {model.counts.served}")
        caller.stop()
    finally:
        stop.set()
        server.kill()


if __name__ == "__main__":
    main()
