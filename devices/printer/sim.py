"""Simulated ticket printers: in process, and on a TCP port like a network printer."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

from escpos.escpos import Escpos

from .codec import (
    DLE_EOT_OFFLINE_CAUSE,
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterStatus,
    PrintMode,
    encode_status,
)
from .driver import EscposTicketPrinter

_QUERIES = {DLE_EOT_PRINTER: 0, DLE_EOT_OFFLINE_CAUSE: 1, DLE_EOT_PAPER: 2}
CUT = b"\x1dV\x00"


class SimPrinterState:
    """The simulated mechanism: what it was sent and how it is (paper, cover, online).

    An OFFLINE printer stops answering status queries, as a powered-down or jammed one
    does.  Thread-safe; ``output`` is every byte received except status queries.
    """

    def __init__(self, status: PrinterStatus = PrinterStatus.OK) -> None:
        self._lock = threading.Lock()
        self.status = status
        self._output = bytearray()

    def receive(self, data: bytes) -> bytes | None:
        """Take bytes from the host; return a status answer when they were a query.

        Status queries are recognised only as whole writes: the driver sends each alone and
        waits for its answer, so they never share a write with ticket data.
        """
        with self._lock:
            index = _QUERIES.get(bytes(data))
            if index is None:
                self._output += data
                return None
            if self.status is PrinterStatus.OFFLINE:
                return b""
            return bytes([encode_status(self.status)[index]])

    @property
    def output(self) -> bytes:
        """Everything printed so far."""
        with self._lock:
            return bytes(self._output)

    @property
    def tickets_cut(self) -> int:
        """How many tickets were finished with a cut."""
        return self.output.count(CUT)

    def clear(self) -> None:
        """Empty the output (tear off the printed tickets)."""
        with self._lock:
            self._output.clear()


class SimEscposTransport(Escpos):
    """An escpos transport wired to a :class:`SimPrinterState`."""

    def __init__(self, state: SimPrinterState, **kwargs: object) -> None:
        Escpos.__init__(self, **kwargs)
        self.state = state
        self._answers = bytearray()

    def _raw(self, msg: bytes) -> None:
        answer = self.state.receive(msg)
        if answer:
            self._answers += answer

    def _read(self) -> bytes:
        answer, self._answers = bytes(self._answers[:1]), self._answers[1:]
        return answer


class SimTicketPrinter(EscposTicketPrinter):
    """The real ESC/POS driver printing into a simulated printer.

    Set ``set_status(PrinterStatus.PAPER_OUT)`` (or COVER_OPEN, OFFLINE) to see how the
    app copes; ``output`` holds the bytes printed.
    """

    def __init__(self, mode: PrintMode = PrintMode.TEXT, font_path: Path | None = None) -> None:
        self.state = SimPrinterState()
        super().__init__(
            lambda: SimEscposTransport(self.state),
            reads_status=True,
            mode=mode,
            font_path=font_path,
        )

    def set_status(self, status: PrinterStatus) -> None:
        """Put the simulated printer into ``status``."""
        self.state.status = status

    @property
    def output(self) -> bytes:
        """Bytes printed so far."""
        return self.state.output


class SimNetworkPrinter:
    """A network printer on 127.0.0.1 (port 9100 style) backed by a :class:`SimPrinterState`.

    ``start()`` returns the printer URL; received bytes are also appended to ``capture``
    when given, so ``hallq-devices sim printer`` leaves a file to inspect.
    """

    def __init__(self, state: SimPrinterState | None = None, capture: Path | None = None):
        self.state = state if state is not None else SimPrinterState()
        self.capture = capture
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.url = ""

    def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 and return ``network:127.0.0.1:PORT``."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        server.settimeout(0.1)
        self._server = server
        self.url = f"network:127.0.0.1:{server.getsockname()[1]}"
        thread = threading.Thread(target=self._accept, name="sim-printer", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self.url

    def _accept(self) -> None:
        assert self._server is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    # Stop only when idle, so bytes already sent are not lost on stop().
                    if self._stopping.is_set():
                        return
                    continue
                except OSError:
                    return
                if not data:
                    return
                answer = self.state.receive(data)
                if answer is None and self.capture is not None:
                    with self.capture.open("ab") as out:
                        out.write(data)
                if answer:
                    with contextlib.suppress(OSError):
                        conn.sendall(answer)

    def stop(self) -> None:
        """Close the listener and every connection."""
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for thread in self._threads:
            thread.join(timeout=1)
        self._threads.clear()

    def __enter__(self) -> SimNetworkPrinter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
