"""The HTTP and WebSocket API of API.md on aiohttp."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from .domain.errors import BadRequest, HallError, NotFound, Unprocessable
from .domain.hall import AppointmentRequest, Hall, IssueRequest
from .domain.pairing import HOST_MAX, PairingRequest
from .domain.settings import Device
from .domain.tickets import Ticket
from .domain.views import (
    appointment_view,
    device_view,
    hall_view,
    queues_view,
    ticket_view,
    window_view,
)
from .openapi import openapi
from .pairing import WAIT_MAX_S
from .phone import TICKET_ID, phone_view
from .phone import page as phone_page
from .protocol import API_PREFIX, WS_CLOSE_REVOKED, WS_CLOSE_TOO_SLOW
from .security import token_hash
from .service import HallService, Subscriber

log = logging.getLogger("hallq.api")

JSON_LIMIT = 64 * 1024
PHOTO_LIMIT = 2 * 1024 * 1024
WS_KERNEL_BUFFER = 64 * 1024
STATUS_DETAIL_LIMIT = 500
PLAIN_TEXT = re.compile(r"[^<>\x00-\x1f\x7f]*")
SERVICE: web.AppKey[HallService] = web.AppKey("service", HallService)
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets", set)
BODY_TIMEOUT: web.AppKey[float] = web.AppKey("body_timeout", float)
TOKEN_KEY: web.RequestKey[str] = web.RequestKey("hallq.token", str)  # the caller's token hash
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Unauthorized(HallError):
    status = 401
    code = "unauthorized"


class Forbidden(HallError):
    status = 403
    code = "forbidden"


class TooLarge(HallError):
    status = 413
    code = "body_too_large"


class RateLimited(HallError):
    status = 429
    code = "rate_limited"


class RequestTimeout(HallError):
    status = 408
    code = "request_timeout"


def _error(status: int, code: str, message: str, **details: object) -> web.Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    body.update(details)
    return web.json_response(body, status=status, dumps=_dumps)


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _ok(body: object, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
}


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HallError as e:
        extra: dict[str, object] = {}
        ticket_id = e.details.get("ticket")
        if isinstance(ticket_id, str):
            hall = request.app[SERVICE].hall
            t = hall.tickets.get(ticket_id)
            if t is not None:
                extra["ticket"] = ticket_view(hall, t, request.app[SERVICE].now())
        return _error(e.status, e.code, e.message, **extra)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        answer = _error(e.status, _HTTP_CODES.get(e.status, "http_error"), e.reason)
        if "Allow" in e.headers:  # 405 names the methods the route has (RFC 9110)
            answer.headers["Allow"] = e.headers["Allow"]
        return answer
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, "internal", "internal error; the event was logged on the server")


# ----- request helpers ----------------------------------------------------------------------
def _service(request: web.Request) -> HallService:
    return request.app[SERVICE]


async def _auth(request: web.Request, *roles: str, window: str | None = None) -> Device:
    """The calling device; 401 without a valid token, 403 when its role may not do this."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token and request.path.endswith("/events"):
        token = request.query.get("token", "")  # browsers cannot set headers on a WebSocket
    if not token:
        raise Unauthorized("missing bearer token")
    digest = token_hash(token)
    device = _service(request).device_for(digest)
    if device is None:
        raise Unauthorized("unknown or revoked token")
    request[TOKEN_KEY] = digest
    if roles and device.role not in roles:
        raise Forbidden(f"a {device.role} may not do this")
    if window is not None and device.role == "caller" and device.window != window:
        raise Forbidden(f"this caller is bound to window {device.window}")
    return device


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > JSON_LIMIT:
        raise TooLarge(f"request body over {JSON_LIMIT} bytes")
    raw = await _read(request, JSON_LIMIT + 1)
    if len(raw) > JSON_LIMIT:
        raise TooLarge(f"request body over {JSON_LIMIT} bytes")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("request body is not valid JSON", code="invalid_json") from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object", code="invalid_json")
    return body


