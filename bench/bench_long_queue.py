"""Queues that stay fast: ticket issue and call-next on an empty hall, then with 100,000 waiting.

Both phases run in the same server process, one after the other: first on an empty hall, then
after filling the queues to `--waiting` tickets. Target (issue 11): the long-queue figures are at
least 80% of the empty-hall ones (tickets/s; call-next p99 at most 1.25 × the empty hall's).
Usage: .venv/bin/python bench/bench_long_queue.py [--waiting 100000] [--tickets 3000] [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

import aiohttp
from hallkit import CLERK_PIN, clerk_for, pct, running_hall, summary

SERVICES = "ABCDEFG"  # the services of the comprehensive windows below
WINDOWS = ["1", "2", "3", "9", "10", "11", "17", "18"]  # comprehensive windows of big_hall()
CLIENTS = 32


@dataclass
class Figures:
    tickets_per_s: float
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


async def phase(url: str, tokens: dict[str, str], tickets: int, calls: int) -> Figures:
    rate, issue_ms = await issue(url, tokens["manager-1"], tickets)
    call_ms = await call_next(url, tokens, calls)
    return Figures(rate, issue_ms, call_ms)


def report(name: str, f: Figures) -> None:
    print(f"{name}: {f.tickets_per_s:,.0f} tickets/s issued")
    print("  " + summary("issue", f.issue_ms))
    print("  " + summary("call-next", f.call_ms))


async def run(url: str, tokens: dict[str, str], args: argparse.Namespace) -> None:
    await sign_in(url, tokens)
    empty = await phase(url, tokens, args.tickets, args.calls)
    report(f"empty hall ({await waiting(url, tokens['manager-1']):,} waiting after)", empty)
    fill = args.waiting - await waiting(url, tokens["manager-1"])
    t0 = time.perf_counter()
    rate, _ = await issue(url, tokens["manager-1"], fill)
    print(f"filled {fill:,} tickets in {time.perf_counter() - t0:.1f} s ({rate:,.0f}/s)")
    before = await waiting(url, tokens["manager-1"])
    long = await phase(url, tokens, args.tickets, args.calls)
    report(f"long queue ({before:,} waiting before)", long)
    issue_ratio = long.tickets_per_s / empty.tickets_per_s
    call_ratio = pct(empty.call_ms, 99) / pct(long.call_ms, 99)
    print(
        f"long queue / empty hall: issue {issue_ratio:.0%} of the tickets/s, "
        f"call-next p99 at {call_ratio:.0%} of the empty hall's speed (target ≥ 80% each)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--waiting", type=int, default=100_000)
    ap.add_argument("--tickets", type=int, default=3_000)
    ap.add_argument("--calls", type=int, default=2_000)
    args = ap.parse_args()
    with running_hall(windows=18) as server:
        asyncio.run(run(server.url, server.tokens, args))


if __name__ == "__main__":
    main()
