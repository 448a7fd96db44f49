"""The window-facing screen (双屏) as a view model: follows the window, sends the 好差评 rating."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from terminal.link import Result, ServerLink

from . import texts as T
from .rating import RatingFlow, Stage

log = logging.getLogger("hallq.caller.citizen")

THANKS_MS = 4000
RATING_TIMEOUT_MS = 90_000  # an unanswered rating gives way after this long


class CitizenViewModel(QObject):
    """State of the window-facing screen for one window, and the citizen's touches."""

    changed = Signal()
    rated = Signal(str, int)  # ticket id, score — after the server accepted the rating

    def __init__(
        self,
        link: ServerLink,
        window_id: str,
        *,
        thanks_ms: int = THANKS_MS,
        rating_timeout_ms: int = RATING_TIMEOUT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.link = link
        self.flow = RatingFlow(window_id)
        self.ready = False
        self._thanks = QTimer(self, singleShot=True, interval=thanks_ms)
        self._thanks.timeout.connect(self._after_thanks)
        self._patience = QTimer(self, singleShot=True, interval=rating_timeout_ms)
        self._patience.timeout.connect(self._gave_up)
        link.event_received.connect(self._on_event)
        link.resynced.connect(self.refresh)
        link.online_changed.connect(lambda _online: self.changed.emit())

    @property
    def stage(self) -> Stage:
        return self.flow.stage

    @property
    def online(self) -> bool:
        return self.link.online

    def refresh(self) -> None:
        self.link.request("GET", "/windows", callback=self._on_windows)

    def _on_windows(self, result: Result) -> None:
        if not result.ok:
            return
        view = next((w for w in result.body["windows"] if w["id"] == self.flow.id), None)
        if view is not None:
            self.flow.apply_window(view)
            self.ready = True
            self.changed.emit()

    def _on_event(self, event: dict[str, Any]) -> None:
        before = self.flow.to_rate
        if not self.flow.apply_event(event):
            return
        after = self.flow.to_rate
        if event.get("type") == "ticket.evaluated" and before is not None and after is None:
            # The stream can beat the HTTP answer: this rating is done, and the late answer
            # will find nothing left to rate, so report it now.
            data = event.get("data") or {}
            self.rated.emit(str(before["id"]), int(data.get("score") or 0))
        if after is not None and after is not before:
            self._patience.start()
        self._settle()
        self.changed.emit()

    def _settle(self) -> None:
        """Timers follow the stage: thanks return by themselves; a rating waits a while."""
        if self.flow.stage is Stage.THANKS:
            self._patience.stop()
            if not self._thanks.isActive():
                self._thanks.start()

    # ----- the citizen's touches ---------------------------------------------------------------
    def choose(self, score: int) -> None:
        if self.flow.choose(score):
            self.send()
        self._patience.start()  # someone is answering: give them time
        self.changed.emit()

    def toggle_reason(self, code: str) -> None:
        self.flow.toggle_reason(code)
        self._patience.start()
        self.changed.emit()

    def back(self) -> None:
        self.flow.back_to_levels()
        self.changed.emit()

    def send(self) -> None:
        if not self.flow.can_send or self.flow.to_rate is None:
            return
        ticket_id = str(self.flow.to_rate["id"])
        score = int(self.flow.score or 0)
        body = self.flow.body()
        self.flow.sending()
        self.changed.emit()
        self.link.request(
            "POST",
            f"/tickets/{ticket_id}/evaluation",
            body,
            retries=2,  # a repeat after a lost answer is refused as already_evaluated: harmless
            callback=lambda result: self._on_sent(ticket_id, score, result),
        )

    def _on_sent(self, ticket_id: str, score: int, result: Result) -> None:
        if self.flow.to_rate is None or self.flow.to_rate.get("id") != ticket_id:
            return  # the screen moved on (a later finish) while this was on its way
        if result.ok or result.error_code == "already_evaluated":
            self.flow.thank()
            self.rated.emit(ticket_id, score)
        else:
            log.info("rating not accepted: %s", result.error_code)
            self.flow.failed(
                " · ".join(T.SEND_FAILED.both("zh")) if result.status == 0 else f"{result.message}"
            )
        self._settle()
        self.changed.emit()

    def _after_thanks(self) -> None:
        self.flow.done_thanking()
        self.changed.emit()

    def _gave_up(self) -> None:
        if self.flow.to_rate is not None and self.flow.stage is not Stage.SENDING:
            self.flow.give_up()
            self.changed.emit()
