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

from .app import make_app
from .config import ConfigError, load_config
from .connections import quiet_malformed_requests
from .discovery import Advert
from .domain.stats import day_stats
from .ownership import DatabaseLock, OwnershipError
from .security import IdHasher, new_token, pin_hash, token_hash
from .service import HallService
from .store import Store, StoreError
from .tls import CertificateError, ServerCertificate, server_certificate

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
    "token": "print a fresh bearer token for a device (replaces its old one)",
    "clerk": "manage clerks (clerk add)",
    "stats": "a day's figures as JSON",
    "export": "a day's tickets as CSV (no personal data)",
}


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
    t.add_argument("--config", required=True)
    t.add_argument("--db", required=True)
    t.add_argument("--device", required=True)
    clerk = sub.add_parser("clerk", help=TOOLS["clerk"]).add_subparsers(
        dest="action", required=True
    )
    add = clerk.add_parser("add", help="create or update a clerk")
    add.add_argument("--db", required=True)
    add.add_argument("--id", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--pin", required=True)
    st = sub.add_parser("stats", help=TOOLS["stats"])
    st.add_argument("--config", required=True)
    st.add_argument("--db", required=True)
    st.add_argument("--date", help="YYYY-MM-DD (default: today)")
    ex = sub.add_parser("export", help=TOOLS["export"])
    ex.add_argument("--config", required=True)
    ex.add_argument("--db", required=True)
    ex.add_argument("--date", help="YYYY-MM-DD (default: today)")
    ex.add_argument("--out", help="file (default: stdout)")
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
        settings = load_config(args.config)
        if settings.device(args.device) is None:
            raise ConfigError(f"{args.config}: devices: no device {args.device!r}")
        store = _open_store(args.db)
        token = new_token()
        store.set_token(args.device, token_hash(token))
        print(token, flush=True)
        return EXIT_OK
    if args.tool == "clerk":
        if not args.pin.isdigit() or not 4 <= len(args.pin) <= 12:
            print("hallq-server: --pin must be 4 to 12 digits", file=sys.stderr)
            return EXIT_USAGE
        _open_store(args.db).set_clerk(args.id, args.name, pin_hash(args.pin))
        print(f"clerk {args.id} saved")
        return EXIT_OK
    settings = load_config(args.config)
    store = _open_store(args.db)
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


def _write_csv(out: TextIO, columns: list[str], rows: list[dict[str, object]]) -> None:
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)


def _serve(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    store = _open_store(args.db, synchronous=args.synchronous)
    lock = DatabaseLock(Path(args.db))
    lock.acquire()
    try:
        store.check_writable()
        service = HallService(
            settings, store, IdHasher.for_database(Path(args.db)), ignore_hours=args.ignore_hours
        )
        certificate = None if args.no_tls else server_certificate(Path(args.db), settings.id)
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
    scheme = "https" if certificate else "http"
    print(f"listening on {scheme}://{args.host}:{port}", flush=True)
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
    await stop.wait()
    if advert is not None:
        advertising.cancel()
        await asyncio.gather(advertising, return_exceptions=True)
        try:
            await asyncio.wait_for(advert.stop(), 0.5)  # the goodbye is a courtesy
        except TimeoutError:
            log.warning("zeroconf advert not withdrawn in time; it expires by itself")
    await app_runner.cleanup()
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
