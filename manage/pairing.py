"""设备配对 Pairing in the console: the manager types the code a terminal shows, sees which
terminal it is (kind, host), chooses the configured device it is, and approves — one step at a
time, each with its own error in both languages. The approval mints the device's token
(replacing the old one, as `hallq-server token` does), and the terminal collects it by itself.
"""

from __future__ import annotations

from aiohttp import web

from hallserver.domain.errors import HallError
from hallserver.domain.pairing import PairingRequest, shown
from hallserver.security import token_hash
from hallserver.service import HallService

from .console import MANAGER_KEY, PREFIX, audit, render_devices, require, service_of

PATH = PREFIX + "/devices/pairing"
KIND_NAMES = {"kiosk": "取号机 Kiosk", "caller": "叫号器 Caller", "display": "显示屏 Display"}

# What a refused code or device says, field by field (中文 · English).
REFUSALS = {
    "invalid_code": "配对码为 6 位数字 · The code has 6 digits",
    "unknown_code": "没有终端显示该配对码（输错或已过期）· No terminal shows this code "
    "(mistyped, or expired)",
    "not_pending": "该终端已被配对或请求已过期 · This terminal was paired meanwhile, or its "
    "request expired",
    "wrong_kind": "该终端不是所选类型的设备 · This terminal is not a device of that kind",
}

routes = web.RouteTableDef()


def _too_many(e: HallError) -> str:
    wait = e.details.get("wait_s")
    minutes = max(1, round(wait / 60)) if isinstance(wait, int) else 1
    return (
        f"配对码输错次数过多，请 {minutes} 分钟后再试 · Too many wrong codes: try again in "
        f"{minutes} min"
    )


def _refusal(e: HallError) -> str:
    return _too_many(e) if e.status == 429 else REFUSALS.get(e.code, e.message)


def _step(svc: HallService, request: PairingRequest) -> dict[str, object]:
    """Step 2 of the form: the terminal that shows the code, the devices of its kind."""
    return {
        "code": request.code,
        "shown": shown(request.code),
        "kind": request.kind,
        "kind_name": KIND_NAMES[request.kind],
        "host": request.host,
        "hint": request.hint,
        "choices": [d for d in svc.settings.devices if d.role == request.kind],
    }


async def _typed_code(request: web.Request) -> tuple[str, PairingRequest | web.Response]:
    """The code typed, and the terminal showing it — or the page saying why there is none."""
    svc = service_of(request)
    typed = str((await request.post()).get("code", "")).strip()[:20]
    try:
        return typed, svc.pairing.book.find(request[MANAGER_KEY]["name"], typed, svc.now())
    except HallError as e:
        if e.code == "unknown_code":
            await audit(request, "pairing_code_refused", typed)
        return typed, await render_devices(
            request, 422, pair_errors={"code": _refusal(e)}, typed=typed
        )


@routes.post(PATH)
async def find_terminal(request: web.Request) -> web.Response:
    """Step 1: the code the terminal shows → which terminal it is."""
    require(request, "devices")
    typed, found = await _typed_code(request)
    if isinstance(found, web.Response):
        return found
    return await render_devices(request, step=_step(service_of(request), found), typed=typed)


@routes.post(PATH + "/approve")
async def approve(request: web.Request) -> web.StreamResponse:
    """Step 2: the device chosen → its new token, which the terminal collects."""
    require(request, "devices")
    svc = service_of(request)
    typed, found = await _typed_code(request)
    if isinstance(found, web.Response):
        return found
    device = svc.settings.device(str((await request.post()).get("device", "")))
    if device is None or device.role != found.kind:
        return await render_devices(
            request,
            422,
            step=_step(svc, found),
            typed=typed,
            pair_errors={"device": "请选择该终端对应的设备 · Choose which device this terminal is"},
        )

    async def keep(token: str) -> None:
        await svc.db(svc.store.set_token, device.id, token_hash(token))
        await svc.close_revoked()  # the device's old token stops at once

    try:
        await svc.pairing.approve(request[MANAGER_KEY]["name"], typed, device.id, device.role, keep)
    except HallError as e:
        if e.status == 503:  # the database could not take the token: the console's 503 page
            raise
        return await render_devices(request, 422, pair_errors={"code": _refusal(e)}, typed=typed)
    await audit(request, "terminal_paired", device.id, kind=found.kind, host=found.host)
    raise web.HTTPFound(f"{PREFIX}/devices?done=paired")
