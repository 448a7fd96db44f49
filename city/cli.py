"""hallq-city: prepare the city database, enter bookings for the halls, serve the city page."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import psycopg
from aiohttp import web

from . import appointments
from .console import make_app
from .schema import CityError, check, init

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"hallq-city: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hallq-city", description="The city level of hallq (PostgreSQL).")
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("init", help="create the city schema (safe to run again)")
    i.add_argument("--db", required=True, help="postgresql://… URL")
    a = sub.add_parser("appointments", help="bookings for the halls")
    act = a.add_subparsers(dest="action", required=True)
    imp = act.add_parser("import", help="queue the bookings of a CSV file for their halls")
    imp.add_argument("--db", required=True, help="postgresql://… URL")
    imp.add_argument("file", type=Path, help="CSV: " + ", ".join(appointments.COLUMNS))
    srv = sub.add_parser("serve", help="the city's read-only page: every hall side by side")
    srv.add_argument("--db", required=True, help="postgresql://… URL")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8760, help="0 picks a free port")
    return p


async def _serve(args: argparse.Namespace) -> int:
    runner = web.AppRunner(make_app(args.db), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as e:
        print(
            f"hallq-city: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr
        )
        await runner.cleanup()
        return EXIT_FAIL
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"listening on http://{args.host}:{port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        with psycopg.connect(args.db, connect_timeout=10) as conn:
            if args.command == "serve":
                check(conn)
                conn.close()
                return asyncio.run(_serve(args))
            if args.command == "init":
                init(conn)
                print("city schema ready")
                return EXIT_OK
            check(conn)
            bookings = appointments.parse(args.file, appointments.hall_timezones(conn))
            new = appointments.enter(conn, bookings)
            print(f"{new} new booking(s) queued, {len(bookings) - new} already entered")
            return EXIT_OK
    except appointments.BadAppointments as e:
        print(f"hallq-city: nothing imported:\n{e}", file=sys.stderr)
        return EXIT_USAGE
    except (CityError, psycopg.Error) as e:
        print(f"hallq-city: {str(e).strip()}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    raise SystemExit(main())
