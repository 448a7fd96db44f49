"""Wiring of the wall display: window, overlay, link, controller, view and voice."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from terminal.app import TerminalConfigError, connect_to_hall, terminal_arguments
from terminal.link import ServerLink
from terminal.screens import FullScreenWindow, StatusOverlay
from terminal.theme import app_theme
from terminal.voice import Announcer, QuietHours, VoiceConfig

from .controller import DisplayController, DisplaySetup, fetch_setup
from .hall_view import HallView
from .supervision_view import SupervisionView

log = logging.getLogger("hallq.display")


def display_arguments() -> argparse.ArgumentParser:
    p = terminal_arguments("hallq-display", "display")
    p.add_argument(
        "--supervision",
        action="store_true",
        default=None,
        help="电子监察 view for hall managers instead of the hall view",
    )
    p.add_argument(
        "--voice",
        dest="voice_engine",
        help='"auto" (TTS engine if one works, else recorded clips), "clips", '
        "or a Qt TTS engine name",
    )
    return p


def voice_config(section: dict[str, Any], engine: str | None) -> VoiceConfig:
    """VoiceConfig from the [voice] table of the terminal config (and --voice)."""
    known = {"engine", "volume", "rate", "repeat", "quiet_hours"}
    unknown = set(section) - known
    if unknown:
        raise TerminalConfigError(f"[voice]: unknown keys {sorted(unknown)}")
    try:
        return VoiceConfig(
            engine=engine or section.get("engine", "auto"),
            volume=float(section.get("volume", 1.0)),
            rate=float(section.get("rate", 0.0)),
            repeat=int(section.get("repeat", 2)),
            quiet_hours=tuple(QuietHours.parse(q) for q in section.get("quiet_hours", [])),
        )
    except ValueError as exc:
        raise TerminalConfigError(f"[voice]: {exc}") from exc


class DisplayWindow(FullScreenWindow):
    """The display's top-level window: the mode's view under the connection overlay."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(
            "hallq display",
            windowed=args.windowed,
            screen_size=args.screen_size,
            admin_pin=args.admin_pin,
        )
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self.view: QWidget | None = None
        self.overlay = StatusOverlay(self)

    def set_view(self, view: QWidget) -> None:
        self.view = view
        self._box.addWidget(view)
        self.overlay.raise_()


class DisplayApp:
    """Builds the board and view once the hall and this device's config are known."""

    def __init__(self, args: argparse.Namespace, window: DisplayWindow) -> None:
        self.args = args
        self.window = window
        self.controller: DisplayController | None = None
        self.announcer: Announcer | None = None

    def on_link(self, link: ServerLink) -> None:
        self.window.overlay.follow(link)
        fetch_setup(link, lambda setup: self.on_setup(link, setup))

    def on_setup(self, link: ServerLink, setup: DisplaySetup) -> None:
        supervision = bool(self.args.supervision)
        if setup.speaker and not supervision:
            self.announcer = Announcer(
                voice_config(self.args.sections.get("voice", {}), self.args.voice_engine)
            )
            log.info("speaker for this zone, voice: %s", self.announcer.backend)
        controller = DisplayController(
            link, setup, supervision=supervision, announcer=self.announcer
        )
        size = self.window.size()
        theme = app_theme().fitted(size.width(), size.height())
        portrait = size.height() > size.width()
        view: HallView | SupervisionView
        if supervision:
            view = SupervisionView(controller, theme)
        else:
            view = HallView(controller.calls, theme, portrait=portrait)
        controller.changed.connect(view.refresh)
        self.window.set_view(view)
        self.controller = controller
        controller.start()
        link.start()


def run(args: argparse.Namespace, app: QApplication) -> int:
    display_mode = args.sections.get("display", {}).get("mode")
    if args.supervision is None:
        args.supervision = display_mode == "supervision"
    window = DisplayWindow(args)
    window.show_on_screen()
    display = DisplayApp(args, window)
    connect_to_hall(args, display.on_link)
    return app.exec()
