"""What the server does with connections that are not proper requests.

aiohttp logs every malformed request as an ERROR with a traceback; on a hall's LAN these are
port scanners and broken clients, so they become one WARNING line naming the peer and why.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError


class MalformedRequestLine(logging.Filter):
    """Turns aiohttp's "Error handling request" for a bad HTTP message into one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            why = exc.message.splitlines()[0] if exc.message else type(exc).__name__
            record.msg, record.args = "malformed HTTP request from %s: %s", (peer, why)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def quiet_malformed_requests() -> None:
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequestLine) for f in server_log.filters):
        server_log.addFilter(MalformedRequestLine())
