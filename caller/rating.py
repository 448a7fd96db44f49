"""好差评 at the window: what the window-facing screen shows, as a pure state machine.

The screen follows its window through the event stream: the ticket being served, then — when
the clerk finishes — a five-level rating for that ticket; ★1–2 (差评) asks why before it is
sent; then thanks, and back.  `RatingFlow` holds that state; the Qt layer sends the rating and
runs the timers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hallserver.protocol import is_bad_review
from terminal.formatting import window_name
from terminal.i18n import Text
from terminal.windows import Ticket, WindowState, event_ticket

# GB/T 39734: the five levels, best first as the buttons are laid out.
LEVELS: tuple[tuple[int, Text], ...] = (
    (5, Text("非常满意")),
    (4, Text("满意")),
    (3, Text("基本满意")),
    (2, Text("不满意")),
    (1, Text("非常不满意")),
)
# 差评 reasons: API codes with their labels.
REASONS: tuple[tuple[str, Text], ...] = (
    ("attitude", Text("态度")),
    ("efficiency", Text("效率")),
    ("one_time_notice", Text("一次告知")),
    ("environment", Text("环境")),
    ("other", Text("其他")),
)


class Stage(StrEnum):
    """What the window-facing screen shows."""

    CLOSED = "closed"  # no clerk signed in
    PAUSED = "paused"
    WELCOME = "welcome"  # clerk present, nobody at the window
    SERVING = "serving"  # a ticket is called or being served
    RATING = "rating"  # choose ★1–★5
    REASONS = "reasons"  # 差评: choose why
    SENDING = "sending"
    THANKS = "thanks"


@dataclass
class RatingFlow(WindowState):
    """The window-facing screen's state, driven by window events and the citizen's touches."""

    window_name: str = ""
    to_rate: Ticket | None = None  # the finished ticket waiting for its rating
    score: int | None = None
    reasons: list[str] = field(default_factory=list)
    error: str = ""  # the last failure to send, shown with a retry
    _sending: bool = field(default=False, init=False, repr=False)
    _thanked: bool = field(default=False, init=False, repr=False)

    @property
    def stage(self) -> Stage:
        if self.to_rate is not None:
            if self._sending:
                return Stage.SENDING
            if self.score is None or not is_bad_review(self.score):
                return Stage.RATING  # a good score whose sending failed is chosen again
            return Stage.REASONS
        if self._thanked:
            return Stage.THANKS
        if self.status == "closed":
            return Stage.CLOSED
        if self.status == "paused" and self.current is None:
            return Stage.PAUSED
        return Stage.SERVING if self.current is not None else Stage.WELCOME

    # ----- the window, from snapshots and events -------------------------------------------------
    @property
    def name(self) -> str:
        """The window's name as the citizen reads it."""
        return window_name(self.id, self.window_name)

    def apply_window(self, view: dict[str, Any]) -> None:
        self.window_name = view.get("name") or self.window_name
        self.load(view)

    def apply_event(self, event: dict[str, Any]) -> bool:
        """True when the screen changes."""
        if (event.get("data") or {}).get("window") != self.id:
            return False
        kind = event.get("type", "")
        ticket = event_ticket(event)
        if kind == "ticket.finished" and ticket is not None and ticket.get("score") is None:
            self.ask(ticket)
        elif (
            kind == "ticket.evaluated"
            and ticket is not None
            and self.to_rate is not None
            and self.to_rate.get("id") == ticket.get("id")
        ):
            self.thank()  # rated elsewhere (a kiosk) or our answer was lost on the way
            return True
        return self.apply(event)

    # ----- the citizen -------------------------------------------------------------------------
    def ask(self, ticket: Ticket) -> None:
        """Start asking for a rating of `ticket` (replaces a rating left unanswered)."""
        self.to_rate, self.score, self.reasons, self.error = ticket, None, [], ""
        self._sending = self._thanked = False

    def choose(self, score: int) -> bool:
        """The citizen touched a level; True when the rating is ready to send."""
        if self.to_rate is None or self._sending or not 1 <= score <= 5:
            return False
        self.score, self.reasons, self.error = score, [], ""
        return not is_bad_review(score)

    def toggle_reason(self, code: str) -> None:
        if self.stage is not Stage.REASONS or code not in {r[0] for r in REASONS}:
            return
        if code in self.reasons:
            self.reasons.remove(code)
        else:
            self.reasons.append(code)

    def back_to_levels(self) -> None:
        """From the reasons back to the five levels (the citizen changed their mind)."""
        if self.stage is Stage.REASONS:
            self.score, self.reasons, self.error = None, [], ""

    @property
    def can_send(self) -> bool:
        if self.to_rate is None or self.score is None or self._sending:
            return False
        return not is_bad_review(self.score) or bool(self.reasons)

    def body(self) -> dict[str, Any]:
        """The POST /tickets/{id}/evaluation body."""
        assert self.score is not None
        body: dict[str, Any] = {"score": self.score}
        if is_bad_review(self.score):
            body["reasons"] = list(self.reasons)
        return body

    def sending(self) -> None:
        self._sending, self.error = True, ""

    def failed(self, message: str) -> None:
        """Sending failed: keep the choice, show the message and let the citizen retry."""
        self._sending, self.error = False, message

    def thank(self) -> None:
        self.to_rate, self.score, self.reasons, self.error = None, None, [], ""
        self._sending, self._thanked = False, True

    def give_up(self) -> None:
        """Nobody answered in time: the rating is dropped, the screen returns to the window."""
        self.to_rate, self.score, self.reasons, self.error = None, None, [], ""
        self._sending = False

    def done_thanking(self) -> None:
        self._thanked = False
