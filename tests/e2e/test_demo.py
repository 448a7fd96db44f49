"""``hallq demo`` as a visitor runs it: up with a scenario, screenshots, Ctrl-C, nothing left."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from hallq.hall import ROOT, wait_gone
from hallq.processes import wait_for
from tests.e2e.test_whole_hall import unique_hall

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (./setup.sh installs it)"),
]


@contextmanager
def running_demo(
    tmp_path: Path, *args: str, data: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """`hallq demo` with the busy morning under Xvfb in `data` (tmp_path/demo), and its output
    lines as they come; killed afterwards if a test left it running."""
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "hallq.cli", "demo",
            "--config", str(unique_hall(tmp_path)),
            "--scenario", "busy-morning", "--seed", "7",
            "--display", "xvfb", "--data", str(data or tmp_path / "demo"), *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    lines: list[str] = []
    assert demo.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(demo.stdout or []), daemon=True)
    reader.start()
    try:
        yield demo, lines
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        reader.join(5)


def test_ctrl_c_stops_the_whole_demo(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    args = ("--terminals", "kiosk-1,caller-1,display-hall", "--screenshots-every", "1")
    with running_demo(tmp_path, *args) as (demo, lines):
        wait_for(lambda: any("Ctrl-C stops everything" in line for line in lines), 60,
                 "for the demo to be up")  # fmt: skip
        sheet = data / "screenshots" / "hall.png"
        wait_for(sheet.exists, 30, "for the screenshots")
        pids = [int(p) for p in re.findall(r"pid (\d+)", "".join(lines))]
        assert len(pids) == 5  # the server, three terminals and Xvfb
        demo.send_signal(signal.SIGINT)
        assert demo.wait(30) == 0, "".join(lines)
    assert wait_gone(pids) == [], "".join(lines)
    assert "nothing left running" in lines[-1]
    assert {p.name for p in (data / "screenshots").glob("*.png")} >= {
        "kiosk-1-kiosk.png",
        "caller-1-caller.png",
        "caller-1-evaluation.png",
        "display-hall-display.png",
    }


@pytest.mark.timeout(900)  # three halls, six terminals, three X servers start on a busy machine
def test_a_city_of_three_halls_feeds_its_own_postgresql(tmp_path: Path) -> None:
    # The demo's PostgreSQL runs as nobody when we are root: its folder must be reachable.
    data = Path(tempfile.mkdtemp(prefix="hallq-city-demo-"))
    data.chmod(0o755)
    args = ("--city", "3", "--terminals", "kiosk-1,caller-1", "--screenshots-every", "0")
    with running_demo(tmp_path, *args, data=data) as (demo, lines):
        wait_for(lambda: demo.poll() is not None or any("Ctrl-C" in line for line in lines),
                 480, "for the demo to be up")  # fmt: skip
        assert demo.poll() is None, "".join(lines)
        text = "".join(lines)
        url = re.search(r"city database (postgresql://\S+)", text)
        console = re.search(r"city console \(城市管理\): (http://\S+)", text)
        assert url and console, text
        halls = re.findall(r"hall id (\S+)\)", text)
        assert len(halls) == 3 and (data / "city" / "postgres" / "data" / "PG_VERSION").exists()

        def fed() -> bool:  # every hall's busy morning reaches the city
            with psycopg.connect(url[1]) as conn:
                rows = conn.execute(
                    "SELECT hall_id FROM hallq_feed f WHERE seq > 0 AND EXISTS "
                    "(SELECT 1 FROM hallq_tickets t WHERE t.hall_id = f.hall_id)"
                ).fetchall()
            return sorted(r[0] for r in rows) == sorted(halls)

        wait_for(fed, 120, "for the three halls' tickets in the city")
        with urllib.request.urlopen(console[1], timeout=10) as answer:  # the console is up
            assert answer.status == 200
        account = re.search(r"account (\S+) \(市级管理员 admin\), password (\S+);", text)
        assert account, text
        with psycopg.connect(url[1]) as conn:  # the printed account is the city's admin
            role = conn.execute(
                "SELECT role FROM hallq_console_accounts WHERE name = %s", (account[1],)
            ).fetchone()
        assert role == ("admin",)
        pids = [int(p) for p in re.findall(r"pid (\d+)", text)]
        assert len(pids) == 3 * 4 + 2  # per hall: server, 2 terminals, Xvfb; PostgreSQL, console
        demo.send_signal(signal.SIGINT)
        assert demo.wait(60) == 0, "".join(lines)
    assert wait_gone(pids) == [], "".join(lines)
    feeds = subprocess.run(["pgrep", "-f", f"city.feed --hall-db {data}"], capture_output=True)
    assert feeds.stdout == b""
    assert "nothing left running" in lines[-1]
    shutil.rmtree(data)
