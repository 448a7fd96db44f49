"""Pairing requests of the running server: the rules of domain/pairing.py, the secrets, the
new tokens, and the terminals waiting (long-polling) for their approval.

The requests live in memory only: they last minutes, and a server restart merely makes each
waiting terminal open a new request (and show a new code).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
from collections.abc import Awaitable, Callable

from .domain.pairing import CODE_DIGITS, PairingRequest, Pairings
from .security import new_token, token_hash

WAIT_MAX_S = 25  # the longest a terminal's poll is held open


class PairingOffice:
    """Opens, approves and hands out pairing requests; wakes the terminal waiting on one."""

    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self.clock = clock
        self.book = Pairings(
            new_code=lambda: f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}",
            new_id=lambda: secrets.token_urlsafe(12),
        )
        self._approved: dict[str, asyncio.Event] = {}

    def open(self, kind: str, host: str, hint: str, address: str) -> tuple[PairingRequest, str]:
        """A new request and the secret its terminal collects the token with (said once)."""
        secret = new_token()
        request = self.book.open(kind, host, hint, token_hash(secret), address, self.clock())
        return request, secret

    async def approve(
        self,
        manager: str,
        typed: str,
        device: str,
        role: str,
        keep_token: Callable[[str], Awaitable[object]],
    ) -> PairingRequest:
        """Approve the request showing `typed` as `device` (of `role`).

        The device's new token is kept (`keep_token`, e.g. stored hashed) before the terminal
        is woken, so it never tries a token the server does not know yet.
        """
        request = self.book.find(manager, typed, self.clock(), role=role)
        token = new_token()
        await keep_token(token)
        self.book.approve(request, device, token, self.clock())
        event = self._approved.pop(request.id, None)
        if event is not None:
            event.set()
        return request

    async def collect(self, request_id: str, secret: str, wait_s: float) -> PairingRequest:
        """The request for its terminal, waiting up to `wait_s` for an approval."""
        request = self.book.collect(request_id, token_hash(secret), self.clock())
        if request.approved or wait_s <= 0:
            return request
        event = self._approved.setdefault(request_id, asyncio.Event())
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(wait_s, WAIT_MAX_S))
        finally:
            if not event.is_set():
                self._approved.pop(request_id, None)
        return self.book.collect(request_id, token_hash(secret), self.clock())
