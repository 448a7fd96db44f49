"""Bootstrap shared by the kiosk, caller and display apps: arguments, Qt app, finding the hall."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from . import i18n
from .discovery import HallAddress, discover_hall
from .fonts import register_fonts
from .link import ServerLink
from .pairing import TerminalPairing, TokenFile, token_file_for
from .pinning import CertificatePin, FingerprintError, state_file_for
from .theme import HALL_DARK, HALL_LIGHT, Theme
from .workers import run_in_thread

log = logging.getLogger("hallq.terminal")

# Keys of the terminal-local config file that mirror command-line options. Tables in the file
# ([display], [devices], …) belong to the app and are handed over as `args.sections`.
CONFIG_KEYS = {
    "server": str,
    "token": str,
    "device": str,
    "hall_id": str,
    "lang": str,
    "sim": bool,
    "windowed": bool,
    "screen_size": str,
    "admin_pin": str,
    "mdns_interfaces": list,
    "server_cert": str,
}
DISCOVERY_RETRY_MS = 3000


class TerminalConfigError(ValueError):
    """The terminal's config file or arguments are unusable (the message names the key)."""


def terminal_arguments(prog: str, role: str) -> argparse.ArgumentParser:
    """The options every terminal app understands; apps add their own before parsing."""
    p = argparse.ArgumentParser(prog=prog, description=f"hallq {role} terminal")
    p.add_argument("--version", action="version", version=f"%(prog)s {version('hallq')}")
    p.add_argument("--server", help="hall server URL (skips zeroconf discovery)")
    p.add_argument("--token", help="this device's bearer token")
    p.add_argument(
        "--server-cert",
        dest="server_cert",
        metavar="SHA256",
        help="the hall server certificate's SHA-256 fingerprint to trust (default: the one "
        "met first, kept in $XDG_STATE_HOME/hallq/)",
    )
    p.add_argument("--device", help="this device's id in the hall config")
    p.add_argument("--hall-id", dest="hall_id", help="discover the hall with this id")
    p.add_argument(
        "--sim",
        action="store_true",
        default=None,
        help="use device simulators instead of real devices",
    )
    p.add_argument("--lang", choices=i18n.LANGUAGES, help="primary language (default zh)")
    p.add_argument(
        "--windowed",
        action="store_true",
        default=None,
        help="a normal window instead of the locked full screen",
    )
    p.add_argument(
        "--screen-size",
        dest="screen_size",
        metavar="WxH",
        help="window size with --windowed (default 1920x1080)",
    )
    p.add_argument("--config", type=Path, help="terminal-local config (TOML)")
    p.add_argument(
        "--mdns-interface",
        dest="mdns_interfaces",
        action="append",
        metavar="IP",
        help="browse for the hall on this address only (repeatable)",
    )
    p.set_defaults(role=role, prog=prog, admin_pin=None, sections={})
    return p


def load_terminal_config(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options, app sections) from a terminal config file; unknown top-level keys are errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TerminalConfigError(f"{path}: {exc}") from exc
    options: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            sections[key] = value
        elif key in CONFIG_KEYS:
            if not isinstance(value, CONFIG_KEYS[key]):
                raise TerminalConfigError(f"{path}: {key} must be a {CONFIG_KEYS[key].__name__}")
            options[key] = value
        else:
            raise TerminalConfigError(f"{path}: unknown key {key!r}")
    return options, sections


def resolve_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """Fill options not given on the command line from --config, then the defaults."""
    if args.config is not None:
        options, sections = load_terminal_config(args.config)
        for key, value in options.items():
            if getattr(args, key, None) is None:
                setattr(args, key, value)
        args.sections = sections
    args.lang = args.lang or "zh"
    args.sim = bool(args.sim)
    args.windowed = bool(args.windowed)
    args.screen_size = parse_screen_size(args.screen_size or "1920x1080")
    return args


def parse_screen_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise TerminalConfigError(f"screen size must look like 1920x1080, not {text!r}") from None
    return w, h


def start_application(args: argparse.Namespace) -> QApplication:
    """The QApplication with the bundled CJK font, locale, translations and the role's theme."""
    resolve_arguments(args)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(args.prog)
    family = register_fonts()
    i18n.set_language(args.lang)
    palette = HALL_DARK if args.role == "display" else HALL_LIGHT
    theme = Theme(palette=palette, family=family)
    theme.apply(app)
    app.setProperty("hallq_theme", theme)  # views find the theme without a global
    return app


def _state_name(args: argparse.Namespace) -> str:
    """The name this terminal's state files go by: its device id, else its role."""
    return str(getattr(args, "device", None) or getattr(args, "role", None) or "terminal")


def certificate_pin(args: argparse.Namespace) -> CertificatePin:
    """The pin of `server_cert` from the config, else the one learned before (or to learn)."""
    state_file = state_file_for(_state_name(args))
    try:
        return CertificatePin(getattr(args, "server_cert", None), state_file)
    except FingerprintError as exc:
        raise TerminalConfigError(f"server_cert: {exc}") from None


def connect_to_hall(
    args: argparse.Namespace,
    on_ready: Callable[[ServerLink], None],
    *,
    screens: tuple[QWidget, ...] = (),
) -> TerminalPairing:
    """A ServerLink to the hall given by --server, or found by zeroconf (off the GUI thread).

    Discovery retries until the hall answers; `on_ready(link)` runs once, on the GUI thread. The
    link is not started: the app connects its signals first, then calls `link.start()`. Without
    a token the terminal pairs first, its code shown over `screens` (terminal/pairing.py); the
    pairing returned pairs again by itself whenever the server refuses the token, and shows
    its screen over any window the app gives it later (`cover`).
    """
    pin = certificate_pin(args)
    app = QApplication.instance()
    pairing = TerminalPairing(
        str(getattr(args, "role", "")),  # kiosk, caller or display
        socket.gethostname(),
        TokenFile(token_file_for(state_file_for(_state_name(args)))),
        pin,
        configured=args.token,
        device=getattr(args, "device", None) or "",
        parent=app,
    )
    pairing.cover(*screens)

    def reached(url: str) -> None:
        def linked(token: str) -> None:
            link = ServerLink(url, token, app, pin=pin)
            pairing.watch(link)
            on_ready(link)

        token = pairing.token
        if token:
            linked(token)
        else:
            log.info("no device token: asking the hall at %s for pairing", url)
            pairing.pair(url, linked)

    if args.server:
        reached(args.server)
        return pairing

    def found(address: HallAddress | None) -> None:
        if address is None:
            log.info("hall %s not found yet; browsing again", args.hall_id or "(any)")
            QTimer.singleShot(DISCOVERY_RETRY_MS, browse)
            return
        log.info("found hall %s (%s) at %s", address.hall_id, address.name, address.url)
        if address.tls_fingerprint:
            pin.learn(address.tls_fingerprint)  # pairing: the first advert seen is trusted
        reached(address.url)

    def failed(exc: BaseException) -> None:
        log.warning("zeroconf discovery failed: %s", exc)
        QTimer.singleShot(DISCOVERY_RETRY_MS, browse)

    def browse() -> None:
        run_in_thread(
            lambda: discover_hall(args.hall_id, interfaces=args.mdns_interfaces),
            on_done=found,
            on_error=failed,
        )

    browse()
    return pairing