async def _read(request: web.Request, limit: int) -> bytes:
    """The whole body (no more than `limit` bytes kept), within the server's request timeout.

    `request.read()`, not `content.read(n)`: the latter answers with the first chunk that
    arrived, a JSON body cut where the network split it.
    """
    try:
        async with asyncio.timeout(request.app[BODY_TIMEOUT]):
            return (await request.read())[:limit]
    except TimeoutError:
        raise RequestTimeout("the request body did not arrive in time") from None


def _field(
    body: dict[str, Any], key: str, kind: type, *, required: bool = False, max_len: int = 200
) -> Any:
    if key not in body:
        if required:
            raise BadRequest(f"{key} is required", code="missing_field")
        return None
    value = body[key]
    if value is None:  # the contract has no nullable field: leave a field out instead
        raise BadRequest(f"{key} must be {kind.__name__}, not null", code="invalid_field")
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadRequest(f"{key} must be {kind.__name__}", code="invalid_field")
    if isinstance(value, str) and len(value) > max_len:
        raise BadRequest(f"{key} is longer than {max_len} characters", code="invalid_field")
    return value


def _time(body: dict[str, Any], key: str, tz: dt.tzinfo) -> dt.datetime:
    text = _field(body, key, str, required=True)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{key} is not an ISO 8601 time", code="invalid_field") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


# ----- routes -------------------------------------------------------------------------------
routes = web.RouteTableDef()
P = API_PREFIX


@routes.get(P + "/health")
async def health(request: web.Request) -> web.Response:
    svc = _service(request)
    return _ok({"status": "ok", "seq": svc.committed_seq})


@routes.get(P + "/hall")
async def hall_info(request: web.Request) -> web.Response:
    svc = _service(request)
    return _ok(hall_view(svc.settings, hours_enforced=not svc.ignore_hours))


@routes.get(P + "/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    return _ok(openapi())


@routes.post(P + "/tickets")
async def issue(request: web.Request) -> web.Response:
    svc = _service(request)
    device = await _auth(request, "kiosk", "manager")
    body = await _body(request)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 128):
        raise BadRequest("Idempotency-Key must be 1–128 characters", code="invalid_field")
    if key is not None:
        again = svc.hall.issued_for(device.id, key)
        if again is not None:
            return _ok({"ticket": ticket_view(svc.hall, again, svc.now())}, 200)
    if device.role == "kiosk" and not svc.rate_ok(device):
        raise RateLimited("too many tickets from this kiosk; wait a moment")
    req = IssueRequest(
        service=_field(body, "service", str, required=body.get("appointment") is None) or "",
        matter=_field(body, "matter", str) or "",
        id_number=_field(body, "id_number", str, max_len=32),
        name=_field(body, "name", str, max_len=60) or "",
        appointment=_field(body, "appointment", str, max_len=64),
        channel=_field(body, "channel", str, max_len=20),
        device=device.id,
        idempotency_key=key,
        staff=device.role == "manager",
    )
    ticket = await _on_ticket(
        svc, lambda now: svc.hall.issue(req, now, ignore_hours=svc.ignore_hours)
    )
    return _ok({"ticket": ticket}, 201)


async def _on_ticket(
    svc: HallService, command: Callable[[dt.datetime], Ticket | None]
) -> dict[str, object] | None:
    """Run a command on a ticket; answer the ticket as the command left it, at its moment — as
    its event tells it: the wait a kiosk prints is the wait the hall stored beside the ticket."""
    now = svc.now()

    def viewed() -> dict[str, object] | None:
        t = command(now)
        return None if t is None else ticket_view(svc.hall, t, now)

    return await svc.run(viewed)


async def _ticket(svc: HallService, ticket_id: str) -> Ticket:
    t = svc.hall.tickets.get(ticket_id)
    if t is None and len(ticket_id) <= 64:
        t = await svc.read(svc.reads.ticket, ticket_id)
    if t is None:
        raise NotFound("no such ticket", code="unknown_ticket")
    return t


