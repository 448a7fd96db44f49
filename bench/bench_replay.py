"""Validation of the planner's model (issue 14 §4): a recorded busy day replayed through the
simulation reproduces the mean wait the hall measured.

bench_day's day (60 windows, 20,000 tickets, two peaks, lognormal handling, recalls, 过号 with
check-ins, transfers, green tickets) is run through the real server, or read from a database it
kept (`bench_day.py --keep`). From the hall's event log: each citizen's arrival, service and
channel, every call's time at its window, what followed it (transfer, check-in), the windows'
sessions and each clerk's time to call. The simulation plays those citizens with the hall's own
routing; its waits are set against the hall's (first call − issue), overall and per service.
bench_day compresses its day onto the hall's real clock, so the waits are in real seconds of
that run, not in the day's minutes. Several replay seeds (they draw only what the record lacks)
give the spread. Target: the mean wait within 10 %.
Usage: .venv/bin/python bench/bench_replay.py [--db kept.db] [--tickets 20000] [--windows 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
from bench_day import Day, keep_copy
from hallkit import big_hall, running_hall

from hallserver.config import load_config
from planner.record import recorded_day


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, help="a day kept by bench_day.py --keep (else run one)")
    ap.add_argument("--tickets", type=int, default=20_000)
    ap.add_argument("--windows", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--replays", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "day.db"
            with running_hall(windows=args.windows) as server:
                day = Day(server, args.tickets, args.seed)
                took = asyncio.run(day.run())
                print(f"bench_day: {args.tickets} tickets, {args.windows} windows in {took:.0f} s")
                keep_copy(server, db)
        settings = load_config(big_hall(Path(tmp) / "big.toml", args.windows))
        conn = sqlite3.connect(db)
        log = [json.loads(b) for (b,) in conn.execute("SELECT body FROM events ORDER BY seq")]
        conn.close()
    day = recorded_day(log)
    recorded = day.waits_s
    services = np.asarray(day.arrivals.service)
    runs = [
        day.replay(settings.windows, settings.policy, seed=k) for k in range(1, args.replays + 1)
    ]
    returns = sum(len(r) for r in day.arrivals.returns.values())
    print(
        f"recorded day: {len(recorded)} citizens, {len(log)} events, {returns} later calls "
        f"(transfers, check-ins), {day.never_called} never called; "
        f"{len(runs)} replays with the hall's routing"
    )
    print("service  tickets  recorded mean wait  simulated (spread over replays)   difference")
    for code in [*sorted(set(services)), "all"]:
        mask = np.ones(len(services), bool) if code == "all" else services == code
        real = float(np.nanmean(recorded[mask]))
        sims = [float(np.nanmean(r[mask])) for r in runs]
        mean = float(np.mean(sims))
        print(
            f"{code:>7}  {int(mask.sum()):7d}  {real:14.3f} s  {mean:12.3f} s "
            f"({min(sims):.3f}–{max(sims):.3f})  {100 * (mean / real - 1):+8.1f} % "
            f"({100 * (min(sims) / real - 1):+.1f}…{100 * (max(sims) / real - 1):+.1f})"
        )


if __name__ == "__main__":
    main()
