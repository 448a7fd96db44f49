"""Feeds a display's board from the server link and decides what is said aloud.

Events update the board at once (a call is on screen within one event-loop turn); snapshots
(GET /windows, /queues, /stats) are refreshed after a reconnect, a little after events that
change them, and periodically for the estimated waits. Calls are announced only when this
display is its zone's speaker, the link is live (not replaying a backlog), and the call is less
than a minute old — so an outage never ends in a burst of stale announcements.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from terminal.hall import HallInfo
from terminal.link import Result, ServerLink
from terminal.voice import Announcer

from .board import Call, CallBoard, SupervisionBoard

log = logging.getLogger("hallq.display")

SNAPSHOT_DELAY_MS = 800  # events come in bursts: one refresh after the burst
QUEUE_REFRESH_MS = 30_000  # estimated waits change with time even without events
STATS_REFRESH_MS = 60_000
SETUP_RETRY_MS = 2000
MAX_SNAPSHOT_TRIES = 3
QUEUE_EVENTS = {
    "ticket.issued",
    "ticket.called",
    "ticket.no_show",
    "ticket.transferred",
    "ticket.checked_in",
    "ticket.cancelled",
    "window.opened",
    "window.closed",
    "window.paused",
    "window.resumed",
}
FIGURE_EVENTS = {"ticket.issued", "ticket.finished", "ticket.no_show", "ticket.evaluated"}


class DisplaySetup:
    """What a display learns before it shows anything: the hall and its own device config."""

    def __init__(self, hall: HallInfo, device: Mapping[str, Any]) -> None:
        self.hall = hall
        self.device_id = str(device.get("id", ""))
        self.name = str(device.get("name", ""))
        self.services: list[str] = list(device.get("services") or [])
        self.speaker = bool(device.get("speaker"))


def fetch_setup(link: ServerLink, on_ready: Callable[[DisplaySetup], None]) -> None:
    """GET /hall and /devices/me, retrying until the server answers; then `on_ready`."""
    got: dict[str, Any] = {}

    def retry() -> None:
        QTimer.singleShot(SETUP_RETRY_MS, lambda: fetch_setup(link, on_ready))

    def on_device(result: Result) -> None:
        if not result.ok:
            log.info("GET /devices/me: %s %s", result.status, result.message)
            retry()
            return
        on_ready(DisplaySetup(HallInfo.from_json(got["hall"]), result.body))

    def on_hall(result: Result) -> None:
        if not result.ok:
            log.info("GET /hall: %s %s", result.status, result.message)
            retry()
            return
        got["hall"] = result.body
        link.request("GET", "/devices/me", callback=on_device)

    link.request("GET", "/hall", callback=on_hall)


class DisplayController(QObject):
    """Keeps one board (hall or supervision) in step with the hall server."""

    changed = Signal()
    call_shown = Signal(object)  # Call: a new call or recall is on the board

    def __init__(
        self,
        link: ServerLink,
        setup: DisplaySetup,
        *,
        supervision: bool = False,
        announcer: Announcer | None = None,
        now: Callable[[], dt.datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.link = link
        self.setup = setup
        self.supervision = supervision
        self.announcer = announcer if setup.speaker and not supervision else None
        now = now or setup.hall.now
        self.calls = CallBoard(setup.hall, setup.services, now)
        self.watch = SupervisionBoard(setup.hall, now)
        self.stats_available = True  # until GET /stats says this token may not read it
        self._dirty: set[str] = set()
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(SNAPSHOT_DELAY_MS)
        self._refresh.timeout.connect(self._refresh_dirty)
        self._queues_timer = QTimer(self)
        self._queues_timer.setInterval(STATS_REFRESH_MS if supervision else QUEUE_REFRESH_MS)
        self._queues_timer.timeout.connect(self._periodic)
        link.event_received.connect(self.on_event)
        link.resynced.connect(self.on_resynced)

    def start(self) -> None:
        self._queues_timer.start()

    # ----- events ------------------------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type", "")
        if kind == "hall.config_changed":
            self.link.request("GET", "/hall", callback=self._hall_reloaded)
            return
        if self.supervision:
            self.watch.apply(event)
            if kind.startswith(("ticket.", "window.")):
                self._mark("windows", "queues")
            if kind in FIGURE_EVENTS and self.watch.stats is not None:
                self._mark("stats")
            self.changed.emit()
            return
        call = self.calls.apply(event)
        if kind in QUEUE_EVENTS:
            self._mark("queues")
        if call is not None:
            self.changed.emit()
            self.call_shown.emit(call)
            self._maybe_announce(call)
        elif kind.startswith(("ticket.", "window.")):
            self.changed.emit()

    def _hall_reloaded(self, result: Result) -> None:
        """A manager changed the hall's config: new names, notice, windows and thresholds."""
        if not result.ok or not isinstance(result.body, dict):
            log.warning("hall changed, but GET /hall failed: %s %s", result.status, result.message)
            return
        hall = HallInfo.from_json(result.body)
        self.setup.hall = self.calls.hall = self.watch.hall = hall
        self._mark("windows", "queues")
        self.changed.emit()

    def _maybe_announce(self, call: Call) -> None:
        if self.announcer is None or self.link.replaying:
            return
        if not self.calls.worth_announcing(call):
            log.info("not announcing %s: called at %s", call.number, call.at.isoformat())
            return
        self.announcer.announce_call(call.number, call.window_name, recall=call.recall)

    def on_resynced(self) -> None:
        """A (re)connect has caught up: rebuild from snapshots."""
        self._mark("windows", "queues", "stats")
        self._refresh_dirty()

    def _periodic(self) -> None:
        self._mark("queues", "stats")
        self._refresh_dirty()

    # ----- snapshots ---------------------------------------------------------------------------
    def _mark(self, *what: str) -> None:
        self._dirty.update(what)
        if not self._refresh.isActive():
            self._refresh.start()

    def _refresh_dirty(self) -> None:
        self._refresh.stop()
        dirty, self._dirty = self._dirty, set()
        if "windows" in dirty:
            self._snapshot("/windows", "windows", self._load_windows)
        if "queues" in dirty:
            self._snapshot("/queues", "queues", self._load_queues)
        if "stats" in dirty and self.supervision and self.stats_available:
            today = self.watch.hall.day_of(self.watch.now()).isoformat()
            self.link.request("GET", f"/stats?date={today}", callback=self._on_stats)

    def _snapshot(
        self, path: str, key: str, load: Callable[[list[dict[str, Any]]], None], tries: int = 1
    ) -> None:
        """GET a snapshot; if events arrived meanwhile it may predate them: ask again."""
        asked_at = self.link.last_seq

        def done(result: Result) -> None:
            if not result.ok or not isinstance(result.body, dict):
                log.info("GET %s: %s %s", path, result.status, result.message)
                return
            if self.link.last_seq != asked_at and tries < MAX_SNAPSHOT_TRIES:
                self._snapshot(path, key, load, tries + 1)
                return
            load(result.body.get(key) or [])
            self.changed.emit()

        self.link.request("GET", path, callback=done)

    def _load_windows(self, windows: list[dict[str, Any]]) -> None:
        if self.supervision:
            self.watch.load_windows(windows)
        else:
            self.calls.load_windows(windows)

    def _load_queues(self, queues: list[dict[str, Any]]) -> None:
        if self.supervision:
            self.watch.load_queues(queues)
        else:
            self.calls.load_queues(queues)

    def _on_stats(self, result: Result) -> None:
        if result.status in (401, 403):
            # A display token may not read /stats: count today's figures from the events.
            log.info("GET /stats not allowed for this device: counting from events")
            self.stats_available = False
            return
        if result.ok and isinstance(result.body, dict):
            self.watch.load_stats(result.body)
            self.changed.emit()

    def acknowledge(self, seq: int) -> None:
        self.watch.acknowledge(seq)
        self.changed.emit()