@routes.get(P + "/tickets/{id}")
async def get_ticket(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request)
    t = await _ticket(svc, request.match_info["id"])
    return _ok({"ticket": ticket_view(svc.hall, t, svc.now())})


@routes.get(P + "/tickets/{id}/public")
async def public_ticket(request: web.Request) -> web.Response:
    """For the citizen's phone page: no token, the unguessable id is the key; nothing personal."""
    svc = _service(request)
    t = await _ticket(svc, request.match_info["id"])
    return _ok({"ticket": phone_view(svc.hall, t, svc.now())})


pages = web.RouteTableDef()  # web pages, outside the API


@pages.get("/t/{id}")
async def ticket_page(request: web.Request) -> web.Response:
    svc = _service(request)
    ticket_id = request.match_info["id"]
    if not TICKET_ID.fullmatch(ticket_id):
        raise NotFound("no such ticket", code="unknown_ticket")
    await _ticket(svc, ticket_id)
    return web.Response(
        text=phone_page(svc.settings.name, ticket_id), content_type="text/html", charset="utf-8"
    )


@routes.post(P + "/tickets/{id}/check-in")
async def check_in(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request, "kiosk", "manager")
    ticket_id = request.match_info["id"]
    await _ticket(svc, ticket_id)
    return _ok({"ticket": await _on_ticket(svc, lambda now: svc.hall.check_in(ticket_id, now))})


@routes.post(P + "/tickets/{id}/evaluation")
async def evaluation(request: web.Request) -> web.Response:
    svc = _service(request)
    device = await _auth(request, "caller", "kiosk")
    body = await _body(request)
    t = await _ticket(svc, request.match_info["id"])
    if device.role == "caller" and t.window != device.window:
        raise Forbidden("this ticket was not served at this caller's window")
    if t.id not in svc.hall.tickets:
        raise Unprocessable("ratings are taken on the day of service", code="evaluation_closed")
    score, reasons, comment = body.get("score"), body.get("reasons"), body.get("comment")
    ticket = await _on_ticket(
        svc, lambda now: svc.hall.evaluate(t.id, score, reasons, comment, now)
    )
    return _ok({"ticket": ticket})


@routes.put(P + "/tickets/{id}/photo")
async def put_photo(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request, "kiosk")
    if request.content_length is not None and request.content_length > PHOTO_LIMIT:
        raise TooLarge("photo over 2 MB")
    t = await _ticket(svc, request.match_info["id"])
    jpeg = await _read(request, PHOTO_LIMIT + 1)
    if len(jpeg) > PHOTO_LIMIT:
        raise TooLarge("photo over 2 MB")
    if not jpeg.startswith(b"\xff\xd8\xff"):
        raise Unprocessable("the body is not a JPEG image", code="not_jpeg")
    await svc.db(svc.store.put_photo, t.id, jpeg, svc.now())
    return _ok({"ticket": ticket_view(svc.hall, t, svc.now()), "bytes": len(jpeg)})


@routes.get(P + "/tickets/{id}/photo")
async def get_photo(request: web.Request) -> web.Response:
    svc = _service(request)
    device = await _auth(request, "caller", "manager")
    t = await _ticket(svc, request.match_info["id"])
    if device.role == "caller" and t.window != device.window:
        raise Forbidden("only the window serving this ticket may see its photo")
    jpeg = await svc.read(svc.reads.photo, t.id)
    if jpeg is None:
        raise NotFound("no photo for this ticket", code="no_photo")
    return web.Response(body=jpeg, content_type="image/jpeg")


