"""The window's state as the caller sees it: pure Python, fed by server answers and events.

`WindowDesk` holds what the clerk's screen shows (window status, clerk, current ticket) and
decides which actions make sense now.  It never guesses: it changes only on a server answer,
an event from the hall's stream or a snapshot (GET /windows).  Because an HTTP answer can
arrive before the WebSocket delivers older events of the same window, each applied answer
leaves an *expected echo*; events for this window that come before that echo are older than
what the screen already shows and are not applied again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from terminal.i18n import Text
from terminal.windows import ENDS_AT_WINDOW, OPENS_AT_WINDOW, WindowState


class Action(StrEnum):
    """The clerk's actions; the value is the route under /windows/{w}/."""

    CALL_NEXT = "call-next"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    TRANSFER = "transfer"
    PAUSE = "pause"
    RESUME = "resume"


@dataclass(frozen=True)
class ActionLabel:
    """How an action is named on its button and which function key triggers it."""

    text: Text
    key: str  # F1 … F8; the numeric keypad digit of the same number does the same


LABELS: dict[Action, ActionLabel] = {
    Action.CALL_NEXT: ActionLabel(Text("叫号"), "F1"),
    Action.RECALL: ActionLabel(Text("重呼"), "F2"),
    Action.START: ActionLabel(Text("开始办理"), "F3"),
    Action.FINISH: ActionLabel(Text("办结"), "F4"),
    Action.NO_SHOW: ActionLabel(Text("过号"), "F5"),
    Action.TRANSFER: ActionLabel(Text("转移"), "F6"),
    Action.PAUSE: ActionLabel(Text("暂停"), "F7"),
    Action.RESUME: ActionLabel(Text("恢复"), "F8"),
}
ORDER: tuple[Action, ...] = tuple(LABELS)

# The event each answered action leaves in the hall's stream, keyed by the status of the
# ticket in the answer (recall past the limit answers no_show and logs ticket.no_show).
_ECHO_BY_STATUS = {
    "serving": "ticket.started",
    "done": "ticket.finished",
    "no_show": "ticket.no_show",
    "waiting": "ticket.transferred",
}
# On loopback or a LAN the echo follows its answer within milliseconds; an echo still missing
# after this long means the desk's idea of the stream was wrong, and waiting on it would
# freeze the screen.
ECHO_PATIENCE_S = 3.0
# The events the desk follows: its window's own (a ticket cancelled at day end was never at one).
_WINDOW_EVENTS = (OPENS_AT_WINDOW | ENDS_AT_WINDOW) - {"ticket.cancelled"} | {
    "window.opened",
    "window.closed",
    "window.paused",
    "window.resumed",
}


@dataclass
class WindowDesk(WindowState):
    """One window's live state and the rules for what the clerk may press."""

    name: str = ""
    services: tuple[str, ...] = ()
    transferred_in: int = 0  # tickets transferred to this very window, waiting for it
    clock: Callable[[], float] = time.monotonic
    _echoes: deque[tuple[str, str | None, float]] = field(default_factory=deque)
    # Events of this window applied while no echo was expected: the answer that caused one may
    # still be on its way, and must then not be applied over what came after it.
    _early: deque[tuple[str, str | None]] = field(default_factory=lambda: deque(maxlen=16))

    # ----- inputs ------------------------------------------------------------------------------
    def apply_snapshot(self, view: dict[str, Any]) -> None:
        """A window object from GET /windows or a session/pause answer: the whole truth."""
        self.name = view.get("name") or self.name
        self.services = tuple(view.get("services") or self.services)
        self.load(view)
        self.apply_waiting(view)

    def apply_waiting(self, view: dict[str, Any]) -> None:
        """Only the count of tickets transferred to this window (a periodic GET /windows)."""
        self.transferred_in = int(view.get("waiting") or 0)

    def resynced(self, view: dict[str, Any]) -> None:
        """After a reconnect the snapshot supersedes every echo still expected."""
        self._echoes.clear()
        self._early.clear()
        self.apply_snapshot(view)

    def apply_answer(self, action: Action, body: dict[str, Any]) -> None:
        """The server's 2xx answer to `action`; remembers the event it will echo."""
        if action in (Action.PAUSE, Action.RESUME):
            echo = "window.paused" if action is Action.PAUSE else "window.resumed"
            if not self._came_first(echo, None):
                self.apply_snapshot(body["window"])
                self._expect(echo, None)
            return
        ticket = body.get("ticket")
        if ticket is None:
            return  # call-next with nobody waiting: nothing changed, no event
        status = ticket.get("status")
        if status == "called":
            echo = "ticket.called" if action is Action.CALL_NEXT else "ticket.recalled"
        else:
            echo = _ECHO_BY_STATUS.get(status, "")
        if self._came_first(echo, ticket.get("id")):
            return
        self.current = ticket if status in ("called", "serving") else None
        self._expect(echo, ticket.get("id"))

    def session_answer(self, body: dict[str, Any], *, signing_in: bool) -> None:
        """Answer to sign in / sign out; expects the window event when the status changed."""
        was = self.status
        if signing_in and was == "closed":
            echo = "window.opened"
        elif not signing_in and was != "closed":
            echo = "window.closed"
        else:
            self.apply_snapshot(body["window"])  # nothing changed on the server: no event
            return
        if not self._came_first(echo, None):
            self.apply_snapshot(body["window"])
            self._expect(echo, None)

    def _expect(self, event_type: str, ticket_id: str | None) -> None:
        self._echoes.append((event_type, ticket_id, self.clock()))

    def _came_first(self, event_type: str, ticket_id: str | None) -> bool:
        """The answer's own event was already applied: the desk is at or past the answer."""
        key = (event_type, ticket_id)
        if key in self._early:
            self._early.remove(key)
            return True
        return False

    def apply_event(self, event: dict[str, Any]) -> bool:
        """An event from the hall's stream; True when the desk changed."""
        data = event.get("data") or {}
        kind = event.get("type", "")
        if data.get("window") != self.id or kind not in _WINDOW_EVENTS:
            return False
        while self._echoes and self.clock() - self._echoes[0][2] > ECHO_PATIENCE_S:
            self._echoes.popleft()  # a guess about the stream that did not come true
        ticket = data.get("ticket") if isinstance(data.get("ticket"), dict) else None
        key = (kind, ticket.get("id") if ticket else None)
        if self._echoes:
            if self._echoes[0][:2] == key:
                self._echoes.popleft()
            # older than the answer already shown, or the echo of it: nothing to apply
            return False
        self._early.append(key)
        return self.apply(event)

    # ----- what may be pressed -----------------------------------------------------------------
    def allows(self, action: Action) -> bool:
        if not self.signed_in:
            return False
        current = self.current_status()
        if action is Action.CALL_NEXT:
            return self.status == "open" and current is None
        if action is Action.PAUSE:
            return self.status == "open"
        if action is Action.RESUME:
            return self.status == "paused"
        if action in (Action.RECALL, Action.START, Action.NO_SHOW):
            return current == "called"
        return current in ("called", "serving")  # finish, transfer
