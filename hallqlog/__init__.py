"""One logging setup for every hallq program: server, devices tool, kiosk, caller, display, demo.

`configure()` is called first thing in each program's `main()`, after every import: it replaces
whatever a library installed on import (python-escpos calls `logging.basicConfig()` when it is
imported, which made a later `basicConfig()` of ours do nothing). One format everywhere:
`2026-12-01 09:30:00 INFO hallq.link: …` on a terminal, and `<6>hallq.link: …` under systemd
(journald adds the time and reads the level from the `<N>` prefix). An ID number that slips into
a message is masked on the way out. Stdlib only (and `identity`), so every layer may import it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TextIO

from identity import mask_id_number

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "<%(syslog_priority)d>%(name)s: %(message)s"
LEVEL_VARIABLE = "HALLQ_LOG_LEVEL"
# Python level → syslog priority, which journald reads from a "<N>" line prefix.
_PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))
# 18 characters, the last a digit or X, not inside a longer run of digits: a GB 11643 number.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def syslog_priority(levelno: int) -> int:
    """The syslog priority of a Python log level (DEBUG and below → 7)."""
    return next((prio for level, prio in _PRIORITIES if levelno >= level), 7)


class PersonalDataFilter(logging.Filter):
    """Masks anything shaped like a citizen ID number in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, None
        record.syslog_priority = syslog_priority(record.levelno)
        return True


def under_journald(stream: TextIO) -> bool:
    """True when `stream` is connected to the systemd journal ($JOURNAL_STREAM names it)."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return expected == f"{st.st_dev}:{st.st_ino}"


class _StandardError(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test harness swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure(default_level: int = logging.INFO) -> None:
    """Route every logger to standard error in the one format; $HALLQ_LOG_LEVEL overrides the
    level (DEBUG, INFO, WARNING, ERROR)."""
    handler = _StandardError()
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(
        logging.Formatter(JOURNAL_FORMAT if under_journald(sys.stderr) else PLAIN_FORMAT)
    )
    level = os.environ.get(LEVEL_VARIABLE, "").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else default_level,
        handlers=[handler],
        force=True,
    )