@routes.post(P + "/appointments")
async def add_appointment(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request, "manager")
    body = await _body(request)
    req = AppointmentRequest(
        code=_field(body, "code", str, required=True, max_len=64),
        service=_field(body, "service", str, required=True),
        slot_start=_time(body, "slot_start", svc.tz),
        slot_end=_time(body, "slot_end", svc.tz),
        id_number=_field(body, "id_number", str, max_len=32),
        name=_field(body, "name", str, max_len=60) or "",
    )
    now = svc.now()
    a = await svc.run(lambda: svc.hall.add_appointment(req, now))
    return _ok({"appointment": appointment_view(svc.hall, a, svc.now())}, 201)


@routes.get(P + "/appointments/{code}")
async def get_appointment(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request, "kiosk", "manager")
    a = svc.hall.appointment(request.match_info["code"])
    return _ok({"appointment": appointment_view(svc.hall, a, svc.now())})


@routes.post(P + "/devices/me/status")
async def device_status(request: web.Request) -> web.Response:
    svc = _service(request)
    device = await _auth(request)
    body = await _body(request)
    state = _field(body, "state", str, required=True)
    detail = _field(body, "detail", str, max_len=STATUS_DETAIL_LIMIT) or ""
    if not PLAIN_TEXT.fullmatch(detail):
        # Broadcast to every screen, and Qt renders text with tags as rich text.
        raise BadRequest(
            "detail must be plain text (no < > and no control characters)", code="invalid_field"
        )
    now = svc.now()
    await svc.run(lambda: svc.hall.device_status(device.id, state, detail, now))
    return _ok({"device": device.id, "state": state, "detail": detail})


@routes.get(P + "/devices/me")
async def device_me(request: web.Request) -> web.Response:
    device = await _auth(request)
    return _ok(
        {
            "id": device.id,
            "role": device.role,
            "window": device.window,
            "name": device.name,
            "services": list(device.services),
            "speaker": device.speaker,
        }
    )


@routes.get(P + "/devices")
async def devices(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request, "manager")
    rows = await svc.read(svc.reads.device_rows)
    out = [device_view(d, rows.get(d.id), svc.last_seen.get(d.id)) for d in svc.settings.devices]
    return _ok({"devices": out})


def _pairing_view(request: PairingRequest, secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": request.id,
        "code": request.code,
        "status": "approved" if request.approved else "pending",
        "expires_at": request.expires_at.isoformat(),
    }
    if secret is not None:
        view["secret"] = secret
    if request.approved:
        view["device"] = request.device
        view["token"] = request.token
    return view


@routes.post(P + "/pairings")
async def open_pairing(request: web.Request) -> web.Response:
    """A terminal without a token asks to be paired (no token: rate-limited per address)."""
    svc = _service(request)
    body = await _body(request)
    kind = _field(body, "kind", str, required=True, max_len=20)
    host = _field(body, "host", str, required=True, max_len=HOST_MAX)
    hint = _field(body, "device", str, max_len=64) or ""
    address = request.remote or ""
    pairing, secret = svc.pairing.open(kind, host, hint, address)
    log.info("pairing requested by a %s on %s (%s)", kind, host, address)
    return _ok({"pairing": _pairing_view(pairing, secret)}, 201)


