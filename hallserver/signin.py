"""A clerk signing in at a window with a PIN, safe against guessing.

Five failed sign-ins within a minute lock the window's sign-in for that minute. An attempt is
counted *before* its PIN is checked (and forgotten only when it was right), so a burst sent at
once gets five checks, not one per request. Attempts are stored, so a restart keeps the lock.
An unknown clerk costs the same scrypt work as a known one (no clerk ids by timing), and the
work runs on a small pool of its own: a burst queues instead of taking the memory and the
cores the hall needs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .security import pin_hash, pin_matches
from .store import Store

ATTEMPTS_TO_LOCK = 5
LOCK_S = 60.0
PIN_WORKERS = 2  # scrypt takes 16 MiB and ~35 ms each: two at a time at most


class SignInGuard:
    """Counts a window's PIN attempts and checks PINs; lives in the server's event loop."""

    def __init__(
        self,
        store: Store,
        write: Callable[..., Awaitable[Any]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._write = write  # runs a store call on the server's writer thread
        self._clock = clock
        self._attempts: dict[str, list[float]] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            PIN_WORKERS, thread_name_prefix="hallq-pin"
        )
        self._decoy = pin_hash("0000")

    async def load(self) -> None:
        """The attempts of the last minute, from before a restart."""
        for window, at in await self._write(self._store.pin_attempts_since, self._clock() - LOCK_S):
            self._attempts.setdefault(window, []).append(at)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def locked(self, window: str) -> bool:
        now = self._clock()
        recent = [t for t in self._attempts.get(window, []) if now - t < LOCK_S]
        self._attempts[window] = recent
        return len(recent) >= ATTEMPTS_TO_LOCK

    async def begin(self, window: str) -> float | None:
        """Count one attempt at `window` (None: locked, do not check the PIN)."""
        if self.locked(window):
            return None
        at = self._clock()
        while at in self._attempts[window]:  # each attempt its own mark, to forget it exactly
            at += 1e-6
        self._attempts[window].append(at)  # no await since `locked`: a burst cannot slip past
        await self._write(self._store.add_pin_attempt, window, at)
        return at

    async def check(self, window: str, at: float, pin: str, stored: str | None) -> bool:
        """Whether `pin` matches `stored` (None: no such clerk); a right PIN forgets the attempt."""
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(self._pool, pin_matches, pin, stored or self._decoy)
        if ok and stored is not None:
            if at in self._attempts.get(window, []):
                self._attempts[window].remove(at)
            await self._write(self._store.drop_pin_attempt, window, at)
            return True
        return False
