"""The clerk's terminal as a view model: server link in, screen state and one-shot actions out.

Every change on screen comes from the server: an answer to the clerk's own request, an event
from the hall's stream, or a snapshot fetched after a (re)connect.  One window action is in
flight at a time; a second press while it runs is ignored, so a held or double-pressed key
never acts twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from terminal.figures import DayBook, DayFigures
from terminal.hall import HallInfo
from terminal.i18n import Text
from terminal.link import Result, ServerLink

from .desk import LABELS, Action, WindowDesk
from .targets import TransferTarget, build_targets

log = logging.getLogger("hallq.caller")

# What the clerk reads when the server says no (zh, en), by the API's error code.
ERRORS: dict[str, Text] = {
    "no_clerk": Text("本窗口尚未登录"),
    "window_paused": Text("窗口已暂停，请先恢复"),
    "busy": Text("请先办结当前业务"),
    "no_current_ticket": Text("当前没有业务"),
    "already_started": Text("已开始办理，不能重呼或过号"),
    "not_paused": Text("窗口未暂停"),
    "invalid_credentials": Text("工号或密码错误"),
    "rate_limited": Text("错误次数过多，请一分钟后再试"),
    "clerk_busy": Text("该工号已在其他窗口登录"),
    "same_window": Text("不能转到本窗口"),
    "unknown_window": Text("没有这个窗口"),
    "unknown_service": Text("没有这项业务"),
    "forbidden": Text("本机无权操作该窗口"),
    "unauthorized": Text("本机令牌无效，请联系管理员"),
    "network": Text("网络中断，结果未确认，正在核对"),
    "timeout": Text("服务器无应答，结果未确认，正在核对"),
}
OFFLINE = Text("服务器连接中断，正在重连…")
NOTHING_WAITING = Text("暂无等候群众")
REFRESH_DELAY_MS = 300  # queue figures: one GET per burst of events, not one per event
LOAD_RETRY_MS = 2000


FAILED = Text("操作失败")


def error_text(result: Result) -> Text:
    code = result.error_code or ""
    if code in ERRORS:
        return ERRORS[code]
    said = result.message or code
    return Text(said, result.message or FAILED.en) if said else FAILED


class CountsFile:
    """Today's tickets kept on this terminal, so a restart goes on counting from its seq."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def load(self, book: DayBook) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            book.load_json(json.loads(self.path.read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            log.warning("ignoring unreadable counts file %s", self.path)

    def save(self, book: DayBook) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(book.to_json(), ensure_ascii=False))
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save counts: %s", exc)