@routes.get(P + "/pairings/{id}")
async def get_pairing(request: web.Request) -> web.Response:
    """The request as its terminal sees it, with the pairing's secret as the bearer;
    `?wait=S` holds the answer up to S seconds (at most 25) until a manager approves it."""
    svc = _service(request)
    header = request.headers.get("Authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not secret:
        raise Unauthorized("missing bearer token (the pairing's secret)")
    text = request.query.get("wait", "0")
    if not (text.isascii() and text.isdigit()) or int(text) > WAIT_MAX_S:
        raise BadRequest(f"wait must be 0–{WAIT_MAX_S} seconds", code="invalid_field")
    pairing = await svc.pairing.collect(request.match_info["id"], secret, int(text))
    return _ok({"pairing": _pairing_view(pairing)})


@routes.get(P + "/queues")
async def queues(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request)
    return _ok({"queues": queues_view(svc.hall, svc.now())})


@routes.get(P + "/windows")
async def windows(request: web.Request) -> web.Response:
    svc = _service(request)
    await _auth(request)
    now = svc.now()
    return _ok({"windows": [window_view(svc.hall, w, now) for w in svc.hall.windows.values()]})


def _window_id(request: web.Request) -> str:
    return _service(request).hall.window(request.match_info["w"]).id


@routes.post(P + "/windows/{w}/session")
async def sign_in(request: web.Request) -> web.Response:
    svc = _service(request)
    window = _window_id(request)
    await _auth(request, "caller", window=window)
    body = await _body(request)
    clerk_id = _field(body, "clerk", str, required=True, max_len=64)
    pin = _field(body, "pin", str, required=True, max_len=64)
    attempt = await svc.sign_ins.begin(window)
    if attempt is None:
        raise RateLimited("too many wrong PINs; wait a minute")
    clerk = await svc.read(svc.reads.clerk, clerk_id)
    stored = clerk["pin_hash"] if clerk is not None else None
    if not await svc.sign_ins.check(window, attempt, pin, stored) or clerk is None:
        raise Forbidden("wrong clerk id or PIN", code="invalid_credentials")
    name = clerk["name"]
    now = svc.now()
    w = await svc.run(lambda: svc.hall.sign_in(window, clerk_id, name, now))
    return _ok({"window": window_view(svc.hall, w, svc.now())})


@routes.delete(P + "/windows/{w}/session")
async def sign_out(request: web.Request) -> web.Response:
    svc = _service(request)
    window = _window_id(request)
    await _auth(request, "caller", "manager", window=window)
    now = svc.now()
    w = await svc.run(lambda: svc.hall.sign_out(window, now))
    return _ok({"window": window_view(svc.hall, w, svc.now())})


_TICKET_COMMANDS: dict[str, Callable[[Hall, str, dt.datetime], Ticket | None]] = {
    "call-next": Hall.call_next,
    "recall": Hall.recall,
    "start": Hall.start,
    "finish": Hall.finish,
    "no-show": Hall.no_show,
}


def _window_action(name: str) -> Handler:
    async def act(request: web.Request) -> web.Response:
        svc = _service(request)
        window = _window_id(request)
        await _auth(request, "caller", "manager", window=window)
        # (svc.hall read inside each command: a full disk may have rebuilt it while the body came)
        if name in ("pause", "resume"):
            reason, minutes = "", None
            if name == "pause":
                body = await _body(request)
                reason = _field(body, "reason", str, max_len=100) or ""
                minutes = _field(body, "minutes", int)
            now = svc.now()
            w = await svc.run(
                lambda: (
                    svc.hall.pause(window, reason, now, minutes)
                    if name == "pause"
                    else svc.hall.resume(window, now)
                )
            )
            return _ok({"window": window_view(svc.hall, w, svc.now())})
        if name == "transfer":
            body = await _body(request)
            service = _field(body, "service", str)
            target = _field(body, "window", str)
            ticket = await _on_ticket(
                svc, lambda at: svc.hall.transfer(window, at, service=service, to_window=target)
            )
        else:
            command = _TICKET_COMMANDS[name]
            ticket = await _on_ticket(svc, lambda at: command(svc.hall, window, at))
        return _ok({"ticket": ticket})

    return act


for _action in ("call-next", "recall", "start", "finish", "no-show", "transfer", "pause", "resume"):
    routes.post(P + f"/windows/{{w}}/{_action}")(_window_action(_action))


@routes.get(P + "/stats")
async def stats(request: web.Request) -> web.Response:
    from .domain.stats import day_stats

    svc = _service(request)
    # The 电子监察 wall display shows the day's figures too: aggregates only, no personal data.
    await _auth(request, "manager", "display")
    text = request.query.get("date")
    try:
        day = dt.date.fromisoformat(text) if text else svc.now().date()
    except ValueError:
        raise BadRequest("date must be YYYY-MM-DD", code="invalid_field") from None
    rows = await svc.read(lambda: [dict(r) for r in svc.reads.tickets_of_day(day)])
    figures = day_stats(rows, min_score=svc.settings.policy.satisfied_min_score)
    return _ok({"date": day.isoformat(), **figures})


@routes.get(P + "/events")
async def events(request: web.Request) -> web.StreamResponse:
    svc = _service(request)
    device = await _auth(request)
    text = request.query.get("since")
    try:
        since = int(text) if text is not None else None
    except ValueError:
        raise BadRequest("since must be an integer", code="invalid_field") from None
    if since is not None and since < 0:
        raise BadRequest("since must not be negative", code="invalid_field")
    # No per-message deflate: one event is sent to hundreds of screens, compressing it for
    # each would cost more than the bytes it saves on a LAN. `timeout` bounds a close.
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=4096, compress=False, timeout=2.0)
    await ws.prepare(request)
    sock = request.transport.get_extra_info("socket") if request.transport else None
    if sock is not None:  # a reader that stalls holds 64 KiB of the kernel, not megabytes
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, WS_KERNEL_BUFFER)
    request.app[SOCKETS].add(ws)
    sub = Subscriber(
        token=request[TOKEN_KEY],
        device=device.id,
        close=lambda: ws.close(code=WS_CLOSE_REVOKED, message=b"token revoked"),
    )
    svc.subscribers.add(sub)
    upto = svc.committed_seq
    sender = asyncio.create_task(_send(svc, ws, sub, upto if since is None else since, upto))
    sub.on_overflow = sender.cancel
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break
    finally:
        request.app[SOCKETS].discard(ws)
        svc.subscribers.discard(sub)
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
    return ws


