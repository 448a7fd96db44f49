"""`hallq-caller`: the window caller — clerk's screen and the window-facing screen (双屏).

    hallq-caller --server URL --token T [--sim] [--windowed] [--compact] [--citizen-screen-only]

The window is the one the device token is bound to (GET /devices/me).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

import hallqlog
from terminal.app import TerminalConfigError, connect_to_hall, start_application, terminal_arguments
from terminal.i18n import Text
from terminal.link import ServerLink
from terminal.screens import PAIR_AGAIN, FullScreenWindow, StatusOverlay
from terminal.theme import app_theme

from . import texts as T
from .app import CallerApp, CallerConfigError, WindowDevices
from .clerk import CountsFile

log = logging.getLogger("hallq.caller")


def build_parser() -> argparse.ArgumentParser:
    p = terminal_arguments("hallq-caller", "caller")
    p.add_argument(
        "--compact",
        action="store_true",
        help="a small always-on-top caller beside a back-office system",
    )
    p.add_argument(
        "--citizen-screen-only",
        dest="citizen_only",
        action="store_true",
        help="only the window-facing screen (a tablet at the window)",
    )
    p.add_argument(
        "--counts-file",
        type=Path,
        help="where today's figures are kept (default ~/.local/state/hallq/caller-DEVICE.json)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    hallqlog.configure()
    args = build_parser().parse_args(argv)
    try:
        app = start_application(args)
        section = dict(args.sections.get("caller", {}))
        devices = WindowDevices.simulated() if args.sim else WindowDevices.from_config(section)
    except (TerminalConfigError, CallerConfigError) as exc:
        print(f"hallq-caller: {exc}", file=sys.stderr)
        return 2
    running: list[CallerApp | QWidget] = []
    # Until the server says which window this is, one screen says what is going on (never black).
    waiting = FullScreenWindow(
        f"{T.CALLER_TITLE.zh} {T.CALLER_TITLE.en}",
        windowed=args.windowed,
        screen_size=args.screen_size,
        admin_pin=args.admin_pin,
    )
    waiting_overlay = StatusOverlay(waiting)
    waiting.show_on_screen()

    def on_device(link: ServerLink, device: dict[str, Any]) -> None:
        if device.get("role") != "caller" or not device.get("window"):
            log.error(
                "device %s is a %s, not a window's caller: give this terminal a caller's token",
                device.get("id"),
                device.get("role"),
            )
            waiting_overlay.show_message(
                Text("本终端的令牌不属于叫号器"),
                " · ".join(PAIR_AGAIN.both()),
            )
            return
        device_id = str(device["id"])
        counts = args.counts_file or (
            Path.home() / ".local" / "state" / "hallq" / f"caller-{device_id}.json"
        )
        caller = CallerApp(
            link,
            str(device["window"]),
            theme=app_theme(),
            devices=devices,
            counts_file=CountsFile(counts),
            clerk_screen=not args.citizen_only,
            compact=args.compact,
            desk_size=(waiting.width(), waiting.height()),
        )
        running.append(caller)
        app.aboutToQuit.connect(caller.stop)  # keeps today's figures and closes the link
        running.extend(
            caller.show(
                windowed=args.windowed, screen_size=args.screen_size, admin_pin=args.admin_pin
            )
        )
        waiting.hide()
        caller.start()

    def ask_device(link: ServerLink) -> None:
        waiting_overlay.follow(link)
        link.identify(lambda device: on_device(link, device))

    try:
        connect_to_hall(args, ask_device)
    except TerminalConfigError as exc:
        print(f"hallq-caller: {exc}", file=sys.stderr)
        return 2
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
