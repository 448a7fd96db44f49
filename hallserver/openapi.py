"""/api/v1/openapi.json: the contract of API.md as OpenAPI 3.1 (kept in step with app.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from .domain.hall import MAX_PAUSE_MINUTES

_TICKET = {
    "type": "object",
    "required": [
        "id",
        "number",
        "service",
        "status",
        "channel",
        "issued_at",
        "ahead",
        "estimated_wait_s",
        "holder",
        "recalls",
        "window",
        "called_at",
    ],
    "properties": {
        "id": {"type": "string"},
        "number": {"type": "string", "pattern": "^[A-Z][0-9]{3,}$"},
        "service": {"type": "string"},
        "matter": {"type": "string"},
        "status": {
            "enum": ["waiting", "called", "serving", "done", "no_show", "transferred", "cancelled"]
        },
        "channel": {"enum": ["normal", "appointment", "green"]},
        "issued_at": {"type": "string", "format": "date-time"},
        "called_at": {"type": ["string", "null"], "format": "date-time"},
        "window": {"type": ["string", "null"]},
        "recalls": {"type": "integer"},
        "ahead": {"type": ["integer", "null"]},
        "estimated_wait_s": {
            "type": ["integer", "null"],
            "description": "seconds to the call while waiting; a command's answer tells it at "
            "the command's moment (POST /tickets: the wait stored beside the ticket)",
        },
        "holder": {"type": "string", "description": "masked name, e.g. 张*"},
        "wait_s": {
            "type": ["integer", "null"],
            "description": "seconds from issue (or the booked slot) to the first call",
        },
        "service_s": {
            "type": "integer",
            "description": "handling seconds over every window that served it",
        },
        "slot_start": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "an appointment ticket's slot: its wait counts from the later of this "
            "and issued_at",
        },
    },
}
_HALL = {
    "type": "object",
    "required": ["id", "name", "timezone", "services", "windows", "policy", "thresholds"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "name_en": {"type": "string"},
        "timezone": {"type": "string", "description": "IANA zone, e.g. Asia/Shanghai"},
        "notice": {"type": "string"},
        "phone_url": {
            "type": "string",
            "description": "[hall] phone_url: http(s)://host[:port] the hall's phones reach; "
            "the ticket QR then opens <phone_url>/t/<ticket id>; empty: the QR is "
            "hallq:ticket:<hall id>:<ticket id>",
        },
        "services": {"type": "array", "items": {"type": "object"}},
        "windows": {"type": "array", "items": {"type": "object"}},
        "policy": {
            "type": "object",
            "required": ["green_age", "max_recalls", "satisfied_min_score"],
            "properties": {
                "green_age": {"type": "integer"},
                "max_recalls": {"type": "integer"},
                "satisfied_min_score": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 5,
                    "description": "满意率 counts ratings at or above this score",
                },
            },
        },
        "thresholds": {"type": "object", "additionalProperties": {"type": "integer"}},
        "hours": {"type": "object"},
    },
}
_PHONE_TICKET = {
    "type": "object",
    "required": ["number", "service", "status", "ahead", "estimated_wait_s", "window"],
    "properties": {
        "number": _TICKET["properties"]["number"],  # type: ignore[index]
        "service": {"type": "string"},
        "service_name": {"type": "string"},
        "status": _TICKET["properties"]["status"],  # type: ignore[index]
        "ahead": {"type": ["integer", "null"]},
        "estimated_wait_s": {"type": ["integer", "null"]},
        "window": {"type": ["string", "null"]},
        "window_name": {"type": ["string", "null"]},
    },
}
_PAIRING = {
    "type": "object",
    "required": ["id", "code", "status", "expires_at"],
    "properties": {
        "id": {"type": "string"},
        "code": {"type": "string", "pattern": "^[0-9]{6}$", "description": "shown on the terminal"},
        "status": {"enum": ["pending", "approved"]},
        "expires_at": {"type": "string", "format": "date-time"},
        "secret": {
            "type": "string",
            "description": "only in the answer that opened it: the bearer to collect the token",
        },
        "device": {"type": "string", "description": "approved: the device this terminal is"},
        "token": {"type": "string", "description": "approved: the device's token"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}

_S = {"type": "string"}
_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/tickets", "post"): {
        "description": "service, or an appointment code (its service)",
        "anyOf": [{"required": ["service"]}, {"required": ["appointment"]}],
        "properties": {
            "service": _S,
            "matter": _S,
            "appointment": _S,
            "id_number": {"type": "string", "description": "GB 11643, 18 characters"},
            "name": _S,
            "channel": {"enum": ["normal", "green"]},
        },
    },
    ("/tickets/{id}/evaluation", "post"): {
        "required": ["score"],
        "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "reasons": {
                "type": "array",
                "items": {
                    "enum": ["attitude", "efficiency", "one_time_notice", "environment", "other"]
                },
            },
            "comment": {"type": "string", "maxLength": 500},
        },
    },
    ("/appointments", "post"): {
        "required": ["code", "service", "slot_start", "slot_end"],
        "properties": {
            "code": _S,
            "service": _S,
            "id_number": _S,
            "name": _S,
            "slot_start": {"type": "string", "format": "date-time"},
            "slot_end": {"type": "string", "format": "date-time"},
        },
    },
    ("/devices/me/status", "post"): {
        "required": ["state"],
        "properties": {
            "state": {"enum": ["ok", "degraded", "down"]},
            "detail": {
                "type": "string",
                "maxLength": 500,
                "pattern": "^[^<>\\x00-\\x1f\\x7f]*$",
                "description": "plain text, shown on every screen",
            },
        },
    },
    ("/windows/{w}/session", "post"): {
        "required": ["clerk", "pin"],
        "properties": {"clerk": _S, "pin": _S},
    },
    ("/windows/{w}/transfer", "post"): {
        "description": "exactly one of service or window",
        "oneOf": [{"required": ["service"]}, {"required": ["window"]}],
        "properties": {"service": _S, "window": _S},
    },
    ("/windows/{w}/pause", "post"): {
        "properties": {
            "reason": _S,
            "minutes": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAUSE_MINUTES,
                "description": "how long the clerk expects to be away: the window's back_at, "
                "told to citizens and counted in every wait",
            },
        }
    },
    ("/pairings", "post"): {
        "required": ["kind", "host"],
        "properties": {
            "kind": {"enum": ["kiosk", "caller", "display"]},
            "host": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "pattern": "^[^<>\\x00-\\x1f\\x7f]*$",
                "description": "the terminal's host name, shown to the manager",
            },
            "device": {
                "type": "string",
                "maxLength": 64,
                "description": "the device id the terminal's config names (preselected)",
            },
        },
    },
}
_OPTIONAL_BODIES = {("/windows/{w}/pause", "post")}  # a pause without a reason

# path, method, roles, summary, success status, error codes
_ROUTES: list[tuple[str, str, str, str, int, list[int]]] = [
    ("/health", "get", "anyone", "Liveness and the last event sequence number", 200, []),
    ("/hall", "get", "anyone", "The hall: services with matters, windows", 200, []),
    ("/openapi.json", "get", "anyone", "This document", 200, []),
    (
        "/tickets",
        "post",
        "kiosk, manager",
        "Issue a ticket (Idempotency-Key: same key, same ticket)",
        201,
        [400, 401, 403, 404, 409, 413, 422, 429],
    ),
    ("/tickets/{id}", "get", "any token", "A ticket with live `ahead`", 200, [401, 404]),
    (
        "/tickets/{id}/public",
        "get",
        "anyone",
        "For the citizen's phone page (the unguessable id is the key): number, status, ahead, "
        "estimated_wait_s, window, window_name — nothing personal",
        200,
        [404],
    ),
    (
        "/tickets/{id}/check-in",
        "post",
        "kiosk",
        "A no-show citizen re-enters the queue",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/tickets/{id}/evaluation",
        "post",
        "caller, kiosk",
        "好差评: score 1–5, reasons for 1–2",
        200,
        [400, 401, 403, 404, 409, 422],
    ),
    (
        "/tickets/{id}/photo",
        "put",
        "kiosk",
        "ID photo (image/jpeg, ≤ 2 MB)",
        200,
        [401, 403, 404, 413, 422],
    ),
    (
        "/tickets/{id}/photo",
        "get",
        "caller serving it, manager",
        "The ticket's ID photo (image/jpeg)",
        200,
        [401, 403, 404],
    ),
    ("/appointments", "post", "manager", "Add a booking", 201, [400, 401, 403, 409, 422]),
    (
        "/appointments/{code}",
        "get",
        "kiosk, manager",
        "A booking (masked) and its validity",
        200,
        [401, 403, 404],
    ),
    (
        "/devices/me/status",
        "post",
        "any token",
        "Report hardware state → device.status",
        200,
        [400, 401],
    ),
    (
        "/devices/me",
        "get",
        "any token",
        "This device's configuration (role, window, services)",
        200,
        [401],
    ),
    (
        "/devices",
        "get",
        "manager",
        "Every configured device, last seen and last status",
        200,
        [401, 403],
    ),
    ("/queues", "get", "any token", "Waiting counts and estimated waits per service", 200, [401]),
    ("/windows", "get", "any token", "Every window: status, clerk, current ticket", 200, [401]),
    (
        "/windows/{w}/session",
        "post",
        "caller of w",
        "Sign a clerk in ({clerk, pin})",
        200,
        [400, 401, 403, 404, 409, 429],
    ),
    (
        "/windows/{w}/session",
        "delete",
        "caller of w, manager",
        "Sign out",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/windows/{w}/call-next",
        "post",
        "caller of w, manager",
        "Call the next citizen",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/windows/{w}/recall",
        "post",
        "caller of w, manager",
        "Call again (past the limit: 过号)",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/windows/{w}/start",
        "post",
        "caller of w, manager",
        "Start serving",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/windows/{w}/finish",
        "post",
        "caller of w, manager",
        "Finish (from called or serving)",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/windows/{w}/no-show",
        "post",
        "caller of w, manager",
        "Mark 过号",
        200,
        [401, 403, 404, 409],
    ),
    (
        "/windows/{w}/transfer",
        "post",
        "caller of w, manager",
        "Transfer the current ticket ({service} or {window})",
        200,
        [400, 401, 403, 404, 409, 422],
    ),
    (
        "/windows/{w}/pause",
        "post",
        "caller of w, manager",
        "Pause ({reason})",
        200,
        [401, 403, 404, 409],
    ),
    ("/windows/{w}/resume", "post", "caller of w, manager", "Resume", 200, [401, 403, 404, 409]),
    (
        "/stats",
        "get",
        "manager, display",
        "A day's figures (?date=YYYY-MM-DD)",
        200,
        [400, 401, 403],
    ),
    (
        "/pairings",
        "post",
        "anyone",
        "A terminal without a token asks to be paired: a 6-digit code to show, a secret to "
        "collect the token with (rate-limited per address; expires after 10 minutes)",
        201,
        [400, 422, 429],
    ),
    (
        "/pairings/{id}",
        "get",
        "the pairing's secret as bearer",
        "The pairing request; once a manager approved it in the console, the device and its "
        "token (?wait=S: held up to S ≤ 25 seconds until approved)",
        200,
        [400, 401, 404],
    ),
    (
        "/events",
        "get",
        "any token",
        "WebSocket: replay events with seq > since, then live; closed with code 4000 when the "
        "client lags too far behind, 4001 when its token is revoked. Event types: API.md's, "
        "ticket.cancelled, and hall.config_changed (data: version, by, source, summary): a "
        "manager changed the hall config (names, services and matters, windows, hours, rules, "
        "notice) and it runs from this event on — read GET /hall again",
        101,
        [400, 401],
    ),
]


@cache
def openapi() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method, roles, summary, ok, errors in _ROUTES:
        op: dict[str, Any] = {
            "summary": summary,
            "description": f"Who: {roles}.",
            "responses": {str(ok): {"description": "success"}},
        }
        if roles != "anyone":
            op["security"] = [{"bearer": []}]
        if "{id}" in path and "ticket" in path:
            op["parameters"] = [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        if "{w}" in path:
            op["parameters"] = [
                {"name": "w", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        if path == "/pairings/{id}":
            op["parameters"] = [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "wait",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 0, "maximum": 25},
                },
            ]
        if path.startswith("/pairings"):
            op["responses"][str(ok)]["content"] = {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["pairing"],
                        "properties": {"pairing": {"$ref": "#/components/schemas/Pairing"}},
                    }
                }
            }
        if "{code}" in path:
            op["parameters"] = [
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        if path == "/tickets/{id}/public":
            op["responses"][str(ok)]["content"] = {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"ticket": {"$ref": "#/components/schemas/PhoneTicket"}},
                    }
                }
            }
        elif path.startswith("/tickets") and method in ("get", "post") and "photo" not in path:
            op["responses"][str(ok)]["content"] = {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"ticket": {"$ref": "#/components/schemas/Ticket"}},
                    }
                }
            }
        if path == "/hall":
            op["responses"][str(ok)]["content"] = {
                "application/json": {"schema": {"$ref": "#/components/schemas/Hall"}}
            }
        body = _BODIES.get((path, method))
        if body is not None:
            schema = {"type": "object", **body}
            op["requestBody"] = {
                "required": (path, method) not in _OPTIONAL_BODIES,
                "content": {"application/json": {"schema": schema}},
            }
            # not JSON or a field of the wrong type, a body too slow or too big
            errors = sorted({*errors, 400, 408, 413})
        if path == "/tickets/{id}/photo" and method == "put":
            errors = sorted({*errors, 408})
            op["requestBody"] = {
                "required": True,
                "content": {
                    "image/jpeg": {
                        "schema": {
                            "type": "string",
                            "contentMediaType": "image/jpeg",
                            "maxLength": 2 * 1024 * 1024,
                        }
                    }
                },
            }
        if method != "get":  # any write: disk_full (try again when space returns), store_failed
            errors = sorted({*errors, 503})
        for status in errors:
            op["responses"][str(status)] = {
                "description": "error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        paths.setdefault("/api/v1" + path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hallq hall server",
            "version": "1.0.0",
            "description": "One hall's queue: tickets, windows, events. See API.md.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Ticket": _TICKET,
                "PhoneTicket": _PHONE_TICKET,
                "Pairing": _PAIRING,
                "Hall": _HALL,
                "Error": _ERROR,
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