async def _send(
    svc: HallService, ws: web.WebSocketResponse, sub: Subscriber, since: int, upto: int
) -> None:
    """Replay what the client missed from the log, then the live events past that point."""
    sent = since
    try:
        while sent < upto:
            rows = await svc.read(svc.reads.events_after, sent, upto)
            if not rows:
                break
            for seq, body in rows:
                await ws.send_str(body)
                sent = seq
        while True:
            for seq, body in await sub.take():
                if seq > sent:
                    await ws.send_str(body)
                    sent = seq
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        if sub.overflowed:
            code, why = WS_CLOSE_TOO_SLOW, b"too slow: reconnect with since"
        else:
            code, why = WSCloseCode.OK, b""
        if not ws.closed:
            await ws.close(code=code, message=why)


async def _going_away(app: web.Application) -> None:
    """On stop, every WebSocket is told the server goes away (1001); terminals reconnect."""
    sockets = app[SOCKETS]
    closing = [
        asyncio.ensure_future(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping"))
        for ws in tuple(sockets)
    ]
    if closing:
        await asyncio.wait(closing, timeout=0.5)  # a client that never answers is not awaited


def make_app(service: HallService, *, body_timeout: float = 15.0) -> web.Application:
    app = web.Application(middlewares=[errors], client_max_size=PHOTO_LIMIT + 1024)
    app[SERVICE] = service
    app[SOCKETS] = set()
    app[BODY_TIMEOUT] = body_timeout
    app.on_shutdown.append(_going_away)
    app.add_routes(routes)
    app.add_routes(pages)

    async def lifecycle(app: web.Application) -> Any:
        await service.start()
        yield
        await service.stop()

    app.cleanup_ctx.append(lifecycle)
    return app


def make_phone_app(service: HallService) -> web.Application:
    """The phone page and its public JSON alone, for plain HTTP (``--phone-port``).

    A citizen's phone cannot be asked to trust the hall's self-signed certificate, and these
    two routes are read-only and show nothing personal; every other route stays on HTTPS.
    The service is started and stopped by the API's app (:func:`make_app`).
    """
    app = web.Application(middlewares=[errors])
    app[SERVICE] = service
    app.router.add_get(P + "/tickets/{id}/public", public_ticket)
    app.router.add_get("/t/{id}", ticket_page)
    return app
