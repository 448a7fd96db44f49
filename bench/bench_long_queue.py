"""Queues that stay fast: ticket issue and call-next on an empty hall, then with 100,000 waiting.

Two hall servers run side by side: one empty, one whose queues are first filled with `--waiting`
tickets; then both are measured in turns (`--rounds`), so a busy shared machine weighs on both
alike. Target (issue 11): the long queue's figures are at least 80% of the empty hall's
(tickets/s; call-next p99 at most 1.25 × the empty hall's).
Usage: .venv/bin/python bench/bench_long_queue.py [--waiting 100000] [--tickets 3200]
       [--calls 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

import aiohttp
from hallkit import CLERK_PIN, HallServerProcess, clerk_for, pct, running_hall, summary

SERVICES = "ABCDEFG"  # the services of the comprehensive windows below
WINDOWS = ["1", "2", "3", "9", "10", "11", "17", "18"]  # comprehensive windows of big_hall()
CLIENTS = 32


@dataclass
class Figures:
    issue_s: float  # time spent issuing
    issue_ms: list[float]
    call_ms: list[float]


async def issue(
    url: str, token: str, n: int, *, clients: int = CLIENTS
) -> tuple[float, list[float]]:
    """Issue n tickets from concurrent clients: (tickets/s, latencies in ms)."""
    headers = {"Authorization": f"Bearer {token}"}
    lat: list[float] = []

    async def client(first: int, count: int) -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as s:
            for i in range(first, first + count):
                body = {"service": SERVICES[i % len(SERVICES)]}
                t0 = time.perf_counter()
                async with s.post(url + "/api/v1/tickets", json=body, headers=headers) as r:
                    await r.read()
                    assert r.status == 201, r.status
                lat.append((time.perf_counter() - t0) * 1000)

    per = n // clients
    t0 = time.perf_counter()
    await asyncio.gather(*[client(i * per, per) for i in range(clients)])
    return len(lat) / (time.perf_counter() - t0), lat


async def call_next(url: str, tokens: dict[str, str], calls: int) -> list[float]:
    """Each window calls the next citizen and finishes, `calls` call-nexts in all: latencies."""
    lat: list[float] = []

    async def window(w: str, count: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[f'caller-{w}']}"}
        base = f"{url}/api/v1/windows/{w}"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as s:
            for _ in range(count):
                t0 = time.perf_counter()
                async with s.post(base + "/call-next", headers=headers) as r:
                    body = await r.json()
                    assert r.status == 200 and body["ticket"], (r.status, body)
                lat.append((time.perf_counter() - t0) * 1000)
                async with s.post(base + "/finish", headers=headers) as r:
                    assert r.status == 200, r.status

    per = calls // len(WINDOWS)
    await asyncio.gather(*[window(w, per) for w in WINDOWS])
    return lat


async def sign_in(url: str, tokens: dict[str, str]) -> None:
    async with aiohttp.ClientSession() as s:
        for w in WINDOWS:
            headers = {"Authorization": f"Bearer {tokens[f'caller-{w}']}"}
            body = {"clerk": clerk_for(w), "pin": CLERK_PIN}
            async with s.post(f"{url}/api/v1/windows/{w}/session", json=body, headers=headers) as r:
                assert r.status == 200, r.status


async def waiting(url: str, token: str) -> int:
    async with aiohttp.ClientSession() as s:
        headers = {"Authorization": f"Bearer {token}"}
        async with s.get(url + "/api/v1/queues", headers=headers) as r:
            return sum(q["waiting"] for q in (await r.json())["queues"])


async def measure(url: str, tokens: dict[str, str], tickets: int, calls: int, f: Figures) -> None:
    start = time.perf_counter()
    _, issue_ms = await issue(url, tokens["manager-1"], tickets)
    f.issue_s += time.perf_counter() - start
    f.issue_ms += issue_ms
    f.call_ms += await call_next(url, tokens, calls)


def report(name: str, f: Figures) -> None:
    print(f"{name}: {len(f.issue_ms) / f.issue_s:,.0f} tickets/s issued")
    print("  " + summary("issue", f.issue_ms))
    print("  " + summary("call-next", f.call_ms))


async def run(empty: HallServerProcess, long: HallServerProcess, args: argparse.Namespace) -> None:
    for hall in (empty, long):
        await sign_in(hall.url, hall.tokens)
    fill = args.waiting
    t0 = time.perf_counter()
    rate, _ = await issue(long.url, long.tokens["manager-1"], fill)
    took = time.perf_counter() - t0
    print(f"filled the long queue with {fill:,} tickets in {took:.1f} s ({rate:,.0f}/s)")
    before = await waiting(long.url, long.tokens["manager-1"])
    # The two halls are measured in turns, so both see the same load on a shared machine.
    figures = {"empty": Figures(0.0, [], []), "long": Figures(0.0, [], [])}
    for _ in range(args.rounds):
        for name, hall in (("empty", empty), ("long", long)):
            await measure(
                hall.url,
                hall.tokens,
                args.tickets // args.rounds,
                args.calls // args.rounds,
                figures[name],
            )
    e, g = figures["empty"], figures["long"]
    report(f"empty hall (at most {args.tickets:,} waiting)", e)
    report(f"long queue ({before:,} waiting at the start)", g)
    issue_ratio = (len(g.issue_ms) / g.issue_s) / (len(e.issue_ms) / e.issue_s)
    call_ratio = pct(e.call_ms, 99) / pct(g.call_ms, 99)
    print(
        f"long queue / empty hall: issue {issue_ratio:.0%} of the tickets/s, "
        f"call-next p99 at {call_ratio:.0%} of the empty hall's speed (target ≥ 80% each)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--waiting", type=int, default=100_000)
    ap.add_argument("--tickets", type=int, default=3_200)
    ap.add_argument("--calls", type=int, default=2_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with running_hall(windows=18) as empty, running_hall(windows=18) as long:
        asyncio.run(run(empty, long, args))


if __name__ == "__main__":
    main()