class CallerViewModel(QObject):
    """One window's clerk terminal: state to show and the actions behind its keys."""

    changed = Signal()
    notice = Signal(str, str, str)  # level ("info" | "error"), zh, en
    answered = Signal(str, bool)  # action (or "session"), whether the server accepted it

    def __init__(
        self,
        link: ServerLink,
        window_id: str,
        *,
        counts_file: CountsFile | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.link = link
        self.desk = WindowDesk(window_id)
        self.hall = HallInfo.from_json({})  # until GET /hall answers
        self.queues: dict[str, dict[str, Any]] = {}
        self.targets: list[TransferTarget] = []
        self.in_flight: str | None = None
        self.ready = False
        self._counts_file = counts_file or CountsFile(None)
        self.book = DayBook(self.hall)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh.timeout.connect(self._fetch_figures)
        self._save = QTimer(self, singleShot=True, interval=1000)
        self._save.timeout.connect(lambda: self._counts_file.save(self.book))
        link.event_received.connect(self._on_event)
        link.resynced.connect(self._fetch_snapshot)
        link.online_changed.connect(self._on_online)

    # ----- start-up and snapshots --------------------------------------------------------------
    @property
    def window_id(self) -> str:
        return self.desk.id

    @property
    def online(self) -> bool:
        return self.link.online

    def now(self) -> dt.datetime:
        return self._clock()

    def start(self) -> None:
        """Load the hall, then follow its event stream (from the saved seq if it is today's)."""
        self.link.request("GET", "/hall", timeout_ms=3000, callback=self._on_hall)

    def _on_hall(self, result: Result) -> None:
        if not result.ok:
            log.info("hall not loaded (%s); retrying", result.message)
            QTimer.singleShot(LOAD_RETRY_MS, self, self.start)
            return
        self.hall = HallInfo.from_json(result.body)
        own = self.hall.windows.get(self.window_id)
        if own is not None:
            self.desk.name, self.desk.services = own.name, own.services
        self.targets = build_targets(self.hall, self.window_id)
        self.book = DayBook(self.hall)
        self._counts_file.load(self.book)
        self.link.start(self.book.last_seq or None)
        self.changed.emit()

    def _on_hall_changed(self, result: Result) -> None:
        """A manager changed the hall's config: this window's name and services, the targets."""
        if not result.ok:
            log.warning("hall changed, but GET /hall failed (%s)", result.message)
            return
        self.hall = self.book.hall = HallInfo.from_json(result.body)
        own = self.hall.windows.get(self.window_id)
        if own is not None:
            self.desk.name, self.desk.services = own.name, own.services
        self.targets = build_targets(self.hall, self.window_id)
        self.changed.emit()

    def today(self) -> dt.date:
        return self.hall.day_of(self.now())

    def figures(self) -> DayFigures:
        """Today's figures of this window, as GET /stats counts them (by_window)."""
        return self.book.figures(self.today(), window=self.window_id)

    def transferred_out(self) -> int:
        """Today's tickets this window transferred away."""
        return self.book.transferred_from(self.today(), self.window_id)

    def _on_online(self, online: bool) -> None:
        if not online:
            self.ready = False  # until the replay and a fresh snapshot say where we are
        self.changed.emit()

    def _fetch_snapshot(self) -> None:
        """After a (re)connect: the window and queues as the server has them now."""
        self.link.request("GET", "/windows", callback=self._on_windows_snapshot)
        self.link.request("GET", "/queues", callback=self._on_queues)

    def _on_windows_snapshot(self, result: Result) -> None:
        view = self._own_window(result)
        if view is None:
            return
        self.desk.resynced(view)
        self.ready = True
        self.changed.emit()

    def _own_window(self, result: Result) -> dict[str, Any] | None:
        if not result.ok:
            return None
        return next((w for w in result.body["windows"] if w["id"] == self.window_id), None)

    def _fetch_figures(self) -> None:
        self.link.request("GET", "/queues", callback=self._on_queues)
        self.link.request("GET", "/windows", callback=self._on_windows_waiting)

    def _on_queues(self, result: Result) -> None:
        if result.ok:
            self.queues = {q["service"]: q for q in result.body["queues"]}
            self.changed.emit()

    def _on_windows_waiting(self, result: Result) -> None:
        view = self._own_window(result)
        if view is not None:
            self.desk.apply_waiting(view)
            self.changed.emit()

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "hall.config_changed":
            self.link.request("GET", "/hall", timeout_ms=3000, callback=self._on_hall_changed)
        moved = self.desk.apply_event(event)
        if self.book.count(event):
            moved = True
        if not self._save.isActive():  # the seq moved on: persist it (at most once a second)
            self._save.start()
        if str(event.get("type", "")).startswith("ticket."):
            self._refresh.start()
        if moved:
            self.changed.emit()

    def flush(self) -> None:
        """Write today's figures now (on shutdown) instead of within the next second."""
        self._save.stop()
        self._counts_file.save(self.book)

    # ----- what the screen shows ---------------------------------------------------------------
    def window_queues(self) -> list[dict[str, Any]]:
        """Queue figures of the services this window calls, in the window's order."""
        return [self.queues[s] for s in self.desk.services if s in self.queues]

    def allows(self, action: Action) -> bool:
        return self.usable and self.in_flight is None and self.desk.allows(action)

    @property
    def usable(self) -> bool:
        """The window's state is known and current: the event stream is up and resynced."""
        return self.ready and self.link.online

    # ----- the clerk's actions -----------------------------------------------------------------
    def act(self, action: Action, body: dict[str, Any] | None = None) -> bool:
        """Send `action` unless one is in flight or the window's state rules it out."""
        if self.in_flight is not None:
            return False
        if not self.usable:
            self.notice.emit("error", OFFLINE.zh, OFFLINE.en)
            return False
        if not self.desk.allows(action):
            label = LABELS[action]
            not_now = Text("现在不能{action}").format(action=label.text)
            self.notice.emit("info", not_now.zh, not_now.en)
            return False
        self.in_flight = action.value
        self.changed.emit()
        self.link.request(
            "POST",
            f"/windows/{self.window_id}/{action.value}",
            body or {},
            callback=lambda result: self._on_answer(action, result),
        )
        return True

    def transfer(self, target: TransferTarget) -> bool:
        return self.act(Action.TRANSFER, target.body)

    def pause(self, reason: str, minutes: int | None = None) -> bool:
        """Pause the window; `minutes`: how long the clerk expects to be away, if they said."""
        body: dict[str, object] = {"reason": reason}
        if minutes is not None:
            body["minutes"] = minutes
        return self.act(Action.PAUSE, body)

    def _on_answer(self, action: Action, result: Result) -> None:
        self.in_flight = None
        if result.ok:
            self.desk.apply_answer(action, result.body)
            if action is Action.CALL_NEXT and result.body.get("ticket") is None:
                self.notice.emit("info", NOTHING_WAITING.zh, NOTHING_WAITING.en)
        else:
            if result.error_code == "busy" and isinstance(result.body, dict):
                ticket = result.body.get("ticket")
                if isinstance(ticket, dict):
                    self.desk.current = ticket
            self.notice.emit("error", *error_text(result).both("zh"))
            # The screen may be behind the server (or the answer was lost): ask it.
            self.link.request("GET", "/windows", callback=self._on_windows_snapshot)
        self.changed.emit()  # repaint first: `answered` means the answer is on screen
        self.answered.emit(action.value, result.ok)

    def sign_in(self, clerk: str, pin: str) -> bool:
        if self.in_flight is not None or not clerk or not pin:
            return False
        self.in_flight = "session"
        self.changed.emit()
        self.link.request(
            "POST",
            f"/windows/{self.window_id}/session",
            {"clerk": clerk, "pin": pin},
            callback=lambda result: self._on_session(result, signing_in=True),
        )
        return True

    def sign_out(self) -> bool:
        if self.in_flight is not None or not self.desk.signed_in:
            return False
        self.in_flight = "session"
        self.changed.emit()
        self.link.request(
            "DELETE",
            f"/windows/{self.window_id}/session",
            callback=lambda result: self._on_session(result, signing_in=False),
        )
        return True

    def _on_session(self, result: Result, *, signing_in: bool) -> None:
        self.in_flight = None
        if result.ok:
            self.desk.session_answer(result.body, signing_in=signing_in)
            self.ready = True
        else:
            self.notice.emit("error", *error_text(result).both("zh"))
        self.changed.emit()
        self.answered.emit("session", result.ok)
