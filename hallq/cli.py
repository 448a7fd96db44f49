"""``hallq``: the whole hall on one machine (``hallq demo``) and the hall's backups.

hallq demo [--scenario busy-morning] [--terminals kiosk-1,caller-1,…] [--data var/demo]
hallq demo --city 3 --scenario busy-morning   # three halls feeding a city PostgreSQL + console
hallq backup --db /var/lib/hallq/hall.db --out /var/backups/hallq/hall-2026-11-25
hallq restore --from /var/backups/hallq/hall-2026-11-25 --db /var/lib/hallq/hall.db
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.metadata import version
from pathlib import Path

import psycopg

import hallqlog

from .backup import BackupError, backup, restore
from .city import LocalCity, city_hall_config
from .demo import SCENARIOS, default_data_dir, run_demo
from .hall import DEMO_TERMINALS, SAMPLE_HALL, HallStartError, LocalHall


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hallq", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"%(prog)s {version('hallq')}")
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run a hall server and terminals on this machine")
    demo.add_argument("--scenario", choices=SCENARIOS, help="drive the hall: citizens and clerks")
    demo.add_argument(
        "--terminals",
        default=",".join(DEMO_TERMINALS),
        help=f"device ids of the hall config to run (default {','.join(DEMO_TERMINALS)})",
    )
    demo.add_argument("--config", type=Path, default=SAMPLE_HALL, help="hall config (TOML)")
    demo.add_argument(
        "--data",
        type=Path,
        default=default_data_dir(),
        help="database, logs, screenshots (default var/demo; the database is new each run)",
    )
    demo.add_argument(
        "--display",
        choices=("auto", "xvfb", "offscreen"),
        default="auto",
        help="auto: windows on this display, or Xvfb when there is none",
    )
    demo.add_argument(
        "--voice", default="clips", help="display voice: clips (offline), auto, or a TTS engine"
    )
    demo.add_argument(
        "--screenshots-every",
        type=float,
        metavar="S",
        help="save screenshots every S seconds (default 10 without a display, else off; 0 off)",
    )
    demo.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    demo.add_argument("--seed", type=int, help="random seed of the scenario")
    demo.add_argument(
        "--city",
        type=int,
        default=0,
        metavar="N",
        help="N halls feeding a city PostgreSQL of the demo's own (in DATA/city), "
        "and the city console",
    )

    b = sub.add_parser(
        "backup", help="copy a hall's database and ID-hash key while the server runs"
    )
    b.add_argument("--db", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True, help="the backup folder (must not exist)")
    r = sub.add_parser("restore", help="put a backup in place (hall server stopped)")
    r.add_argument("--from", dest="source", type=Path, required=True, help="the backup folder")
    r.add_argument("--db", type=Path, required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    hallqlog.configure(logging.WARNING)
    if args.command == "demo":
        return demo(args)
    try:
        if args.command == "backup":
            print(backup(args.db, args.out))
        else:
            restore(args.source, args.db)
            print(f"restored {args.source} into {args.db}")
    except BackupError as exc:
        print(f"hallq: {exc}", file=sys.stderr)
        return 1
    return 0


def demo(args: argparse.Namespace) -> int:
    terminals = tuple(t.strip() for t in args.terminals.split(",") if t.strip())
    try:
        city = LocalCity(args.data) if args.city > 0 else None  # initdb the first time
        halls = [
            LocalHall(
                folder,
                config=config,
                terminals=terminals,
                display=args.display,
                voice=args.voice,
                simulated_kiosk_ports=args.scenario is not None,
            )
            for folder, config in _hall_folders(args)
        ]
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"hallq demo: {exc}", file=sys.stderr)
        return 2
    every = args.screenshots_every
    if every is None:
        headless = halls[0].display_mode != "auto" or not _has_display()
        every = 10.0 if headless else 0.0
    try:
        return run_demo(
            halls,
            scenario=args.scenario,
            screenshots_every_s=every,
            duration_s=args.duration,
            seed=args.seed,
            city=city,
        )
    except (HallStartError, TimeoutError, RuntimeError, psycopg.Error) as exc:
        print(f"hallq demo: {exc}", file=sys.stderr)
        return 1


def _hall_folders(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    """(data folder, config) of each hall: the one hall, or the city's halls 1…N."""
    if args.city <= 0:
        return [(args.data, args.config)]
    folders = [args.data / f"hall-{n}" for n in range(1, args.city + 1)]
    return [(f, city_hall_config(args.config, f, n)) for n, f in enumerate(folders, start=1)]


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    sys.exit(main())
