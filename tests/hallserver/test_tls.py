"""The hall server serves HTTPS by default with a certificate it makes beside its database."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from hallserver.tls import certificate_paths
from tests.support.server import ROOT, SAMPLE, HallServerProcess


def test_first_start_makes_a_private_certificate_that_later_starts_keep(tmp_path: Path) -> None:
    server = HallServerProcess(db=tmp_path / "hall.db", tls=True)
    server.pair_all()
    server.start()
    try:
        assert server.url.startswith("https://")
        assert server.request("GET", "/devices/me", device="kiosk-1")[0] == 200
        first = server.fingerprint
        for path in certificate_paths(server.db):
            assert path.parent == tmp_path
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        server.restart()
        assert server.fingerprint == first  # terminals that pinned it keep working
        assert server.request("GET", "/health")[0] == 200
    finally:
        server.kill()


def test_no_tls_serves_plain_http_and_makes_no_certificate(tmp_path: Path) -> None:
    server = HallServerProcess(db=tmp_path / "hall.db", tls=False)
    server.pair_all()
    server.start()
    try:
        assert server.url.startswith("http://")
        assert server.request("GET", "/health")[0] == 200
    finally:
        server.kill()
    assert not any(p.exists() for p in certificate_paths(server.db))


def test_a_lost_key_stops_the_server_with_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    cert, key = certificate_paths(db)
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    args = ["--config", str(SAMPLE), "--db", str(db), "--port", "0", "--no-zeroconf"]
    r = subprocess.run(
        [sys.executable, "-m", "hallserver.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"hallq-server: {key} is missing: restore it from the backup, or remove {cert.name} and "
        f"{key.name} to make a new certificate (every terminal must then be paired again)"
    ]
