"""Screenshots of every kiosk screen, landscape and portrait, with render time per screen.

    Xvfb :81 -screen 0 1920x1080x24 &  Xvfb :82 -screen 0 1080x1920x24 &
    DISPLAY=:81 QT_QPA_PLATFORM=xcb .venv/bin/python bench/bench_kiosk_screens.py landscape
    DISPLAY=:82 QT_QPA_PLATFORM=xcb .venv/bin/python bench/bench_kiosk_screens.py portrait
Writes docs/screenshots/kiosk-<orientation>-<screen>.png (half size) and prints timings.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("orientation", choices=["landscape", "portrait"])
    orientation = parser.parse_args().orientation
    size = (1920, 1080) if orientation == "landscape" else (1080, 1920)

    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt

    from devices.idcard import SAMPLE_CARDS
    from devices.printer import PrinterStatus
    from kiosk.__main__ import KioskApp
    from kiosk.config import kiosk_config
    from kiosk.flow import Screen
    from kiosk.photo import BoothState
    from kiosk.window import KioskWindow
    from terminal.app import start_application, terminal_arguments
    from terminal.link import ServerLink
    from terminal.voice import VoiceConfig
    from tests.support.server import HallServerProcess

    def settle(ready: Callable[[], bool] = lambda: True, at_least: float = 0.2) -> None:
        start = time.perf_counter()
        while time.perf_counter() - start < 20:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
            if time.perf_counter() - start >= at_least and ready():
                return
        raise TimeoutError("screen did not settle")

    tmp = Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    server = HallServerProcess(db=tmp / "hall.db")
    server.pair_all()
    server.start()
    args = terminal_arguments("hallq-kiosk", "kiosk").parse_args(["--sim"])
    app = start_application(args)
    window = KioskWindow(windowed=False, screen_size=size)
    kiosk = KioskApp(args, kiosk_config({}, sim=True), window, voice=VoiceConfig(engine="mock"))
    panel = kiosk.sim_panel()
    if panel is not None:
        window.add_sim_panel(panel)
    window.photo_tick_ms = 300
    if os.environ["QT_QPA_PLATFORM"] == "offscreen":
        window.setGeometry(0, 0, *size)
        window.show()
    else:
        window.show_on_screen()
    settle(at_least=0.3)
    OUT.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        settle()
        t0 = time.perf_counter()
        window.refresh()
        took = (time.perf_counter() - t0) * 1000
        settle(at_least=0.1)
        image = window.grab().scaled(
            window.width() // 2,
            window.height() // 2,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        image.save(str(OUT / f"kiosk-{orientation}-{name}.png"))
        print(f"{name:22s} render {took:5.1f} ms")

    shot("connecting")
    kiosk.on_link(ServerLink(server.url, server.tokens["kiosk-1"], window))
    settle(lambda: kiosk.flow is not None and kiosk.link is not None and kiosk.link.online)
    flow = kiosk.flow
    assert flow is not None
    devices = kiosk.devices
    shot("start")
    devices.id_reader.insert_card(SAMPLE_CARDS["elderly"])  # type: ignore[union-attr]
    settle(lambda: flow.has_card)
    shot("start-card")
    flow.choose_area("F")
    shot("area")
    flow.choose_matter(next(m for m in flow.area.matters if m.name == "老年优待证办理"))  # type: ignore[union-attr]
    shot("confirm-green")
    flow.take_ticket(green=True)
    settle(lambda: flow.print_state == "printed")
    shot("ticket")
    devices.id_reader.remove_card()  # type: ignore[union-attr]
    settle(at_least=0.5)
    devices.id_reader.insert_card(SAMPLE_CARDS["elderly"])  # type: ignore[union-attr]
    settle(lambda: flow.has_card and flow.screen is Screen.START)
    flow.choose_area("F")
    flow.choose_matter(flow.area.matters[0])  # type: ignore[union-attr]
    flow.take_ticket()
    settle(lambda: flow.screen is Screen.REPRINT)
    shot("reprint")
    flow.home()
    flow.open_search()
    for ch in "qykb":
        flow.set_query(flow.query + ch)
    shot("search")
    flow.home()
    devices.printer.set_status(PrinterStatus.PAPER_OUT)  # type: ignore[union-attr]
    flow.help_me()
    shot("confirm")
    flow.take_ticket()
    settle(lambda: flow.print_state == "failed")
    shot("ticket-printer-out")
    devices.printer.set_status(PrinterStatus.OK)  # type: ignore[union-attr]
    flow.home()
    flow.choose_area("C")
    flow.choose_matter(next(m for m in flow.area.matters if m.name == "居民身份证换领"))  # type: ignore[union-attr]
    flow.take_ticket()
    settle(lambda: flow.print_state == "printed")
    shot("ticket-photo-offer")
    flow.open_photo()
    settle(lambda: window.booth is not None and window.booth.framing.value == "good", 1.0)
    shot("photo-preview")
    booth = window.booth
    assert booth is not None
    booth.shoot()
    settle(lambda: booth.state is BoothState.COUNTDOWN, 0.1)
    shot("photo-countdown")
    settle(lambda: booth.state is BoothState.REVIEW)
    shot("photo-review")
    booth.use()
    settle(lambda: flow.screen is Screen.TICKET)
    shot("ticket-photo-saved")
    ticket_id = flow.ticket["id"]  # type: ignore[index]
    flow.home()
    server.sign_in("4")
    server.request("POST", "/windows/4/call-next", {}, device="caller-4")
    for _ in range(2):
        server.request("POST", "/windows/4/recall", {}, device="caller-4")
    server.request("POST", "/windows/4/no-show", {}, device="caller-4")
    devices.scanner.show(f"hallq:ticket:sample-hall:{ticket_id}")  # type: ignore[union-attr]
    settle(lambda: flow.screen is Screen.STATUS)
    shot("status-no-show")
    flow.home()
    devices.scanner.show("hallq:appt:NOPE-1")  # type: ignore[union-attr]
    settle(lambda: flow.screen is Screen.MESSAGE)
    shot("message-unknown-appointment")
    flow.home()
    flow.toggle_elder()
    shot("start-elder")
    flow.toggle_elder()
    flow.toggle_language()
    shot("start-english")
    flow.choose_area("B")
    shot("area-english")
    flow.toggle_language()
    flow.home()
    devices.id_reader.unplug()  # type: ignore[union-attr]
    settle(lambda: flow.reader_down)
    shot("reader-down")
    devices.id_reader.plug_in()  # type: ignore[union-attr]
    settle(lambda: not flow.reader_down)
    server.kill()
    settle(lambda: window.overlay.isVisible())
    shot("offline")
    flow.help_me()
    flow.take_ticket()
    settle(lambda: flow.screen is Screen.MESSAGE)
    window.overlay.hide()  # the page under the overlay, as it shows once the link is back
    shot("message-network")
    kiosk.stop()
    app.quit()


if __name__ == "__main__":
    main()
