"""A whole hall on one machine: the hall server, terminals and simulated devices as processes.

`LocalHall` is what ``hallq demo`` and the end-to-end test run: it pairs every device with a
fresh token, starts the server (advertising itself by zeroconf on loopback), an X server when
the machine has no display, and each terminal app through `hallq.remote_control` so a scenario
or a test can press its buttons.  Terminals find the server by zeroconf, as in a real hall.

The orchestrator is not a terminal: it may write tokens straight into the hall's database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.idcard import IdCard, PtySamServer, SamModuleSim
from devices.pty_port import PtyPort
from hallserver.config import load_config
from hallserver.domain.settings import HallSettings
from hallserver.security import pin_hash, token_hash
from hallserver.store import Store
from hallserver.tls import certificate_paths
from manage import accounts, records

from .processes import Child, start_child, wait_for
from .terminals import RemoteError, RemoteTerminal

log = logging.getLogger("hallq.hall")

# The checkout (or, installed from the wheel, site-packages, which holds assets/ as well).
ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
SAMPLE_HALL = ASSETS / "halls" / "sample.toml"
DEMO_TERMINALS = (
    "kiosk-1",
    "kiosk-2",
    "caller-1",
    "caller-2",
    "caller-4",
    "display-hall",
    "display-supervision",
)
CLERK_PIN = "1234"
CLERK_NAMES = (
    "王丽", "刘洋", "陈静", "张伟", "李娜", "赵强",
    "孙敏", "周杰", "吴霞", "郑磊", "冯雪",
)  # fmt: skip
# The screens halls buy (full HD kiosk and wall screen); the clerk's screen is smaller, so a
# visitor sees it beside the others.
SCREEN_SIZES = {"kiosk": "1920x1080", "caller": "1280x720", "display": "1920x1080"}
XVFB_DISPLAYS = range(61, 100)
XVFB_SIZE = "1920x1080x24"
START_TIMEOUT_S = 30.0
DEMO_MANAGER, DEMO_PASSWORD = "demo", "hallq-demo"  # the demo's 管理员 account


class HallStartError(RuntimeError):
    """A part of the local hall did not come up (the message carries its log's tail)."""


@dataclass
class KioskSims:
    """A kiosk's card reader and code scanner simulated on serial ports (pseudo-terminals):
    the kiosk opens them with its real drivers; the scenario lays cards and shows codes."""

    sam: SamModuleSim = field(default_factory=SamModuleSim)
    reader: PtySamServer | None = None
    scanner: PtyPort | None = None

    def start(self) -> dict[str, str]:
        """Open the ports; the kiosk's [devices] entries for them."""
        # Unpaced: the demo's reader need not be as slow as a 115200-baud one.
        self.reader = PtySamServer(self.sam, pace=False)
        self.scanner = PtyPort(lambda _data: b"", pace=False)
        return {
            "id_reader": self.reader.start(),
            "scanner": f"serial:{self.scanner.start()}?baudrate=9600",
        }

    def lay_card(self, card: IdCard) -> None:
        self.sam.insert_card(card)

    def take_card(self) -> None:
        self.sam.remove_card()

    def show_code(self, payload: str) -> None:
        """The scanner module reads a code and sends it as a line."""
        assert self.scanner is not None
        self.scanner.write(payload.encode("utf-8") + b"\r\n")

    def stop(self) -> None:
        for port in (self.reader, self.scanner):
            if port is not None:
                port.stop()


@dataclass(frozen=True)
class TerminalPlan:
    """How one terminal of the hall config is started."""

    device: str
    app: str  # kiosk | caller | display
    options: tuple[str, ...] = ()
    devices: dict[str, str] = field(default_factory=dict)  # kiosk [devices] entries


class LocalHall:
    """The hall server and terminals of one hall config, running on this machine.

    `data` holds everything of the run: the database (fresh on every start), terminal configs
    (with their tokens, mode 0600), logs and screenshots.  `display` is "auto" (this machine's
    display, else Xvfb), "xvfb" or "offscreen".
    """

    def __init__(
        self,
        data: Path,
        *,
        config: Path = SAMPLE_HALL,
        terminals: tuple[str, ...] = DEMO_TERMINALS,
        display: str = "auto",
        xvfb_displays: range = XVFB_DISPLAYS,
        voice: str = "clips",
        kiosk_devices: dict[str, dict[str, str]] | None = None,
        simulated_kiosk_ports: bool = False,
    ) -> None:
        self.data = data.resolve()
        self.config = config.resolve()
        self.settings: HallSettings = load_config(self.config)
        unknown = [t for t in terminals if self.settings.device(t) is None]
        if unknown:
            raise ValueError(f"not a device of {self.config.name}: {', '.join(unknown)}")
        self.terminal_ids = terminals
        self.display_mode = display
        self.xvfb_displays = xvfb_displays
        self.voice = voice
        self.kiosk_devices = kiosk_devices or {}
        self.sims: dict[str, KioskSims] = {}
        if simulated_kiosk_ports:
            self.sims = {t: KioskSims() for t in terminals if t.startswith("kiosk")}
        self.tokens: dict[str, str] = {}
        self.city_url = ""  # the city's PostgreSQL the server feeds (hallq demo --city)
        self.url = ""
        self.console_url = ""
        self.x_display: str | None = None
        self.children: list[Child] = []
        self.server: Child | None = None
        self.xvfb: Child | None = None
        self.remotes: dict[str, RemoteTerminal] = {}

    # ----- paths -------------------------------------------------------------------------------
    @property
    def db(self) -> Path:
        return self.data / "hall.db"

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    @property
    def screenshots(self) -> Path:
        return self.data / "screenshots"

    @property
    def run_dir(self) -> Path:
        return self.data / "run"

    # ----- starting ----------------------------------------------------------------------------
    def start(self) -> None:
        """Everything up, terminals connected; on any failure whatever started is stopped."""
        try:
            self._prepare()
            self._pair()
            self._start_display()
            self._start_server()
            self._sign_in_callers()
            for device in self.terminal_ids:
                self._start_terminal(self._plan(device))
            self.wait_terminals()
        except BaseException:
            self.stop()
            raise

    def _prepare(self) -> None:
        for path in (self.run_dir, self.logs):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        for path in certificate_paths(self.db):  # a new hall: a new certificate, paired afresh
            path.unlink(missing_ok=True)

    def _pair(self) -> None:
        """A fresh token for every device and a clerk (PIN 1234) for every window."""
        store = Store(self.db)
        try:
            for device in self.settings.devices:
                token = secrets.token_urlsafe(32)
                store.set_token(device.id, token_hash(token))
                self.tokens[device.id] = token
            digest = pin_hash(CLERK_PIN)
            for n, window in enumerate(self.settings.windows):
                name = CLERK_NAMES[n % len(CLERK_NAMES)]
                store.set_clerk(clerk_for(window.id), name, digest)
            records.create(store.conn)
            records.save_manager(
                store.conn,
                DEMO_MANAGER,
                "admin",
                accounts.password_hash(DEMO_PASSWORD),
                dt.datetime.now(dt.UTC),
            )
        finally:
            store.close()

    def _start_display(self) -> None:
        mode = self.display_mode
        if mode == "auto":
            if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
                return
            mode = "xvfb" if shutil.which("Xvfb") else "offscreen"
        if mode == "offscreen":
            return
        for number in self.xvfb_displays:
            if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            xvfb = start_child(
                "xvfb",
                ["Xvfb", f":{number}", "-screen", "0", XVFB_SIZE, "-nolisten", "tcp"],
                self.logs / "xvfb.log",
            )
            socket = Path(f"/tmp/.X11-unix/X{number}")
            try:
                wait_for(socket.exists, 10, f"for Xvfb :{number}", child=xvfb)
            except RuntimeError:
                xvfb.stop()  # another X server took this number meanwhile: try the next
                continue
            self.xvfb = xvfb
            self.x_display = f":{number}"
            return
        raise HallStartError("no free X display number for Xvfb")

    def child_env(self, name: str) -> dict[str, str]:
        """The environment of the server or a terminal."""
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        # python-escpos writes its capabilities cache on first import: two kiosks starting
        # together would read each other's half-written file, so each gets its own.
        env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(self.run_dir / f"escpos-{name}")
        # Terminals keep the server certificate they pinned at pairing here, not in $HOME.
        env["XDG_STATE_HOME"] = str(self.run_dir / "state")
        env.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false;qt.qpa.*=false")
        if self.x_display is not None:
            env["DISPLAY"] = self.x_display
            env["QT_QPA_PLATFORM"] = "xcb"
        elif self.display_mode == "offscreen" or not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            env["QT_QPA_PLATFORM"] = "offscreen"
        return env

    def _start_server(self) -> None:
        args = [
            sys.executable, "-m", "hallserver.cli",
            "--config", str(self.config), "--db", str(self.db),
            "--host", "127.0.0.1", "--port", "0", "--ignore-hours",
            *(["--city", self.city_url] if self.city_url else []),
        ]  # fmt: skip
        server = start_child(
            "hall server",
            args,
            self.logs / "server.log",
            env=self.child_env("server"),
            stdout=subprocess.PIPE,
        )
        self.server = server
        self.children.append(server)
        assert server.proc.stdout is not None
        line = _read_line(server.proc.stdout, START_TIMEOUT_S)
        if not line.startswith("listening on "):
            raise HallStartError(f"the hall server did not start:\n{server.log_tail()}")
        self.url = line.split()[-1]
        line = _read_line(server.proc.stdout, START_TIMEOUT_S)
        if not line.startswith("console on "):
            raise HallStartError(f"the manager console did not start:\n{server.log_tail()}")
        self.console_url = line.split()[-1]
        # The server prints nothing more on stdout; keep the pipe drained all the same.
        threading.Thread(target=server.proc.stdout.read, daemon=True).start()

    def _sign_in_callers(self) -> None:
        """Clerks at the demo's windows are at work when the hall opens."""
        for device in self.terminal_ids:
            d = self.settings.device(device)
            if d is not None and d.role == "caller" and d.window:
                self.sign_in(d.window)

    def _plan(self, device_id: str) -> TerminalPlan:
        device = self.settings.device(device_id)
        assert device is not None
        if device.role == "kiosk":
            devices = dict(self.kiosk_devices.get(device_id, {}))
            if device_id in self.sims:
                devices.update(self.sims[device_id].start())
            return TerminalPlan(device_id, "kiosk", ("--sim",), devices)
        if device.role == "caller":
            counts = self.run_dir / f"{device_id}-counts.json"
            return TerminalPlan(device_id, "caller", ("--sim", "--counts-file", str(counts)))
        if device.role == "display":
            options = ["--voice", self.voice]
            if "supervision" in device_id:
                options.append("--supervision")
            return TerminalPlan(device_id, "display", tuple(options))
        raise ValueError(f"{device_id} is a {device.role}: not a terminal the demo runs")

    def terminal_config(self, plan: TerminalPlan) -> Path:
        """The terminal-local config an installer would write: token, hall id, devices."""
        lines = [
            f"device = {json.dumps(plan.device)}",
            f"token = {json.dumps(self.tokens[plan.device])}",
            f"hall_id = {json.dumps(self.settings.id)}",
            'mdns_interfaces = ["127.0.0.1"]',
            "windowed = true",
            f"screen_size = {json.dumps(SCREEN_SIZES[plan.app])}",
        ]
        if plan.devices:
            lines.append("\n[devices]")
            lines += [f"{kind} = {json.dumps(spec)}" for kind, spec in plan.devices.items()]
        path = self.run_dir / f"{plan.device}.toml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def _start_terminal(self, plan: TerminalPlan) -> None:
        port_file = self.run_dir / f"{plan.device}.remote.json"
        args = [
            sys.executable, "-m", "hallq.remote_control",
            "--app", plan.app, "--port-file", str(port_file), "--",
            "--config", str(self.terminal_config(plan)), *plan.options,
        ]  # fmt: skip
        log_path = self.logs / f"{plan.device}.log"
        child = start_child(plan.device, args, log_path, env=self.child_env(plan.device))
        self.children.append(child)
        self.remotes[plan.device] = RemoteTerminal(plan.device, port_file)

    def wait_terminals(self, timeout_s: float = 90.0) -> None:
        """Until every terminal has found the hall (zeroconf) and shows its working screen."""
        for device, remote in self.remotes.items():
            child = self.child(device)
            wait_for(
                lambda r=remote, d=device: self._working(d, r),  # type: ignore[misc]
                timeout_s,
                f"for {device} to connect to the hall",
                child=child,
            )

    def _working(self, device: str, remote: RemoteTerminal) -> bool:
        if not remote.ready():
            return False
        try:
            text = remote.text()
        except RemoteError:
            return False
        if "大厅服务器" in text:  # the connecting / reconnecting overlay is up
            return False
        role = device.split("-")[0]
        if role == "kiosk":
            return any(b["name"].startswith("area-") for b in remote.buttons())
        if role == "caller":
            return "叫号" in text
        return len(text) > 40

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    # ----- talking to the hall -----------------------------------------------------------------
    def request(
        self, method: str, path: str, body: Any = None, *, device: str = "manager-1"
    ) -> tuple[int, Any]:
        """One API call with `device`'s token: (status, parsed JSON)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/api/v1{path}", data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.tokens[device]}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10, context=self._tls_client()) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            payload = e.read()
            return e.code, json.loads(payload) if payload.startswith(b"{") else payload

    def _tls_client(self) -> ssl.SSLContext | None:
        """Trusts the hall server's own certificate (the server runs HTTPS, as in a hall)."""
        if not self.url.startswith("https:"):
            return None
        return ssl.create_default_context(cafile=certificate_paths(self.db)[0])

    def sign_in(self, window: str) -> None:
        """The window's clerk signs in (through the window's caller token)."""
        status, body = self.request(
            "POST",
            f"/windows/{window}/session",
            {"clerk": clerk_for(window), "pin": CLERK_PIN},
            device=f"caller-{window}",
        )
        if status != 200:
            raise HallStartError(f"clerk could not sign in at window {window}: {body}")

    def take_screenshots(self, folder: Path | None = None) -> list[Path]:
        """Every terminal's windows as PNG files (named after the device)."""
        folder = folder or self.screenshots
        saved: list[Path] = []
        for device, remote in self.remotes.items():
            with contextlib.suppress(RemoteError):
                saved += remote.grab(folder, device)
        return saved

    # ----- stopping ----------------------------------------------------------------------------
    def running(self) -> list[Child]:
        return [c for c in self.children if c.running()]

    def stop(self) -> None:
        """Terminals first, then the server, the X server and the simulated ports."""
        for child in reversed(self.children):
            child.stop()
        if self.xvfb is not None:
            self.xvfb.stop()
            self.xvfb = None
        for sims in self.sims.values():
            sims.stop()

    def pids(self) -> list[int]:
        """Every process this hall started (for checks that nothing is left behind)."""
        extra = [self.xvfb] if self.xvfb is not None else []
        return [c.pid for c in [*self.children, *extra]]

    def __enter__(self) -> LocalHall:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def clerk_for(window: str) -> str:
    return f"clerk-{window}"


def _read_line(stream: Any, timeout_s: float) -> str:
    """One line from a pipe, or "" after `timeout_s` (the child may hang before printing)."""
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    return result[0].decode("utf-8", "replace").strip() if result else ""


def alive(pid: int) -> bool:
    """True while `pid` is a live process (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], timeout_s: float = 10.0) -> list[int]:
    """The pids still alive after waiting up to `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
