"""A real `hallq-server` process on 127.0.0.1 with paired devices and clerks, for tests."""

from __future__ import annotations

import json
import os
import shlex
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hallserver.config import load_config
from hallserver.security import pin_hash, token_hash
from hallserver.store import Store
from hallserver.tls import certificate_paths, fingerprint_of

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "assets" / "halls" / "sample.toml"
CLERK_PIN = "1234"


def run_command(*args: str, read_only: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m <args>` in the checkout; with `read_only`, that folder is mounted read-only
    for the command alone (a mount namespace of its own: works for root and other users)."""
    command = [sys.executable, "-m", *args]
    if read_only is not None:
        mount = shlex.join(["mount", "--bind", "-o", "ro", str(read_only), str(read_only)])
        command = ["unshare", "-rm", "sh", "-c", f"{mount} && exec {shlex.join(command)}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)


def clerk_for(window: str) -> str:
    """Each window of the sample hall has a clerk `clerk-<window>` with PIN 1234."""
    return f"clerk-{window}"


@dataclass
class HallServerProcess:
    """Starts, kills and restarts a hall server on one database; knows every device's token.

    `tls=True` serves HTTPS as a hall does (certificate made beside the database); the default
    is plain HTTP (`--no-tls`), which the tests of the API and the web pages talk to.
    """

    db: Path
    config: Path = SAMPLE
    tls: bool = False
    extra_args: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    port: int = 0

    def pair_all(self) -> None:
        """Tokens for every configured device and a clerk per window, written straight to the db."""
        settings = load_config(self.config)
        store = Store(self.db)
        digest = pin_hash(CLERK_PIN)
        for d in settings.devices:
            token = f"test-{d.id}-{os.urandom(8).hex()}"
            store.set_token(d.id, token_hash(token))
            self.tokens[d.id] = token
        for w in settings.windows:
            store.set_clerk(clerk_for(w.id), f"窗口{w.id}办事员", digest)
        store.close()

    def start(self, port: int | None = None) -> None:
        args = [
            sys.executable,
            "-m",
            "hallserver.cli",
            "--config",
            str(self.config),
            "--db",
            str(self.db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port or self.port),
            "--manage-port",
            "0",  # the console on a free port, also when a restart reuses the API's port
            "--no-zeroconf",
            "--ignore-hours",
            *([] if self.tls else ["--no-tls"]),
            *self.extra_args,
        ]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            self.proc.wait(5)
            raise RuntimeError(f"hall server did not start: {line!r} {err}")
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> int:
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(10)
        finally:
            self._close()
        return code

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self._close()

    def _close(self) -> None:
        if self.proc is not None:
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
            self.proc = None

    def restart(self, *, hard: bool = False) -> None:
        """Stop (or kill -9) and start again on the same port and database."""
        port = self.port
        self.kill() if hard else self.stop()
        deadline = time.monotonic() + 10
        while True:
            try:
                self.start(port)
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    @property
    def certificate(self) -> Path:
        return certificate_paths(self.db)[0]

    @property
    def fingerprint(self) -> str:
        """The SHA-256 of the server's certificate, as terminals pin it."""
        return fingerprint_of(self.certificate.read_bytes())

    def client_ssl(self) -> ssl.SSLContext | None:
        """For clients of this server: trusts its own certificate (None without TLS)."""
        return ssl.create_default_context(cafile=self.certificate) if self.tls else None

    # ----- a tiny synchronous client -----------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        device: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + "/api/v1" + path, data=data, method=method)
        if device is not None:
            req.add_header("Authorization", f"Bearer {self.tokens[device]}")
        if data is not None and raw is None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.client_ssl()) as resp:
                payload = resp.read()
                status = resp.status
                kind = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            payload, status, kind = e.read(), e.code, e.headers.get("Content-Type", "")
        if "json" in kind:
            return status, json.loads(payload)
        return status, payload

    def sign_in(self, window: str) -> None:
        status, body = self.request(
            "POST",
            f"/windows/{window}/session",
            {"clerk": clerk_for(window), "pin": CLERK_PIN},
            device=f"caller-{window}",
        )
        assert status == 200, body


class HallOnSmallDisk:
    """A hall server whose database lives on an 8 MiB tmpfs of its own mount namespace; the
    test fills and frees that disk from inside the namespace (nsenter). Its stdout's first two
    lines name the API's and the console's addresses."""

    def __init__(self, tmp_path: Path, size: str = "8m") -> None:
        self.seed = HallServerProcess(db=tmp_path / "seed" / "hall.db")
        self.seed.db.parent.mkdir()
        self.seed.pair_all()
        self.disk = tmp_path / "disk"
        self.disk.mkdir()
        self.size = size

    def start(self, *, full: bool = False) -> subprocess.Popen[str]:
        fill = f" && (cat /dev/zero > {self.disk}/filler 2>/dev/null; true)" if full else ""
        script = (
            f"mount -t tmpfs -o size={self.size} tmpfs {self.disk} && cp {self.seed.db} "
            f"{self.disk}/{fill} && exec {sys.executable} -m hallserver.cli "
            f"--config {SAMPLE} --db {self.disk}/hall.db --host 127.0.0.1 --port 0 "
            "--no-zeroconf --ignore-hours --no-tls"
        )
        return subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def inside(self, pid: int, command: str) -> str:
        r = subprocess.run(
            ["nsenter", "-t", str(pid), "-m", "sh", "-c", command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        return r.stdout
