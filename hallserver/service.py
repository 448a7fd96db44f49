"""The running hall: the domain in the event loop, a writer thread that commits in groups,
and the subscribers that receive every event once it is on disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import secrets
import time
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .domain.errors import HallError
from .domain.hall import Changes, Hall
from .domain.settings import Device, HallSettings
from .security import IdHasher
from .store import Store, event_body

log = logging.getLogger("hallq.server")
T = TypeVar("T")

SUBSCRIBER_BACKLOG = 20_000  # events a slow WebSocket may lag behind before it is dropped


class StoreFailure(HallError):
    status = 503
    code = "store_failed"


@dataclass(eq=False)
class Subscriber:
    """One WebSocket client's outbox; overflowing it drops the client (it reconnects with since)."""

    queue: asyncio.Queue[tuple[int, str]] = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIBER_BACKLOG)
    )
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)
    token: str = ""  # the hash of the device token it connected with
    close: Callable[[], Awaitable[object]] | None = None  # ends the connection (token revoked)

    def push(self, seq: int, body: str) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait((seq, body))
        except asyncio.QueueFull:
            self.overflowed.set()


class TokenBucket:
    def __init__(self, per_minute: int) -> None:
        self.capacity = max(1, per_minute)
        self.rate = self.capacity / 60.0
        self.level = float(self.capacity)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.at) * self.rate)
        self.at = now
        if self.level >= 1:
            self.level -= 1
            return True
        return False


class HallService:
    """Owns the hall's state, its database and its subscribers; everything runs on one loop."""

    def __init__(
        self,
        settings: HallSettings,
        store: Store,
        id_hasher: IdHasher,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        ignore_hours: bool = False,
    ) -> None:
        self.settings = settings
        self.store = store
        self.tz = zoneinfo.ZoneInfo(settings.timezone)
        self.clock = clock or (lambda: dt.datetime.now(self.tz))
        self.ignore_hours = ignore_hours
        self.hall = Hall(
            settings, tz=self.tz, hash_id=id_hasher, new_id=lambda: secrets.token_urlsafe(12)
        )
        self.writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hallq-store")
        self.reads = store.reader()
        self._reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hallq-read")
        self.subscribers: set[Subscriber] = set()
        self.committed_seq = 0
        self.failed: BaseException | None = None
        self.on_failure: Callable[[BaseException], None] = lambda e: None
        self._pending: list[tuple[Changes, list[str], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._tokens: dict[str, str] = {}
        self._data_version = -1
        self.last_seen: dict[str, dt.datetime] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.pin_failures: dict[str, list[float]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def now(self) -> dt.datetime:
        return self.clock()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call on the writer thread, after every commit queued before it."""
        return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a read of `self.reads` on the reader thread (sees what has been committed)."""
        return await asyncio.get_running_loop().run_in_executor(self._reader, fn, *args)

    async def start(self) -> None:
        today = self.now().date()
        state = await self.db(self.store.load, today)
        self.hall.restore(**state)
        self.committed_seq = self.hall.seq
        await self.reload_tokens()
        self._tasks.append(asyncio.create_task(self._ticker()))
        await self.run(lambda: self.hall.tick(self.now()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        self.writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)
        self.reads.close()

    # ----- commands ----------------------------------------------------------------------------
    async def run(self, command: Callable[[], T]) -> T:
        """Apply a domain command; answer only once what it changed is on disk."""
        if self.failed is not None:
            raise StoreFailure("the hall database failed; the server is stopping")
        error: HallError | None = None
        result: T | None = None
        try:
            result = command()
        except HallError as e:
            error = e
        changes = self.hall.take_changes()
        if changes:
            await self._persist(changes)
        if error is not None:
            raise error
        return result  # type: ignore[return-value]

    async def _persist(self, changes: Changes) -> None:
        bodies = [event_body(e.seq, e.type, e.at, e.data) for e in changes.events]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((changes, bodies, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(done)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self.db(self.store.write, [(c, b) for c, b, _ in batch], self.hall.day)
            except Exception as e:  # the disk said no: nothing more can be promised
                log.critical("database write failed: %s", e)
                self.failed = e
                for _, _, done in batch + self._pending:
                    if not done.done():
                        done.set_exception(StoreFailure("the hall database failed"))
                self._pending = []
                self.on_failure(e)
                return
            for changes, bodies, done in batch:
                for event, body in zip(changes.events, bodies, strict=True):
                    self.committed_seq = event.seq
                    for sub in self.subscribers:
                        sub.push(event.seq, body)
                if not done.done():
                    done.set_result(None)

    async def _ticker(self) -> None:
        """Once a second: day roll-over, supervision alerts, tokens issued by the CLI."""
        last_purge = 0.0
        while True:
            await asyncio.sleep(1.0)
            try:
                await self.run(lambda: self.hall.tick(self.now()))
                await self._tokens_changed()
                if time.monotonic() - last_purge > 3600:
                    last_purge = time.monotonic()
                    keep = dt.timedelta(days=self.settings.policy.photo_retention_days)
                    await self.db(self.store.purge_photos, self.now() - keep)
            except StoreFailure:
                return
            except Exception:
                log.exception("periodic check failed")

    # ----- devices -----------------------------------------------------------------------------
    async def reload_tokens(self) -> None:
        self._tokens = await self.db(self.store.tokens)
        await self._close_revoked()

    async def _close_revoked(self) -> None:
        """Connections made with a token that is no longer valid end at once."""
        gone = [s for s in self.subscribers if s.token and s.token not in self._tokens]
        for sub in gone:
            self.subscribers.discard(sub)
            if sub.close is not None:
                await sub.close()

    def online_devices(self) -> set[str]:
        """Devices with an event stream open now."""
        return {d for s in self.subscribers if (d := self._tokens.get(s.token)) is not None}

    async def _tokens_changed(self) -> bool:
        """Reload tokens when another process (`hallq-server token`) wrote to the database."""
        version = await self.db(self.store.data_version)
        if version == self._data_version:
            return False
        self._data_version = version
        await self.reload_tokens()
        return True

    async def device_for(self, digest: str) -> Device | None:
        device_id = self._tokens.get(digest)
        if device_id is None and await self._tokens_changed():
            device_id = self._tokens.get(digest)  # a token issued by the CLI a moment ago
        if device_id is None:
            return None
        device = self.settings.device(device_id)
        if device is not None:
            self.last_seen[device.id] = self.now()
        return device

    def rate_ok(self, device: Device) -> bool:
        bucket = self.buckets.get(device.id)
        if bucket is None:
            bucket = self.buckets[device.id] = TokenBucket(
                self.settings.policy.kiosk_tickets_per_minute
            )
        return bucket.take()

    def pin_locked(self, window: str) -> bool:
        """Five wrong PINs within a minute lock a window's sign-in for that minute."""
        recent = [t for t in self.pin_failures.get(window, []) if time.monotonic() - t < 60]
        self.pin_failures[window] = recent
        return len(recent) >= 5

    def pin_failed(self, window: str) -> None:
        self.pin_failures.setdefault(window, []).append(time.monotonic())
