"""The running hall: the domain in the event loop, a writer thread that commits in groups,
and the subscribers that receive every event once it is on disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import secrets
import sqlite3
import time
import zoneinfo
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .domain.errors import HallError
from .domain.hall import Changes, Hall
from .domain.settings import Device, HallSettings
from .pairing import PairingOffice
from .security import IdHasher
from .signin import SignInGuard
from .store import GroupCommit, Store

log = logging.getLogger("hallq.server")
T = TypeVar("T")

SUBSCRIBER_BACKLOG = 1_000  # events a WebSocket may lag behind before it is closed (too slow)
PAST_WEEKS = 4  # the wait estimator learns window times by time of day from this many weeks


class StoreFailure(HallError):
    status = 503
    code = "store_failed"


class DiskFull(HallError):
    """The database's disk is full: nothing is taken until space returns (no exit, no loss)."""

    status = 503
    code = "disk_full"


def _disk_full(e: BaseException, store: Store) -> bool:
    code = getattr(e, "sqlite_errorcode", None) if isinstance(e, sqlite3.Error) else None
    if code == sqlite3.SQLITE_FULL:
        return True
    # An I/O error on a disk without space is the same trouble (the WAL could not grow).
    return code == sqlite3.SQLITE_IOERR and not store.has_room()


