"""Errors the hall's rules raise; each carries the API error code and HTTP status."""

from __future__ import annotations


class HallError(Exception):
    """Root of every error the hall server reports to a client."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class BadRequest(HallError):
    status = 400
    code = "bad_request"


class NotFound(HallError):
    status = 404
    code = "not_found"


class Conflict(HallError):
    """The request is valid but the hall's state does not allow it now (409)."""

    status = 409
    code = "conflict"


class Unprocessable(HallError):
    """The request is well-formed but its content breaks a rule (422)."""

    status = 422
    code = "unprocessable"


class ConfigRefused(Conflict):
    """A config change the running hall cannot take now (a removed service still has citizens
    waiting…); `key` is the config key at fault, `zh` and `en` say why."""

    code = "config_refused"

    def __init__(self, key: str, zh: str, en: str) -> None:
        super().__init__(f"{key}: {en}")
        self.key, self.zh, self.en = key, zh, en
