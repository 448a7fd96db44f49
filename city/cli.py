"""hallq-city: prepare the city database, enter bookings for the halls, serve the city console
and add its accounts."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import psycopg
from aiohttp import web

from webshell.accounts import AccountError, password_hash, read_password

from . import appointments, console_accounts, console_tables
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
    srv = sub.add_parser("serve", help="the city console: halls, rankings, 差评, exports")
    srv.add_argument("--db", required=True, help="postgresql://… URL")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8760, help="0 picks a free port")
    u = sub.add_parser("user", help="the city console's accounts")
    uact = u.add_subparsers(dest="action", required=True)
    add = uact.add_parser("add", help="add or update an account; the password comes from stdin")
    add.add_argument("--db", required=True, help="postgresql://… URL")
    add.add_argument("--user", required=True)
    add.add_argument("--role", choices=sorted(console_accounts.ROLES), default="admin")
    return p


def _add_user(conn: psycopg.Connection, args: argparse.Namespace) -> int:
    """An account of the city console (the first one from here, the rest in the console)."""
    password = read_password()
    if password is None:
        print("hallq-city: the passwords differ", file=sys.stderr)
        return EXIT_USAGE
    try:
        console_accounts.check_new(args.user, args.role, password)
    except AccountError as e:
        print(f"hallq-city: {e}", file=sys.stderr)
        return EXIT_USAGE
    conn.commit()
    console_tables.create(conn)
    store = console_accounts.CityAccounts(args.db)

    async def save() -> None:
        await store.save("", args.user, args.role, password_hash(password), via="cli")

    asyncio.run(save())
    print(f"city account {args.user} saved ({args.role})")
    return EXIT_OK


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
                conn.commit()
                console_tables.create(conn)
                conn.close()
                return asyncio.run(_serve(args))
            if args.command == "init":
                init(conn)
                console_tables.create(conn)
                print("city schema ready")
                return EXIT_OK
            check(conn)
            if args.command == "user":
                return _add_user(conn, args)
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
