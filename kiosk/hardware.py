"""The kiosk's devices watched from worker threads, reported to the GUI thread as Qt signals.

The ID card reader and the code scanner block while they wait for a citizen; each gets a
daemon thread that loops over short bounded reads, so stopping is prompt and the GUI
thread never waits.  A device fault becomes a state (``device_state``), and the loop keeps
trying, so a replugged reader comes back by itself.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from devices.camera import Camera
from devices.errors import CardReadError, DeviceError, PayloadRejected
from devices.idcard import IdCard, IdCardReader
from devices.printer import TicketPrinter
from devices.scanner import Scanner

log = logging.getLogger("hallq.kiosk.hardware")

READ_SLICE_S = 0.25  # one bounded read; also how long stop() may take
RETRY_S = 1.0  # pause after a device fault before trying again
# A card left on the reader answers every read at once: look again only this often, or the
# thread would spin reading it and starve the GUI thread of the interpreter lock.
CARD_PRESENT_POLL_S = 0.3


@dataclass
class KioskDevices:
    """The devices one kiosk has; a missing one is None (the kiosk does without it)."""

    id_reader: IdCardReader | None = None
    scanner: Scanner | None = None
    printer: TicketPrinter | None = None
    camera: Camera | None = None

    def close(self) -> None:
        """Release every device."""
        for device in (self.id_reader, self.scanner, self.printer, self.camera):
            if device is not None:
                try:
                    device.close()
                except DeviceError as exc:
                    log.info("closing %s: %s", type(device).__name__, exc)


class _Watcher(QObject):
    """Runs ``poll(timeout)`` in a loop in a daemon thread until stopped."""

    device_state = Signal(str, bool, str)  # device name, usable, detail (never card data)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._usable: bool | None = None

    def start(self) -> None:
        """Start watching (idempotent)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread (at most one read slice)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=READ_SLICE_S * 8)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll(READ_SLICE_S)
            except DeviceError as exc:
                self._report(False, f"{self.name}: {exc}")
                self._stop.wait(RETRY_S)
                continue
            self._report(True, f"{self.name}: ok")

    def _report(self, usable: bool, detail: str) -> None:
        if usable != self._usable:
            self._usable = usable
            log.info("%s", detail)
            self.device_state.emit(self.name, usable, detail)

    def _poll(self, timeout: float) -> None:
        raise NotImplementedError


def _card_key(card: IdCard) -> str:
    # Only a digest stays in memory to tell "the same card still lying there" from a new one.
    return hashlib.sha256(card.id_number.encode()).hexdigest()


class CardWatcher(_Watcher):
    """Reports each card laid on the reader once, until it is taken away."""

    card_read = Signal(object)  # IdCard
    card_removed = Signal()
    card_failed = Signal(str)  # why a present card could not be read (no card data)

    def __init__(self, reader: IdCardReader, parent: QObject | None = None) -> None:
        super().__init__("id reader", parent)
        self._reader = reader
        self._present: str | None = None

    def _poll(self, timeout: float) -> None:
        try:
            card = self._reader.read_card(timeout)
        except CardReadError as exc:
            self.card_failed.emit(str(exc))
            return
        if card is None:
            if self._present is not None:
                self._present = None
                self.card_removed.emit()
            return
        key = _card_key(card)
        if key != self._present:
            self._present = key
            self.card_read.emit(card)
        self._stop.wait(CARD_PRESENT_POLL_S)


class ScanWatcher(_Watcher):
    """Reports each code shown to the scanner (the scanner drops repeats itself)."""

    scanned = Signal(str)
    rejected = Signal(str)

    def __init__(self, scanner: Scanner, parent: QObject | None = None) -> None:
        super().__init__("scanner", parent)
        self._scanner = scanner

    def _poll(self, timeout: float) -> None:
        try:
            scan = self._scanner.read_scan(timeout)
        except PayloadRejected as exc:
            self.rejected.emit(str(exc))
            return
        if scan is not None:
            self.scanned.emit(scan.text)


def watch(
    devices: KioskDevices,
    on_card: Callable[[IdCard], None],
    on_card_failed: Callable[[str], None],
    on_scan: Callable[[str], None],
    on_scan_rejected: Callable[[str], None],
    on_state: Callable[[str, bool, str], None],
    parent: QObject | None = None,
) -> list[_Watcher]:
    """Start a watcher per input device and connect its signals; returns them for stop()."""
    watchers: list[_Watcher] = []
    if devices.id_reader is not None:
        cards = CardWatcher(devices.id_reader, parent)
        cards.card_read.connect(on_card)
        cards.card_failed.connect(on_card_failed)
        watchers.append(cards)
    if devices.scanner is not None:
        scans = ScanWatcher(devices.scanner, parent)
        scans.scanned.connect(on_scan)
        scans.rejected.connect(on_scan_rejected)
        watchers.append(scans)
    for watcher in watchers:
        watcher.device_state.connect(on_state)
        watcher.start()
    return watchers
