"""Ticket issue throughput: 32 concurrent clients, durable (synchronous=FULL) answers.

Target (issue 3): ≥ 2,000 tickets/s with p99 < 50 ms on this 2-core machine.
Usage: .venv/bin/python bench/bench_issue.py [--clients 32] [--tickets 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
from hallkit import running_hall, summary

SERVICES = "ABCDEFGHJKLM"


async def client(url: str, token: str, n: int, start: int, lat: list[float]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    conn = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=conn) as s:
        for i in range(n):
            body = {"service": SERVICES[(start + i) % len(SERVICES)]}
            t0 = time.perf_counter()
            async with s.post(url + "/api/v1/tickets", json=body, headers=headers) as r:
                await r.read()
                assert r.status == 201, r.status
            lat.append((time.perf_counter() - t0) * 1000)


async def run(url: str, token: str, clients: int, tickets: int) -> float:
    lat: list[float] = []
    per = tickets // clients
    t0 = time.perf_counter()
    await asyncio.gather(*[client(url, token, per, i * per, lat) for i in range(clients)])
    took = time.perf_counter() - t0
    print(
        f"issued {len(lat)} tickets with {clients} concurrent clients in {took:.2f} s "
        f"→ {len(lat) / took:,.0f} tickets/s (durable: synchronous=FULL)"
    )
    print(summary("issue latency", lat))
    return len(lat) / took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--tickets", type=int, default=20_000)
    args = ap.parse_args()
    with running_hall() as server:
        asyncio.run(run(server.url, server.tokens["manager-1"], args.clients, args.tickets))


if __name__ == "__main__":
    main()
