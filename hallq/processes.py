"""Child processes of the demo: each in its own session, stopped by its PID, nothing left behind.

Every child gets its own session (so a Ctrl-C in the demo's terminal reaches only the demo,
which then stops the children in order) and logs to its own file.  Stopping sends SIGTERM to
the child's process group, then SIGKILL to whatever is still there after a grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger("hallq.processes")

STOP_GRACE_S = 5.0


@dataclass
class Child:
    """A running child process and the log it writes to."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace_s: float = STOP_GRACE_S) -> int:
        """SIGTERM its process group, SIGKILL after `grace_s`; returns the exit code."""
        if self.running():
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %d) ignored SIGTERM: killing it", self.name, self.pid)
        # The group may hold helpers the child started (none today): they go too.
        _signal_group(self.pid, signal.SIGKILL)
        code = self.proc.wait()
        self._log.close()
        return code

    def log_tail(self, lines: int = 20) -> str:
        """The end of the child's log, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def start_child(
    name: str,
    args: list[str],
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int | None = None,
) -> Child:
    """Start `args` in a new session, stderr (and stdout unless piped) appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=stdout if stdout is not None else log_file,
        stderr=log_file,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    log.info("started %s (pid %d), log %s", name, proc.pid, log_path)
    return Child(name, proc, log_path, log_file)


def wait_for(
    predicate: Callable[[], object], timeout_s: float, what: str, *, child: Child | None = None
) -> None:
    """Poll `predicate()` until true; raise TimeoutError naming `what` (and the child's log)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if child is not None and not child.running():
            raise RuntimeError(f"{child.name} exited ({child.proc.returncode}) {what}:\n"
                               f"{child.log_tail()}")  # fmt: skip
        if time.monotonic() > deadline:
            tail = f":\n{child.log_tail()}" if child is not None else ""
            raise TimeoutError(f"timed out after {timeout_s:g} s {what}{tail}")
        time.sleep(0.1)
