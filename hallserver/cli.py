"""hallq-server: run the hall server, pair devices, add clerks, read the day's figures."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import logging
import signal
import sys
import zoneinfo
from importlib.metadata import version
from pathlib import Path
from typing import TextIO

from aiohttp import web

import hallqlog
from manage import accounts, configuration, pairing, records, staffing
from manage.console import clerk_errors, make_console
from webshell.accounts import read_password

from .app import make_app, make_phone_app
from .config import ConfigError
from .config_versions import current_config, running_config
from .connections import quiet_malformed_requests
from .discovery import Advert
from .domain.stats import day_stats
from .ownership import DatabaseLock, OwnershipError
from .security import IdHasher, new_token, pin_hash, token_hash
from .service import HallService
from .store import Store, StoreError
from .tls import CertificateError, ServerCertificate, server_certificate
from .uplink import CityUplink

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("hallq.server")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"hallq-server: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0–65535)")
    return int(text)


TOOLS = {
    "token": "a device's token: mint a fresh one (default, replaces the old), list, or revoke",
    "clerk": "manage clerks: list, add, remove, disable, enable",
    "manager": "manager console accounts (manager add; the password from stdin)",
    "stats": "a day's figures as JSON",
    "export": "a day's tickets as CSV (no personal data)",
    "plan": "the windows to open on a day, from the hall's history",
}


def _city_url(text: str) -> str:
    if not text.startswith(("postgresql://", "postgres://")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a postgresql://… URL")
    return text


def _serve_parser() -> argparse.ArgumentParser:
    tools = "\n".join(f"  hallq-server {name:<7} {what}" for name, what in TOOLS.items())
    p = _Parser(
        prog="hallq-server",
        description="Run the hall server.",
        epilog=f"subcommands (hallq-server SUBCOMMAND --help):\n{tools}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version('hallq')}")
    p.add_argument("--config", required=True, help="hall config (TOML)")
    p.add_argument("--db", required=True, help="SQLite database (created on first start)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8750, help="0 picks a free port")
    p.add_argument(
        "--manage-port",
        type=_port,
        help="the manager console's port, on the same host (default: --port + 1; "
        "a free one when --port is 0)",
    )
    p.add_argument(
        "--phone-port",
        type=_port,
        help="also serve the citizen's phone page (/t/<ticket id>) and its public JSON, and "
        "nothing else, over plain HTTP on this port, so phones see no certificate warning "
        "(point [hall] phone_url at it; default: off)",
    )
    p.add_argument("--no-zeroconf", action="store_true", help="do not advertise on the LAN")
    p.add_argument(
        "--zeroconf-interface",
        action="append",
        metavar="IP",
        help="advertise on this address only (repeatable; default: the bound host, "
        "or every interface when bound to 0.0.0.0)",
    )
    p.add_argument(
        "--ignore-hours",
        action="store_true",
        help="issue tickets outside opening hours (demos, tests, 延时服务)",
    )
    p.add_argument(
        "--request-timeout",
        type=float,
        default=15.0,
        metavar="S",
        help="close a connection that sends no complete request headers, or a body, "
        "within S seconds (idle keep-alive connections too; default 15)",
    )
    p.add_argument(
        "--city",
        metavar="URL",
        type=_city_url,
        help="feed the city's PostgreSQL (postgresql://…; overrides [city] url of the config)",
    )
    p.add_argument(
        "--synchronous",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="SQLite durability (FULL: every answer survives power loss)",
    )
    p.add_argument(
        "--no-tls",
        action="store_true",
        help="plain HTTP, for development only (default: HTTPS with the certificate beside --db)",
    )
    return p


def _tool_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hallq-server", description="Hall server tools.")
    p.add_argument("--version", action="version", version=f"%(prog)s {version('hallq')}")
    sub = p.add_subparsers(dest="tool", required=True)
    t = sub.add_parser("token", help=TOOLS["token"])
    t.add_argument("action", nargs="?", choices=["list", "revoke"])
    t.add_argument("--config", help="hall config (needed to mint; lists every configured device)")
    t.add_argument("--db", required=True)
    t.add_argument("--device")
    clerk = sub.add_parser("clerk", help=TOOLS["clerk"]).add_subparsers(
        dest="action", required=True
    )
    add = clerk.add_parser("add", help="create or update a clerk (enables a disabled one)")
    add.add_argument("--db", required=True)
    add.add_argument("--id", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--pin", required=True)
    lst = clerk.add_parser("list", help="every clerk: id, name, enabled or disabled")
    lst.add_argument("--db", required=True)
    for action, what in (
        ("remove", "delete a clerk (signed out at once if signed in)"),
        ("disable", "refuse a clerk's sign-in (signed out at once if signed in)"),
        ("enable", "allow a disabled clerk again"),
    ):
        one = clerk.add_parser(action, help=what)
        one.add_argument("--db", required=True)
        one.add_argument("--id", required=True)
    mgr = sub.add_parser("manager", help=TOOLS["manager"]).add_subparsers(
        dest="action", required=True
    )
    madd = mgr.add_parser(
        "add", help="create or update an account; the password is read from stdin"
    )
    madd.add_argument("--db", required=True)
    madd.add_argument("--user", required=True)
    madd.add_argument("--role", choices=sorted(accounts.ROLES), default="admin")
    st = sub.add_parser("stats", help=TOOLS["stats"])
    st.add_argument("--config", required=True)
    st.add_argument("--db", required=True)
    st.add_argument("--date", help="YYYY-MM-DD (default: today)")
    ex = sub.add_parser("export", help=TOOLS["export"])
    ex.add_argument("--config", required=True)
    ex.add_argument("--db", required=True)
    ex.add_argument("--date", help="YYYY-MM-DD (default: today)")
    ex.add_argument("--out", help="file (default: stdout)")
    pl = sub.add_parser("plan", help=TOOLS["plan"])
    pl.add_argument("--config", required=True)
    pl.add_argument("--db", required=True)
    pl.add_argument("--date", help="YYYY-MM-DD (default: tomorrow)")
    pl.add_argument("--weeks", type=int, default=8, help="history: that weekday of past weeks")
    pl.add_argument("--mean-wait", type=float, default=10, help="target mean wait (minutes)")
    pl.add_argument("--p90-wait", type=float, default=20, help="target 90th percentile (min)")
    pl.add_argument(
        "--what-if",
        action="append",
        default=[],
        help="close:3@10:00, add-comprehensive or per-department (repeatable)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    hallqlog.configure()
    try:
        if argv and argv[0] in TOOLS:
            return _tool(_tool_parser().parse_args(argv))
        return _serve(_serve_parser().parse_args(argv))
    except (ConfigError, StoreError, OwnershipError, CertificateError) as e:
        print(f"hallq-server: {e}", file=sys.stderr)
        return EXIT_USAGE if isinstance(e, ConfigError) else EXIT_FAIL


def _open_store(db: str, **kw: str) -> Store:
    path = Path(db)
    if path.exists() and path.is_dir():
        raise StoreError(f"{path}: is a directory")
    if not path.parent.exists():
        raise StoreError(f"{path}: folder {path.parent} does not exist")
    return Store(path, **kw)


def _day(text: str | None, tz: str) -> dt.date:
    if not text:
        return dt.datetime.now(zoneinfo.ZoneInfo(tz)).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--date: {text!r} is not YYYY-MM-DD") from None


def _tool(args: argparse.Namespace) -> int:
    if args.tool == "token":
        return _token(args)
    if args.tool == "clerk":
        return _clerk(args)
    if args.tool == "manager":
        return _manager(args)
    if args.tool == "plan":
        return _plan(args)
    store = _open_store(args.db)
    settings = current_config(store.conn, Path(args.config))
    day = _day(args.date, settings.timezone)
    rows = [dict(r) for r in store.tickets_of_day(day)]
    if args.tool == "stats":
        figures = day_stats(rows, min_score=settings.policy.satisfied_min_score)
        print(json.dumps({"date": day.isoformat(), **figures}, ensure_ascii=False, indent=2))
        return EXIT_OK
    columns = [
        "number",
        "service",
        "matter",
        "channel",
        "status",
        "issued_at",
        "first_called_at",
        "finished_at",
        "window",
        "wait_s",
        "estimated_wait_s",
        "service_s",
        "score",
        "reasons",
        "transferred_from",
        "recalls",
        "checkins",
    ]
    if not args.out:
        _write_csv(sys.stdout, columns, rows)
        return EXIT_OK
    with open(args.out, "w", newline="", encoding="utf-8-sig") as out:  # BOM: Excel reads UTF-8
        _write_csv(out, columns, rows)
    return EXIT_OK


def _token(args: argparse.Namespace) -> int:
    if args.action == "list":
        store = _open_store(args.db)
        rows = store.device_rows()
        ids = (
            [d.id for d in current_config(store.conn, Path(args.config)).devices]
            if args.config
            else sorted(rows)
        )
        for device in ids:
            row = rows.get(device)
            paired = "paired" if row is not None and row["token_hash"] else "no token"
            print(f"{device}\t{paired}")
        return EXIT_OK
    if not args.device:
        raise ConfigError("token: --device is required")
    if args.action == "revoke":
        if not _open_store(args.db).revoke_token(args.device):
            print(f"hallq-server: device {args.device} has no token", file=sys.stderr)
            return EXIT_FAIL
        print(f"token of {args.device} revoked")
        return EXIT_OK
    if not args.config:
        raise ConfigError("token: --config is required to mint a token")
    store = _open_store(args.db)
    if current_config(store.conn, Path(args.config)).device(args.device) is None:
        raise ConfigError(f"{args.config}: devices: no device {args.device!r}")
    token = new_token()
    store.set_token(args.device, token_hash(token))
    print(token, flush=True)
    return EXIT_OK


def _clerk(args: argparse.Namespace) -> int:
    store = _open_store(args.db)
    if args.action == "list":
        for row in store.clerk_rows():
            print(f"{row['id']}\t{row['name']}\t{'disabled' if row['disabled'] else 'enabled'}")
        return EXIT_OK
    if args.action == "add":
        errors = clerk_errors(args.id, args.name, args.pin)
        for field, message in errors.items():
            print(f"hallq-server: --{field}: {message}", file=sys.stderr)
        if errors:
            return EXIT_USAGE
        store.set_clerk(args.id, args.name, pin_hash(args.pin))
        print(f"clerk {args.id} saved")
        return EXIT_OK
    if args.action == "remove":
        done = store.remove_clerk(args.id)
    else:
        done = store.set_clerk_disabled(args.id, args.action == "disable")
    if not done:
        print(f"hallq-server: no clerk {args.id!r}", file=sys.stderr)
        return EXIT_FAIL
    print(f"clerk {args.id} {args.action}d")
    return EXIT_OK


def _manager(args: argparse.Namespace) -> int:
    """The first console account: the password comes from stdin, never from the command line."""
    password = read_password()
    if password is None:
        print("hallq-server: the passwords differ", file=sys.stderr)
        return EXIT_USAGE
    try:
        accounts.check_new(args.user, args.role, password)
    except accounts.AccountError as e:
        print(f"hallq-server: {e}", file=sys.stderr)
        return EXIT_USAGE
    store = _open_store(args.db)
    records.create(store.conn)
    now = dt.datetime.now(dt.UTC)
    records.save_manager(store.conn, args.user, args.role, accounts.password_hash(password), now)
    records.audit(store.conn, now, "", "account_saved", args.user, role=args.role, via="cli")
    print(f"manager {args.user} saved ({args.role})")
    return EXIT_OK


def _plan(args: argparse.Namespace) -> int:
    from planner.forecast import PlanError
    from planner.report import day_plan, history_days
    from planner.staffing import Targets

    store = _open_store(args.db)
    settings = current_config(store.conn, Path(args.config))
    tz = zoneinfo.ZoneInfo(settings.timezone)
    day = (
        _day(args.date, settings.timezone)
        if args.date
        else (_day(None, settings.timezone) + dt.timedelta(days=1))
    )
    history = [dict(r) for d in history_days(day, args.weeks) for r in store.tickets_of_day(d)]
    try:
        print(
            day_plan(
                settings,
                history,
                day,
                Targets(args.mean_wait * 60, args.p90_wait * 60),
                tz=tz,
                what_ifs=args.what_if,
            ).text()
        )
    except PlanError as e:
        print(f"hallq-server plan: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _write_csv(out: TextIO, columns: list[str], rows: list[dict[str, object]]) -> None:
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)


def _serve(args: argparse.Namespace) -> int:
    store = _open_store(args.db, synchronous=args.synchronous)
    lock = DatabaseLock(Path(args.db))
    lock.acquire()
    try:
        store.check_writable()
        # The file or the newest version stored by the console (config_versions.py).
        settings, running = running_config(store.conn, Path(args.config), dt.datetime.now(dt.UTC))
        service = HallService(
            settings, store, IdHasher.for_database(Path(args.db)), ignore_hours=args.ignore_hours
        )
        certificate = None if args.no_tls else server_certificate(Path(args.db), settings.id)
        log.info("hall config version %d (%s, %s)", running.version, running.author, running.at)
        return asyncio.run(_run(service, args, certificate))
    finally:
        lock.release()


async def _run(
    service: HallService, args: argparse.Namespace, certificate: ServerCertificate | None
) -> int:
    quiet_malformed_requests()
    # Requests still running 0.5 s into a stop are cancelled: SIGTERM ends the server in < 2 s.
    # aiohttp's keep-alive timer runs from the connection's first byte until a request is
    # whole: it is also the header timeout that closes half-sent requests.
    app_runner = web.AppRunner(
        make_app(service, body_timeout=args.request_timeout),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=0.5,
        keepalive_timeout=args.request_timeout,
    )
    await app_runner.setup()
    site = web.TCPSite(
        app_runner,
        args.host,
        args.port,
        reuse_address=True,
        ssl_context=certificate.ssl_context() if certificate else None,
    )
    try:
        await site.start()
    except OSError as e:
        print(
            f"hallq-server: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr
        )
        await app_runner.cleanup()
        return EXIT_FAIL
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    console_runner = web.AppRunner(
        make_console(
            service,
            pages=[*staffing.routes, *configuration.routes, *pairing.routes],
            nav=[staffing.NAV, configuration.NAV],
        ),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=2,
    )
    await console_runner.setup()
    manage_port = args.manage_port if args.manage_port is not None else args.port and port + 1
    console_site = web.TCPSite(
        console_runner,
        args.host,
        manage_port,
        reuse_address=True,
        ssl_context=certificate.ssl_context() if certificate else None,
    )
    try:
        await console_site.start()
    except OSError as e:
        print(
            f"hallq-server: cannot listen on {args.host}:{manage_port} (console): {e.strerror}",
            file=sys.stderr,
        )
        await console_runner.cleanup()
        await app_runner.cleanup()
        return EXIT_FAIL
    manage_port = console_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    phone_runner, phone_port = None, None
    if args.phone_port is not None:
        phone_runner = web.AppRunner(
            make_phone_app(service),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=0.5,
            keepalive_timeout=args.request_timeout,
        )
        await phone_runner.setup()
        phone_site = web.TCPSite(phone_runner, args.host, args.phone_port, reuse_address=True)
        try:
            await phone_site.start()
        except OSError as e:
            print(
                f"hallq-server: cannot listen on {args.host}:{args.phone_port} (phone page): "
                f"{e.strerror}",
                file=sys.stderr,
            )
            await phone_runner.cleanup()
            await console_runner.cleanup()
            await app_runner.cleanup()
            return EXIT_FAIL
        phone_port = phone_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    scheme = "https" if certificate else "http"
    print(f"listening on {scheme}://{args.host}:{port}", flush=True)
    print(f"console on {scheme}://{args.host}:{manage_port}/manage/", flush=True)
    if phone_port is not None:
        print(f"phone page on http://{args.host}:{phone_port}/t/ (plain HTTP)", flush=True)
    if certificate:
        log.info("TLS certificate %s, SHA-256 %s", certificate.cert_path, certificate.fingerprint)
    else:
        log.warning("TLS is off (--no-tls): tokens and PINs cross the network in clear")

    stop = asyncio.Event()
    exit_code = EXIT_OK
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def failed(_: BaseException) -> None:
        nonlocal exit_code
        exit_code = EXIT_FAIL
        stop.set()

    service.on_failure = failed
    advert = None
    if not args.no_zeroconf:
        interfaces = args.zeroconf_interface or (
            None if args.host in ("0.0.0.0", "") else [args.host]
        )
        fingerprint = certificate.fingerprint if certificate else None
        advert = Advert(service.settings, port, interfaces, tls_fingerprint=fingerprint)
        advertising = asyncio.create_task(advert.start())
    city_url = args.city or service.settings.city_url
    uplink = CityUplink(service, city_url, Path(args.db)) if city_url else None
    if uplink is not None:
        await uplink.start()
    await stop.wait()
    if uplink is not None:
        await uplink.stop()
    if advert is not None:
        advertising.cancel()
        await asyncio.gather(advertising, return_exceptions=True)
        try:
            await asyncio.wait_for(advert.stop(), 0.5)  # the goodbye is a courtesy
        except TimeoutError:
            log.warning("zeroconf advert not withdrawn in time; it expires by itself")
    if phone_runner is not None:
        await phone_runner.cleanup()
    await console_runner.cleanup()
    await app_runner.cleanup()
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
