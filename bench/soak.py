"""Soak: a compressed 8-hour day with 200 terminals' WebSockets, the server killed -9 three
times and restarted, a kiosk cut off for 30 s; then every promise checked.

Kiosks issue tickets with an Idempotency-Key and repeat a request until it is answered (as
kiosk/flow.py does); clerks at 20 windows call and finish. 200 WebSocket subscribers follow the
event stream and reconnect with `since` after each kill. One kiosk (with its subscriber) stops
for 30 s mid-day. Afterwards:
- nothing lost: every ticket a kiosk was given exists on the server;
- no call announced twice: each ticket.called seen once per subscriber after dedupe by seq;
- every display equal to the server: gapless seqs up to the server's last, and the ticket
  statuses rebuilt from the events equal the server's.
Usage: .venv/bin/python bench/soak.py [--minutes 4] [--subscribers 200] [--kills 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from hallkit import HallServerProcess, running_hall

WINDOWS = 20
KIOSKS = ("kiosk-1", "kiosk-2", "kiosk-3", "kiosk-4")
CUT_OFF_S = 30.0


@dataclass
class Display:
    """One subscriber's view, rebuilt from the events it received."""

    seqs: list[int] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)
    called: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    cut_off: tuple[float, float] = (0.0, 0.0)  # monotonic from, until: reads nothing

    @property
    def last(self) -> int:
        return self.seqs[-1] if self.seqs else 0

    def apply(self, event: dict[str, Any]) -> None:
        if event["seq"] <= self.last:
            return  # already seen (a replay after a reconnect): dedupe by seq
        self.seqs.append(event["seq"])
        ticket = event["data"].get("ticket")
        if event["type"].startswith("ticket.") and isinstance(ticket, dict):
            self.status[ticket["id"]] = ticket["status"]
            if event["type"] == "ticket.called":
                self.called[ticket["id"]] += 1


async def follow(url: str, token: str, display: Display, stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        while not stop.is_set():
            try:
                async with s.ws_connect(f"{url}/api/v1/events?since={display.last}") as ws:
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                        display.apply(msg.json())
                        start, end = display.cut_off
                        if start <= time.monotonic() < end:
                            await asyncio.sleep(end - time.monotonic())  # cut off: reads nothing
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass
            display.reconnects += 1
            await asyncio.sleep(0.2 + random.random() * 0.3)


async def request(
    s: aiohttp.ClientSession, method: str, url: str, **kw: Any
) -> tuple[int, dict[str, Any]]:
    """Repeat until the server answers (it may be restarting): a terminal's retry loop."""
    while True:
        try:
            async with s.request(method, url, **kw) as r:
                if r.status >= 500:
                    raise aiohttp.ClientError(r.status)
                return r.status, await r.json()
        except (TimeoutError, aiohttp.ClientError, OSError):
            await asyncio.sleep(0.2)


async def kiosk(
    server: HallServerProcess, name: str, given: list[str], stop: asyncio.Event, cut: float
) -> None:
    headers = {"Authorization": f"Bearer {server.tokens[name]}"}
    services = "ABCDEFG"
    async with aiohttp.ClientSession(headers=headers) as s:
        while not stop.is_set():
            if cut and time.monotonic() >= cut:
                await asyncio.sleep(CUT_OFF_S)  # off the network: nothing sent
                cut = 0.0
            key = uuid.uuid4().hex
            status, body = await request(
                s,
                "POST",
                f"{server.url}/api/v1/tickets",
                json={"service": random.choice(services)},
                headers={"Idempotency-Key": key},
            )
            if status in (200, 201):
                given.append(body["ticket"]["id"])
            await asyncio.sleep(random.uniform(0.05, 0.25))


async def clerk(server: HallServerProcess, window: str, stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {server.tokens[f'caller-{window}']}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        while not stop.is_set():
            base = f"{server.url}/api/v1/windows/{window}"
            status, body = await request(s, "POST", f"{base}/call-next")
            if status == 200 and body.get("ticket"):
                await asyncio.sleep(random.uniform(0.2, 1.0))
                await request(s, "POST", f"{base}/finish")
            else:
                await asyncio.sleep(0.5)


async def soak(server: HallServerProcess, minutes: float, n_subs: int, kills: int) -> None:
    stop = asyncio.Event()
    run_s = minutes * 60
    displays = [Display() for _ in range(n_subs)]
    token = server.tokens["display-hall"]
    followers = [asyncio.create_task(follow(server.url, token, d, stop)) for d in displays]
    given: list[str] = []
    started = time.monotonic()
    cut_at = started + run_s * 0.4
    displays[0].cut_off = (cut_at, cut_at + CUT_OFF_S)  # kiosk-2's own screen is cut off too
    actors = [
        asyncio.create_task(kiosk(server, k, given, stop, cut_at if k == "kiosk-2" else 0.0))
        for k in KIOSKS
    ] + [asyncio.create_task(clerk(server, str(w), stop)) for w in range(1, WINDOWS + 1)]
    killed_at = [started + run_s * (i + 1) / (kills + 1) for i in range(kills)]
    restart_s = []
    for at in killed_at:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        t0 = time.monotonic()
        await asyncio.to_thread(server.restart, hard=True)
        restart_s.append(time.monotonic() - t0)
        print(f"  kill -9 at {at - started:.0f} s, answering again after {restart_s[-1]:.2f} s")
    await asyncio.sleep(max(0.0, started + run_s - time.monotonic()))
    stop.set()
    await asyncio.gather(*actors)
    # Let every display catch up with the server's last event, then compare.
    _, health = server.request("GET", "/health")
    deadline = time.monotonic() + 60
    while any(d.last < health["seq"] for d in displays) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    for f in followers:
        f.cancel()
    await asyncio.gather(*followers, return_exceptions=True)
    report(server, displays, given, health["seq"], time.monotonic() - started)


def report(
    server: HallServerProcess, displays: list[Display], given: list[str], seq: int, took: float
) -> None:
    truth: dict[str, str] = {}
    lost = 0
    for ticket_id in set(given):
        status, body = server.request("GET", f"/tickets/{ticket_id}", device="manager-1")
        if status != 200:
            lost += 1
        else:
            truth[ticket_id] = body["ticket"]["status"]
    gapless = sum(d.seqs == list(range(d.seqs[0], d.seqs[0] + len(d.seqs))) for d in displays)
    complete = sum(d.last == seq for d in displays)
    twice = sum(1 for d in displays for n in d.called.values() if n > 1)
    equal = sum(all(d.status.get(t) == s for t, s in truth.items()) for d in displays)
    called = len(displays[0].called)
    print(f"soak: {took:.0f} s, {seq} events, {len(given)} tickets given, {called} called")
    print(f"  tickets lost: {lost}; ticket.called announced twice: {twice}")
    print(f"  displays gapless: {gapless}/{len(displays)}; at the server's seq: {complete}")
    print(f"  displays equal to the server's ticket states: {equal}/{len(displays)}")
    print(f"  reconnects: {sum(d.reconnects for d in displays)} (kills and the cut-off)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=4.0, help="the 8-hour day, compressed")
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--kills", type=int, default=3)
    args = ap.parse_args()
    with running_hall(windows=WINDOWS) as server:
        for w in range(1, WINDOWS + 1):
            server.sign_in(str(w))
        asyncio.run(soak(server, args.minutes, args.subscribers, args.kills))


if __name__ == "__main__":
    main()
