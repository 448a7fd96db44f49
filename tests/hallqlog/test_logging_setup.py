"""The one logging setup: it wins over libraries that configure logging on import, speaks
journald's level prefixes under systemd, and never lets an ID number through."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# python-escpos calls logging.basicConfig() when imported (through devices.printer): the
# programs' own setup must still decide the format and let INFO through.
_PROGRAM = """
import logging, os, sys
import devices.printer
import hallqlog
if os.environ.get("AS_JOURNAL"):
    st = os.fstat(sys.stderr.fileno())
    os.environ["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
hallqlog.configure()
log = logging.getLogger("hallq.kiosk")
log.info("card read for %s", "11010519491231002X")
log.warning("printer: paper out")
log.debug("not shown")
"""


def _run(**env: str) -> list[str]:
    with tempfile.TemporaryFile() as err:  # a real file: JOURNAL_STREAM names an inode
        subprocess.run(
            [sys.executable, "-c", _PROGRAM],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **env},
            stderr=err,
            check=True,
            timeout=60,
        )
        err.seek(0)
        return err.read().decode().splitlines()


def test_our_format_and_level_win_over_escpos_import() -> None:
    lines = _run()
    assert len(lines) == 2, lines
    assert lines[0].endswith(" INFO hallq.kiosk: card read for 110105********002X")
    assert lines[1].endswith(" WARNING hallq.kiosk: printer: paper out")
    assert lines[0][:4].isdigit()  # a timestamp outside the journal


def test_under_journald_no_timestamp_and_syslog_priorities() -> None:
    lines = _run(AS_JOURNAL="1")
    assert lines == [
        "<6>hallq.kiosk: card read for 110105********002X",
        "<4>hallq.kiosk: printer: paper out",
    ]


def test_level_from_the_environment() -> None:
    lines = _run(HALLQ_LOG_LEVEL="warning")
    assert [line.split(" ", 2)[2] for line in lines] == ["WARNING hallq.kiosk: printer: paper out"]
