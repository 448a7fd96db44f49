"""Kiosk figures: cold start to the start screen, card swipe to printed ticket, GUI stalls.

Runs a real hall server on loopback and the kiosk with simulated devices, offscreen.
    .venv/bin/python bench/bench_kiosk.py [--tickets 20]
Prints figures; it does not pass or fail.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before any Qt or kiosk import: the cold-start clock

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false;qt.qpa.*=false")


def cold_child(url: str, token: str) -> None:
    """Run the real entry point; print seconds until the start screen is on screen."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QPushButton

    from kiosk.__main__ import main
    from kiosk.flow import Screen
    from kiosk.window import KioskWindow

    app = QApplication(sys.argv[:1])

    def poll() -> None:
        for w in app.topLevelWidgets():
            flow = getattr(w, "flow", None)
            if (
                isinstance(w, KioskWindow)
                and flow is not None
                and flow.screen is Screen.START
                and w.findChild(QPushButton, "area-A") is not None
            ):
                print(f"{time.perf_counter() - _T0:.3f}", flush=True)
                app.quit()
                return
        QTimer.singleShot(5, poll)

    QTimer.singleShot(0, poll)
    main(["--server", url, "--token", token, "--sim", "--windowed"])


def valid_id(n: int) -> str:
    from identity import check_char

    first17 = f"110105{1960 + n % 40:04d}0101{n % 1000:03d}"
    return first17 + check_char(first17)


def run(tickets: int) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QApplication

    from devices.idcard import SAMPLE_CARDS
    from kiosk.flow import Screen
    from terminal.gui_watchdog import GuiWatchdog
    from tests.support.server import HallServerProcess

    tmp = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    server = HallServerProcess(db=tmp / "hall.db")
    server.pair_all()
    server.start()
    try:
        starts = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, __file__, "--cold-child", server.url, server.tokens["kiosk-2"]],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=ROOT,
            )
            starts.append(float(out.stdout.strip().splitlines()[-1]))
        print(
            f"cold start to start screen: {', '.join(f'{s:.2f}' for s in starts)} s "
            f"(median {statistics.median(starts):.2f} s)"
        )

        app = QApplication.instance() or QApplication(sys.argv[:1])
        import argparse as ap

        from kiosk.__main__ import KioskApp
        from kiosk.config import kiosk_config
        from kiosk.window import KioskWindow
        from terminal.link import ServerLink
        from terminal.voice import VoiceConfig

        window = KioskWindow(windowed=True)
        window.resize(1920, 1080)
        window.show()
        kiosk = KioskApp(
            ap.Namespace(lang="zh"),
            kiosk_config({}, sim=True),
            window,
            voice=VoiceConfig(engine="mock"),
        )
        kiosk.on_link(ServerLink(server.url, server.tokens["kiosk-1"], window))
        wait(app, lambda: kiosk.flow is not None and kiosk.link is not None and kiosk.link.online)
        flow = kiosk.flow
        assert flow is not None
        reader = kiosk.devices.id_reader
        printer = kiosk.devices.printer
        watchdog = GuiWatchdog()
        watchdog.start()
        swipe_to_print = []
        card_read = []
        for n in range(tickets):
            card = replace(SAMPLE_CARDS["adult"], id_number=valid_id(n))
            flow.home()
            flow.choose_area("D")
            flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
            cuts = printer.state.tickets_cut  # type: ignore[union-attr]
            t0 = time.perf_counter()
            reader.insert_card(card)  # type: ignore[union-attr]
            wait(app, lambda: flow.has_card)
            t1 = time.perf_counter()
            flow.take_ticket()
            wait(
                app,
                lambda c=cuts: (
                    printer.state.tickets_cut > c  # type: ignore[union-attr]
                    and flow.print_state == "printed"
                ),
            )
            t2 = time.perf_counter()
            card_read.append(t1 - t0)
            swipe_to_print.append(t2 - t0)
            reader.remove_card()  # type: ignore[union-attr]
            wait(app, lambda: True, settle_s=0.3)
        print(
            f"card swipe to printed ticket ({tickets} tickets): median "
            f"{statistics.median(swipe_to_print) * 1000:.0f} ms, max "
            f"{max(swipe_to_print) * 1000:.0f} ms (card read median "
            f"{statistics.median(card_read) * 1000:.0f} ms: the reader polls every 100 ms)"
        )
        print(
            f"GUI thread during tickets: max blocked {watchdog.max_blocked_ms:.1f} ms, "
            f"stalls > 50 ms: {watchdog.stalls}"
        )

        # Photo booth: live preview with face detection, then making the ID photo.
        flow.home()
        flow.choose_area("C")
        flow.choose_matter(
            next(
                m
                for m in flow.area.matters  # type: ignore[union-attr]
                if m.name == "居民身份证换领"
            )
        )
        flow.take_ticket()
        wait(app, lambda: flow.screen is Screen.TICKET)
        window.photo_tick_ms = 50
        watchdog.reset()
        flow.open_photo()
        wait(app, lambda: True, settle_s=2.0)
        booth = window.booth
        assert booth is not None
        booth.shoot()
        t0 = time.perf_counter()
        from kiosk.photo import BoothState

        wait(app, lambda: booth.state is BoothState.REVIEW, timeout_s=30)
        made = time.perf_counter() - t0
        print(
            f"photo booth: preview 2 s + ID photo in {made * 1000:.0f} ms (incl. 100 ms "
            f"countdown); GUI max blocked {watchdog.max_blocked_ms:.1f} ms, stalls "
            f"{watchdog.stalls}"
        )
        booth.cancel()

        # The server goes away and comes back while the kiosk is on screen.
        # (kill and restart block this script's thread: the watchdog is reset after each.)
        server.kill()
        watchdog.reset()
        link = kiosk.link
        assert link is not None
        wait(app, lambda: not link.online, timeout_s=30)
        flow.home()
        flow.help_me()
        flow.take_ticket()
        wait(app, lambda: flow.screen is Screen.MESSAGE, timeout_s=30)
        offline_ms, offline_stalls = watchdog.max_blocked_ms, watchdog.stalls
        server.restart()
        watchdog.reset()
        wait(app, lambda: link.online, timeout_s=30)
        flow.retry()
        wait(app, lambda: flow.print_state == "printed", timeout_s=30)
        print(
            f"server down (issue retried 3 times, then error) and back (retry prints): GUI max "
            f"blocked {max(offline_ms, watchdog.max_blocked_ms):.1f} ms, stalls "
            f"{offline_stalls + watchdog.stalls}"
        )
        kiosk.stop()
    finally:
        server.kill()


def wait(app: object, ready: object, *, timeout_s: float = 15.0, settle_s: float = 0.0) -> None:
    """Run the event loop until ``ready()`` (and at least ``settle_s``)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    start = time.perf_counter()
    deadline = start + timeout_s
    while time.perf_counter() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.perf_counter() - start >= settle_s and ready():  # type: ignore[operator]
            return
        time.sleep(0.001)
    raise TimeoutError("bench step did not finish")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--cold-child", nargs=2, metavar=("URL", "TOKEN"))
    options = parser.parse_args()
    if options.cold_child:
        cold_child(*options.cold_child)
    else:
        run(options.tickets)
