"""A terminal app started as a program (offscreen, simulated devices) with its remote hands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hallq.processes import Child, start_child
from hallq.terminals import RemoteTerminal
from tests.support.server import ROOT


def start_terminal(app: str, folder: Path, *options: str) -> tuple[Child, RemoteTerminal]:
    """`hallq-<app> --sim --windowed <options>` under `hallq.remote_control`; its state (pin,
    paired token) in `folder`/state, its log in `folder`/<app>.log."""
    port_file = folder / f"{app}.remote.json"
    port_file.unlink(missing_ok=True)  # a restart writes it again
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(folder / "state")}
    env.pop("JOURNAL_STREAM", None)
    args = [
        sys.executable, "-m", "hallq.remote_control", "--app", app,
        "--port-file", str(port_file), "--", "--sim", "--windowed", *options,
    ]  # fmt: skip
    child = start_child(app, args, folder / f"{app}.log", env=env, cwd=ROOT)
    return child, RemoteTerminal(app, port_file)