@dataclass(eq=False)
class Subscriber:
    """One WebSocket client's outbox. Overflowing it closes the client as too slow: it
    reconnects with `since` and replays from the log, while the hall never waits for it."""

    backlog: deque[tuple[int, str]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False
    on_overflow: Callable[[], object] = lambda: None
    token: str = ""  # the hash of the device token it connected with
    device: str = ""  # the device id that token belonged to
    close: Callable[[], Awaitable[object]] | None = None  # ends the connection (token revoked)

    def push(self, seq: int, body: str) -> None:
        if self.overflowed:
            return
        if len(self.backlog) >= SUBSCRIBER_BACKLOG:
            self.overflowed = True
            self.backlog.clear()
            self.on_overflow()
            return
        self.backlog.append((seq, body))
        self.wake.set()

    async def take(self) -> list[tuple[int, str]]:
        """Everything pushed since the last take (waits while there is nothing)."""
        while not self.backlog:
            self.wake.clear()
            await self.wake.wait()
        items = list(self.backlog)
        self.backlog.clear()
        return items


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
        self._hash_id = id_hasher
        self.hall = self._new_hall()
        self._reloading = False
        self.writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hallq-store")
        self.reads = store.reader()
        self._reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hallq-read")
        self.subscribers: set[Subscriber] = set()
        self.committed_seq = 0
        self.failed: BaseException | None = None
        self.on_failure: Callable[[BaseException], None] = lambda e: None
        self._group = GroupCommit()  # the commands waiting for the next commit
        self._waiting: list[asyncio.Future[None]] = []  # their answers
        self._flusher: asyncio.Task[None] | None = None
        # Tokens are looked up in the database on every request, on a read connection of their
        # own: a token minted or revoked by `hallq-server token` counts from its commit on. The
        # lookup runs in the loop: an indexed read of a WAL database never waits for the writer,
        # and takes less time than handing it to a thread and back (which, with the loop busy,
        # also waits for the GIL).
        self._tokens = store.reader()
        self.last_seen: dict[str, dt.datetime] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.sign_ins = SignInGuard(store, self.db)
        self.pairing = PairingOffice(self.now)
        self._tasks: list[asyncio.Task[None]] = []
        self._past_calls: list[dict[str, Any]] = []
        self.config_lock = asyncio.Lock()  # one config change at a time (config_versions.change)

    def _new_hall(self) -> Hall:
        return Hall(
            self.settings,
            tz=self.tz,
            hash_id=self._hash_id,
            new_id=lambda: secrets.token_urlsafe(12),
        )

    def now(self) -> dt.datetime:
        return self.clock()

    def _calls_of_past_weeks(self, today: dt.date) -> list[dict[str, Any]]:
        """The tickets of today's weekday in the past weeks: the wait estimator's window times
        by time of day until today's calls say otherwise."""
        days = [today - dt.timedelta(weeks=k) for k in range(1, PAST_WEEKS + 1)]
        return [dict(r) for day in days for r in self.store.tickets_of_day(day)]

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call on the writer thread, after every commit queued before it.

        A full disk is the client's 503 disk_full (try again later), as for the hall's commands.
        """
        try:
            return await self._on_writer(fn, *args)
        except sqlite3.Error as e:
            if _disk_full(e, self.store):
                raise DiskFull("the hall database's disk is full; nothing was written") from e
            raise

    async def _on_writer(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a read of `self.reads` on the reader thread (sees what has been committed)."""
        return await asyncio.get_running_loop().run_in_executor(self._reader, fn, *args)

    async def start(self) -> None:
        today = self.now().date()
        state = await self._on_writer(self.store.load, today)
        self.hall.restore(**state)
        self._past_calls = await self.db(self._calls_of_past_weeks, today)
        self.hall.estimator.learn_history(self._past_calls, self.tz)
        self.committed_seq = self.hall.seq
        await self.sign_ins.load()
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
        self.sign_ins.close()
        self.reads.close()
        self._tokens.close()

    # ----- commands ----------------------------------------------------------------------------
    async def run(self, command: Callable[[], T]) -> T:
        """Apply a domain command; answer only once what it changed is on disk."""
        if self.failed is not None:
            raise StoreFailure("the hall database failed; the server is stopping")
        if self._reloading:
            raise DiskFull("the hall database's disk is full; try again when space is freed")
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
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._group.add(changes)
        self._waiting.append(done)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(done)

    async def _flush(self) -> None:
        while self._waiting:
            group, waiting = self._group, self._waiting
            self._group, self._waiting = GroupCommit(), []
            try:
                await self._on_writer(self.store.write, group, self.hall.day)
            except Exception as e:
                if _disk_full(e, self.store) and await self._forget_unwritten(waiting, e):
                    continue
                # Any other refusal: nothing more can be promised, the server stops.
                log.critical("database write failed: %s", e)
                self.failed = e
                for done in waiting + self._waiting:
                    if not done.done():
                        done.set_exception(StoreFailure("the hall database failed"))
                self._group, self._waiting = GroupCommit(), []
                self.on_failure(e)
                return
            # The commands' answers are woken before the subscribers' senders, so a clerk's
            # call-next is answered before hundreds of screens are written to, not after.
            for done in waiting:
                if not done.done():
                    done.set_result(None)
            for seq, _, _, body in group.events:
                self.committed_seq = seq
                for sub in self.subscribers:
                    sub.push(seq, body)

    async def _forget_unwritten(
        self, waiting: list[asyncio.Future[None]], e: BaseException
    ) -> bool:
        """The disk is full: refuse every command not yet on disk and go back to what is.

        The commands `waiting` and those queued behind them changed the hall in memory only;
        their clients get 503 disk_full. The hall is rebuilt from the database (as at a
        restart), so memory, disk and the event log agree again; the next command tries the
        disk again and succeeds once space is back. False when the database cannot even be
        read back: then the server stops as for any other failure.
        """
        self._reloading = True
        log.error("database disk full (%s): commands refused until space is freed", e)
        for done in waiting + self._waiting:
            if not done.done():
                done.set_exception(DiskFull("the hall database's disk is full; nothing was taken"))
        self._group, self._waiting = GroupCommit(), []
        try:
            state = await self._on_writer(self.store.load, self.now().date())
        except Exception:
            return False
        hall = self._new_hall()
        hall.restore(**state)
        hall.estimator.learn_history(self._past_calls, self.tz)
        self.hall = hall
        self._reloading = False
        return True

    async def _ticker(self) -> None:
        """Once a second: day roll-over, supervision alerts; hourly: old photos."""
        last_purge = 0.0
        while True:
            await asyncio.sleep(1.0)
            try:
                await self.run(lambda: self.hall.tick(self.now()))
                await self.close_revoked()
                if time.monotonic() - last_purge > 3600:
                    last_purge = time.monotonic()
                    keep = dt.timedelta(days=self.settings.policy.photo_retention_days)
                    await self.db(self.store.purge_photos, self.now() - keep)
            except StoreFailure:
                return
            except DiskFull:
                continue  # said once when it happened; the tick is tried again
            except Exception:
                log.exception("periodic check failed")

    async def reconfigure(self, settings: HallSettings, **about: object) -> None:
        """Run on new settings from now on: the hall's rules may refuse (ConfigRefused); once
        on disk, hall.config_changed tells every terminal to read GET /hall again."""
        now = self.now()

        def command() -> None:
            self.hall.reconfigure(settings, now, **about)
            self.settings = settings  # with the hall's, in the same turn of the loop
            self.buckets.clear()  # kiosk_tickets_per_minute may have changed

        await self.run(command)

    # ----- devices -----------------------------------------------------------------------------
    async def close_revoked(self) -> None:
        """Connections made with a token that is no longer valid end at once.

        Called after a revocation in the console, and every second for one made by the
        `hallq-server token` command in another process.
        """
        if not any(s.token for s in self.subscribers):
            return
        valid = self._tokens.token_hashes()
        gone = [s for s in self.subscribers if s.token and s.token not in valid]
        for sub in gone:
            self.subscribers.discard(sub)
            log.info("device %s: token revoked, its event stream closed", sub.device)
            if sub.close is not None:
                await sub.close()

    def online_devices(self) -> set[str]:
        """Devices with an event stream open now."""
        return {s.device for s in self.subscribers if s.device}

    def device_for(self, digest: str) -> Device | None:
        device_id = self._tokens.device_of_token(digest)
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
