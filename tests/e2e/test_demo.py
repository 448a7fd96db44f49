"""``hallq demo`` as a visitor runs it: up with a scenario, screenshots, Ctrl-C, nothing left."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hallq.hall import ROOT, wait_gone
from hallq.processes import wait_for
from tests.e2e.test_whole_hall import unique_hall

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (./setup.sh installs it)"),
]


def test_ctrl_c_stops_the_whole_demo(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "hallq.cli", "demo",
            "--config", str(unique_hall(tmp_path)),
            "--terminals", "kiosk-1,caller-1,display-hall",
            "--scenario", "busy-morning", "--seed", "7",
            "--display", "xvfb", "--data", str(data), "--screenshots-every", "1",
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
        wait_for(lambda: any("Ctrl-C stops everything" in line for line in lines), 60,
                 "for the demo to be up")  # fmt: skip
        sheet = data / "screenshots" / "hall.png"
        wait_for(sheet.exists, 30, "for the screenshots")
        pids = [int(p) for p in re.findall(r"pid (\d+)", "".join(lines))]
        assert len(pids) == 5  # the server, three terminals and Xvfb
        demo.send_signal(signal.SIGINT)
        assert demo.wait(30) == 0, "".join(lines)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    reader.join(5)
    assert wait_gone(pids) == [], "".join(lines)
    assert "nothing left running" in lines[-1]
    assert {p.name for p in (data / "screenshots").glob("*.png")} >= {
        "kiosk-1-kiosk.png",
        "caller-1-caller.png",
        "caller-1-evaluation.png",
        "display-hall-display.png",
    }
