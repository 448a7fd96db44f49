"""Pairing a terminal without copying tokens: the rules (pure: no IO, the clock is passed in).

A terminal without a token opens a pairing request: it tells its kind (kiosk, caller,
display) and its host name, and is given a short code to show on its screen and a secret only
it knows. A manager types the code into the console and chooses which configured device the
terminal is; the approval carries the device's new token, which the terminal collects with its
secret. The code alone never yields the token: it only proves that the manager stands before
the terminal whose request is approved.

Requests expire (a terminal whose request expired opens another and shows a new code); codes
are unique among the open requests; opening requests and typing wrong codes are both limited,
so a 6-digit code cannot be found by trying.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import Conflict, NotFound, Unprocessable

KINDS = ("kiosk", "caller", "display")
CODE_DIGITS = 6
OPEN_FOR = dt.timedelta(minutes=10)
COLLECT_FOR = dt.timedelta(minutes=2)  # an approved token waits this long for its terminal
MAX_OPEN = 50  # open requests in the whole hall
HOST_MAX = 64
_NOT_A_DIGIT = re.compile(r"[\s\-]")
_HOST = re.compile(r"[^<>\x00-\x1f\x7f]{1,64}")  # plain text: it is shown in the console


class TooManyRequests(Conflict):
    status = 429
    code = "rate_limited"


def code_of(typed: str) -> str | None:
    """The code a person typed ("482 913", "482-913") as 6 digits, or None when it is not one."""
    digits = _NOT_A_DIGIT.sub("", typed)
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def shown(code: str) -> str:
    """How the terminal shows a code: two groups of three, read aloud more easily."""
    return f"{code[:3]} {code[3:]}"


@dataclass
class PairingRequest:
    """One terminal waiting to be paired."""

    id: str
    code: str
    secret_hash: str
    kind: str
    host: str
    hint: str  # the device id the terminal's own config names, "" when none
    opened_at: dt.datetime
    expires_at: dt.datetime
    device: str | None = None  # set by the approval
    token: str | None = None  # the new token, until the terminal collects it or it expires

    @property
    def approved(self) -> bool:
        return self.device is not None


@dataclass
class Attempts:
    """At most `limit` attempts per key within `window` (a sliding window)."""

    limit: int
    window: dt.timedelta
    _seen: dict[str, deque[dt.datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: dt.datetime) -> deque[dt.datetime]:
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if not seen:
            del self._seen[key]
            return deque()
        return seen

    def allowed(self, key: str, now: dt.datetime) -> bool:
        return len(self._recent(key, now)) < self.limit

    def wait_s(self, key: str, now: dt.datetime) -> int:
        """Seconds until `key` may try again (0 when it may now)."""
        seen = self._recent(key, now)
        if len(seen) < self.limit:
            return 0
        return max(1, int((seen[0] + self.window - now).total_seconds() + 0.999))

    def forget(self, now: dt.datetime) -> None:
        """Drop the keys whose attempts have all left the window."""
        for key in list(self._seen):
            self._recent(key, now)

    def count(self, key: str, now: dt.datetime) -> None:
        self._recent(key, now)
        self._seen.setdefault(key, deque()).append(now)


class Pairings:
    """The hall's open pairing requests and the rules to open, approve and collect them."""

    def __init__(
        self,
        *,
        new_code: Callable[[], str],
        new_id: Callable[[], str],
        opens_per_address: Attempts | None = None,
        wrong_codes: Attempts | None = None,
    ) -> None:
        self._new_code = new_code
        self._new_id = new_id
        self.requests: dict[str, PairingRequest] = {}
        # A terminal opens one request every 10 minutes; a restart loop a few more.
        self.opens = opens_per_address or Attempts(10, dt.timedelta(minutes=10))
        # Per manager: 5 wrong codes in 10 minutes, then wait (as with passwords). With at
        # most 50 open requests, 5 tries find one in 4,000 — and every try is audited.
        self.wrong = wrong_codes or Attempts(5, dt.timedelta(minutes=10))

    def expire(self, now: dt.datetime) -> None:
        for key in [k for k, r in self.requests.items() if r.expires_at <= now]:
            del self.requests[key]
        self.opens.forget(now)
        self.wrong.forget(now)

    def open(
        self, kind: str, host: str, hint: str, secret_hash: str, address: str, now: dt.datetime
    ) -> PairingRequest:
        """A new request from the terminal at `address`; its code is unique among the open."""
        if kind not in KINDS:
            raise Unprocessable(f"kind must be one of {', '.join(KINDS)}", code="invalid_field")
        if not _HOST.fullmatch(host):
            raise Unprocessable(
                f"host must be 1–{HOST_MAX} characters of plain text", code="invalid_field"
            )
        self.expire(now)
        if not self.opens.allowed(address, now):
            raise TooManyRequests("too many pairing requests from this address; wait a minute")
        if len(self.requests) >= MAX_OPEN:
            raise TooManyRequests("too many terminals waiting to be paired; try again later")
        self.opens.count(address, now)
        taken = {r.code for r in self.requests.values()}
        code = self._new_code()
        while code in taken:
            code = self._new_code()
        request = PairingRequest(
            id=self._new_id(),
            code=code,
            secret_hash=secret_hash,
            kind=kind,
            host=host,
            hint=hint,
            opened_at=now,
            expires_at=now + OPEN_FOR,
        )
        self.requests[request.id] = request
        return request

    def pending(self, now: dt.datetime) -> list[PairingRequest]:
        """The requests waiting for a manager, oldest first."""
        self.expire(now)
        waiting = [r for r in self.requests.values() if not r.approved]
        return sorted(waiting, key=lambda r: r.opened_at)

    def find(
        self, manager: str, typed: str, now: dt.datetime, *, role: str | None = None
    ) -> PairingRequest:
        """The waiting request showing `typed` (and of kind `role`, when given).

        A code that no terminal shows counts against the manager who typed it.
        """
        wait = self.wrong.wait_s(manager, now)
        if wait:
            raise TooManyRequests(f"too many wrong codes: try again in {wait} s", wait_s=wait)
        code = code_of(typed)
        if code is None:
            raise Unprocessable("the code has 6 digits", code="invalid_code")
        self.expire(now)
        request = next(
            (r for r in self.requests.values() if r.code == code and not r.approved), None
        )
        if request is None:
            self.wrong.count(manager, now)
            raise NotFound(
                "no terminal shows this code (mistyped, or expired)", code="unknown_code"
            )
        if role is not None and role != request.kind:
            raise Unprocessable(
                f"this terminal is a {request.kind}, not a {role}", code="wrong_kind"
            )
        return request

    def approve(self, request: PairingRequest, device: str, token: str, now: dt.datetime) -> None:
        """`request` is the device `device`, whose new token waits for the terminal."""
        if self.requests.get(request.id) is not request or request.approved:
            raise Conflict("this request was approved or expired meanwhile", code="not_pending")
        request.device = device
        request.token = token
        request.expires_at = now + COLLECT_FOR

    def collect(self, request_id: str, secret_hash: str, now: dt.datetime) -> PairingRequest:
        """The request as its terminal sees it; the secret must be the one it opened with.

        An approved request is kept until it expires, so a terminal whose answer was lost on
        the network asks again and still gets its token.
        """
        self.expire(now)
        request = self.requests.get(request_id)
        if request is None or not hmac.compare_digest(request.secret_hash, secret_hash):
            # The same answer for a wrong secret as for no request: nothing to learn by trying.
            raise NotFound("no such pairing request (expired?)", code="unknown_pairing")
        return request
