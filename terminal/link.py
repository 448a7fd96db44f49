"""The terminal's link to the hall server: HTTP requests and the exact event stream.

Everything here runs on the GUI thread with Qt's own network classes, so nothing blocks and
callbacks need no locking. The event stream is exact: each event is delivered once, in seq
order, across WebSocket drops and server restarts, because every (re)connect asks the server
to replay from the last seq this terminal has seen.

Over HTTPS no CA is trusted: the server's self-signed certificate is accepted when its SHA-256
is the pinned one (terminal/pinning.py), checked in the TLS handshake before anything is sent.
Every change of the link's state is one log line; refusals (a changed certificate, a token
the server does not accept) are states of their own, which the screens show.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QByteArray, QCryptographicHash, QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import (
    QAbstractSocket,
    QNetworkAccessManager,
    QNetworkReply,
    QNetworkRequest,
    QSslCertificate,
    QSslConfiguration,
    QSslError,
    QSslSocket,
)
from PySide6.QtWebSockets import QWebSocket

from .pinning import CertificatePin

log = logging.getLogger("hallq.link")

API_PREFIX = "/api/v1"
# The server closes a subscriber that lags too far behind with this code: reconnect at once.
CLOSE_TOO_SLOW = 4000
_TIMEOUT_ERRORS = {
    QNetworkReply.NetworkError.OperationCanceledError,
    QNetworkReply.NetworkError.TimeoutError,
}


class LinkState(StrEnum):
    """Where the link stands; the screens show each state but ONLINE."""

    CONNECTING = "connecting"
    ONLINE = "online"
    UNREACHABLE = "unreachable"  # network error, server down or restarting: retrying
    TOKEN_REFUSED = "token_refused"  # the server does not accept this device's token
    CERTIFICATE_CHANGED = "certificate_changed"  # not the pinned certificate: nothing sent


@dataclass
class Result:
    """The outcome of one request: an HTTP answer, or status 0 for a network error / timeout."""

    status: int
    body: Any
    error_code: str | None
    message: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _api_base(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


class ServerLink(QObject):
    """HTTP requests to the hall server and its event stream, with reconnect and exact replay.

    `start()` first asks GET /health for the server's last seq (where "now" is), then opens the
    WebSocket with `since=last_seq`. Events at or below `last_seq` are dropped, so a replay that
    overlaps what was already seen never shows twice. When the replay has reached the seq that
    /health reported, `resynced` fires: the app refreshes its snapshots then. A dead link is
    noticed by the socket closing or, on a silent network, by a missing pong.
    """

    online_changed = Signal(bool)
    state_changed = Signal(str)  # a LinkState value
    event_received = Signal(dict)
    resynced = Signal()

    def __init__(
        self,
        base_url: str,
        token: str,
        parent: QObject | None = None,
        *,
        reconnect_max_s: float = 8.0,
        ping_interval_ms: int = 10_000,
        pin: CertificatePin | None = None,
    ) -> None:
        super().__init__(parent)
        self.base_url = base_url.rstrip("/")
        self._api = _api_base(base_url)
        self._token = token.encode()
        # Without a pin from the terminal's config, the first certificate met is trusted.
        self.pin = pin or CertificatePin()
        self._tls = _pinned_tls() if self.base_url.startswith("https:") else None
        self._refused_fingerprint: str | None = None
        self._certificate: QSslCertificate | None = None  # the pinned one, once met
        self._nam = QNetworkAccessManager(self)
        self._nam.sslErrors.connect(self._on_reply_ssl_errors)
        self._nam.encrypted.connect(self._on_reply_encrypted)
        self.last_seq = 0
        self.online = False
        self.state = LinkState.CONNECTING
        self._health_seq = 0
        self._positioned = False  # last_seq is a real position in the server's log
        self._replay_target = 0
        self._replaying = False
        self._running = False
        self._attempt = 0
        self._reconnect_max_s = reconnect_max_s
        self._ws: QWebSocket | None = None
        self._heard_since_ping = True
        self._reconnect_timer = QTimer(self)
        self._reconnect_timer.setSingleShot(True)
        self._reconnect_timer.timeout.connect(self._connect)
        self._ping_timer = QTimer(self)
        self._ping_timer.setInterval(ping_interval_ms)
        self._ping_timer.timeout.connect(self._ping)

    # ----- event stream ------------------------------------------------------------------------
    @property
    def replaying(self) -> bool:
        """True while a (re)connect is still replaying events the terminal missed."""
        return self._replaying

    def start(self, since: int | None = None) -> None:
        """Connect the event stream (replaying from `since`, else from the server's "now")."""
        if since is not None:
            self.last_seq = since
            self._positioned = True
        self._running = True
        self._attempt = 0
        self._connect()

    def stop(self) -> None:
        """Close the event stream and stop reconnecting."""
        self._running = False
        self._reconnect_timer.stop()
        self._ping_timer.stop()
        self._drop_socket()
        self.state = LinkState.CONNECTING
        self._set_online(False)

    def use_token(self, token: str) -> None:
        """Go on with another token (the terminal was paired again): reconnects at once."""
        self._token = token.encode()
        if self._running:
            self._reconnect_timer.stop()
            self._attempt = 0
            self._connect()

    def _connect(self) -> None:
        if not self._running:
            return
        self._refused_fingerprint = None
        if self._tls is None and self.pin.fingerprint is not None:
            self._refuse(LinkState.CERTIFICATE_CHANGED, "plain HTTP where TLS is pinned")
            return
        self.request("GET", "/health", timeout_ms=3000, callback=self._on_health)

    def _refuse(self, state: LinkState, detail: str) -> None:
        self._set_state(state, detail)
        self._schedule_reconnect()

    def _failure(self, result: Result) -> tuple[LinkState, str]:
        """What a failed answer says about the link: the state it puts it in, and why."""
        if result.status in (401, 403):
            return LinkState.TOKEN_REFUSED, f"HTTP {result.status} {result.message}"
        if self._refused_fingerprint is not None:
            return LinkState.CERTIFICATE_CHANGED, self._refused_fingerprint
        return LinkState.UNREACHABLE, result.message or f"HTTP {result.status}"

    def _failed(self, result: Result) -> None:
        self._refuse(*self._failure(result))

    def identify(self, on_device: Callable[[dict[str, Any]], None]) -> None:
        """GET /devices/me until the server answers, then `on_device(answer)`.

        Before the link is started (the caller asks which window it serves first): a failure
        moves the link's state as a lost connection would — one log line per change, shown by
        an overlay following the link — and is retried.
        """

        def answered(result: Result) -> None:
            if result.ok and isinstance(result.body, dict):
                on_device(result.body)
                return
            self._set_state(*self._failure(result))
            retry_ms = int(min(self._reconnect_max_s, 3.0) * 1000)
            QTimer.singleShot(retry_ms, self, lambda: self.identify(on_device))

        self._refused_fingerprint = None
        self.request("GET", "/devices/me", timeout_ms=3000, callback=answered)

    def _on_health(self, result: Result) -> None:
        if not self._running:
            return
        if not result.ok or not isinstance(result.body, dict):
            self._failed(result)
            return
        self._health_seq = int(result.body.get("seq", 0))
        # /health asks for no token: check it before the event stream, so a refused token is
        # told apart from a network failure (a refused WebSocket upgrade only says "error").
        self.request("GET", "/devices/me", timeout_ms=3000, callback=self._on_device_checked)

    def _on_device_checked(self, result: Result) -> None:
        if not self._running:
            return
        if not result.ok:
            self._failed(result)
            return
        server_seq = self._health_seq
        if not self._positioned:
            self.last_seq = server_seq
            self._positioned = True
        elif server_seq < self.last_seq:
            # The server's log is behind us: it runs on a new database. Follow it from its end;
            # the snapshots refreshed on `resynced` carry the state.
            log.warning(
                "server seq %d is behind ours %d: following the new log", server_seq, self.last_seq
            )
            self.last_seq = server_seq
        self._replay_target = server_seq
        self._open_socket()

    def _open_socket(self) -> None:
        self._drop_socket()
        ws = QWebSocket(parent=self)
        ws.connected.connect(self._on_connected)
        ws.disconnected.connect(lambda: self._on_disconnected(ws))
        ws.textMessageReceived.connect(self._on_message)
        ws.pong.connect(self._on_pong)
        ws.errorOccurred.connect(lambda _err: self._on_socket_error(ws))
        self._ws = ws
        url = QUrl(self._api + f"/events?since={self.last_seq}")
        url.setScheme("wss" if url.scheme() == "https" else "ws")
        req = QNetworkRequest(url)
        req.setRawHeader(b"Authorization", b"Bearer " + self._token)
        if self._tls is not None:
            self._pin_socket(ws)
        ws.open(req)

    def _drop_socket(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.disconnected.disconnect()
            ws.errorOccurred.disconnect()
            ws.textMessageReceived.disconnect()
            ws.abort()
            ws.deleteLater()

    def _on_connected(self) -> None:
        self._attempt = 0
        self._heard_since_ping = True
        self._ping_timer.start()
        self._replaying = self.last_seq < self._replay_target
        self._set_state(LinkState.ONLINE)
        if not self._replaying:
            self.resynced.emit()

    def _on_message(self, text: str) -> None:
        self._heard_since_ping = True
        try:
            event = json.loads(text)
            seq = int(event["seq"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed event message")
            return
        if seq <= self.last_seq:
            return
        if seq != self.last_seq + 1:
            log.warning("event gap: %d after %d", seq, self.last_seq)
        self.last_seq = seq
        self.event_received.emit(event)
        if self._replaying and seq >= self._replay_target:
            self._replaying = False
            self.resynced.emit()

    def _on_pong(self, *_args: object) -> None:
        self._heard_since_ping = True

    def _ping(self) -> None:
        ws = self._ws
        if ws is None:
            return
        if not self._heard_since_ping:
            self._lost(ws, "no answer to a ping")
            return
        self._heard_since_ping = False
        ws.ping()

    def _on_socket_error(self, ws: QWebSocket) -> None:
        if ws is self._ws and ws.state() != QAbstractSocket.SocketState.ConnectedState:
            self._lost(ws, ws.errorString())

    def _on_disconnected(self, ws: QWebSocket) -> None:
        if ws is not self._ws:
            return
        if ws.closeCode() == CLOSE_TOO_SLOW:
            self._attempt = 0
        self._lost(ws, f"event stream closed ({ws.closeCode().value} {ws.closeReason()})")

    def _lost(self, ws: QWebSocket, reason: str) -> None:
        if ws is not self._ws:
            return
        self._ping_timer.stop()
        self._drop_socket()
        self._replaying = False
        self._failed(Result(0, None, "network", reason))

    # ----- TLS: the pinned certificate only ----------------------------------------------------
    def _admits(self, errors: list[QSslError]) -> bool:
        """The handshake's complaints all concern one certificate, and it is the pinned one."""
        fingerprints = {_fingerprint(e.certificate()) for e in errors}
        fingerprint = fingerprints.pop() if len(fingerprints) == 1 else ""
        if fingerprint and self.pin.admits(fingerprint):
            return True
        self._refused_fingerprint = fingerprint or "(no single certificate)"
        return False

    def _on_reply_ssl_errors(self, reply: QNetworkReply, errors: list[QSslError]) -> None:
        if self._admits(errors):
            reply.ignoreSslErrors(errors)  # exactly these, for exactly the pinned certificate
            self._certificate = reply.sslConfiguration().peerCertificate()

    def _on_reply_encrypted(self, reply: QNetworkReply) -> None:
        # Nothing has been sent yet: a certificate that passed without complaint is checked too.
        fingerprint = _fingerprint(reply.sslConfiguration().peerCertificate())
        if not self.pin.admits(fingerprint):
            self._refused_fingerprint = fingerprint
            reply.abort()

    def _pin_socket(self, ws: QWebSocket) -> None:
        """The event stream trusts exactly the certificate /health was just answered with: as
        its only CA (so a self-signed one verifies) and whatever its host name. (Handling the
        socket's own sslErrors signal crashes PySide 6.12 when the socket is deleted.)"""
        config = _pinned_tls()
        config.setCaCertificates([self._certificate] if self._certificate else [])
        ws.setSslConfiguration(config)
        if self._certificate is not None:
            mismatch = QSslError(QSslError.SslError.HostNameMismatch, self._certificate)
            ws.ignoreSslErrors([mismatch])

    def _schedule_reconnect(self) -> None:
        if not self._running or self._reconnect_timer.isActive():
            return
        base = min(self._reconnect_max_s, 0.25 * (2**self._attempt))
        self._attempt = min(self._attempt + 1, 16)
        # Jitter keeps tens of displays from reconnecting in lock-step after a server restart.
        delay = base * random.uniform(0.8, 1.2)
        self._reconnect_timer.start(int(delay * 1000))

    def _set_state(self, state: LinkState, detail: str = "") -> None:
        """One log line per change of state (not per retry)."""
        if state == self.state:
            return
        self.state = state
        url = self.base_url
        if state is LinkState.ONLINE:
            log.info("online: hall server %s, events from seq %d", url, self.last_seq)
        elif state is LinkState.UNREACHABLE:
            log.warning("hall server %s unreachable (%s): retrying", url, detail)
        elif state is LinkState.TOKEN_REFUSED:
            log.error(
                "hall server %s refuses this terminal's token (%s): pairing again",
                url,
                detail,
            )
        elif state is LinkState.CERTIFICATE_CHANGED:
            log.error(
                "hall server %s presented another TLS certificate (%s; pinned SHA-256 %s): "
                "refused, nothing sent; pair the terminal again if the server was reinstalled",
                url,
                detail,
                self.pin.fingerprint,
            )
        self._set_online(state is LinkState.ONLINE)
        self.state_changed.emit(state.value)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)

    # ----- requests ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | list[Any] | bytes | None = None,
        *,
        content_type: str = "application/json",
        idempotency_key: str | None = None,
        timeout_ms: int = 5000,
        retries: int = 0,
        callback: Callable[[Result], None] | None = None,
    ) -> None:
        """Send one request; `callback` gets the Result on the GUI thread.

        `retries` re-sends the very same request (same Idempotency-Key) after a network error or
        timeout only — never after an HTTP answer, which the server has already acted on.
        """
        req = QNetworkRequest(QUrl(self._api + path))
        req.setRawHeader(b"Authorization", b"Bearer " + self._token)
        req.setTransferTimeout(timeout_ms)
        if self._tls is not None:
            req.setSslConfiguration(self._tls)
        data: bytes | None = None
        if isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
        if data is not None:
            req.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, content_type)
        if idempotency_key is not None:
            req.setRawHeader(b"Idempotency-Key", idempotency_key.encode())
        self._send(method.upper(), req, data, retries, 0, callback)

    def _send(
        self,
        method: str,
        req: QNetworkRequest,
        data: bytes | None,
        retries: int,
        attempt: int,
        callback: Callable[[Result], None] | None,
    ) -> None:
        verb = QByteArray(method.encode())
        if data is None:
            reply = self._nam.sendCustomRequest(req, verb)
        else:
            reply = self._nam.sendCustomRequest(req, verb, QByteArray(data))

        def finished() -> None:
            result = _result_of(reply)
            reply.deleteLater()
            if result.status == 0 and attempt < retries:
                delay = min(2000, 200 * (2**attempt))
                QTimer.singleShot(
                    delay,
                    self,
                    lambda: self._send(method, req, data, retries, attempt + 1, callback),
                )
                return
            if callback is not None:
                callback(result)

        reply.finished.connect(finished)


def _pinned_tls() -> QSslConfiguration:
    """TLS that trusts no CA at all: every certificate raises sslErrors, where the pin decides."""
    config = QSslConfiguration.defaultConfiguration()
    config.setCaCertificates([])  # also stops Qt loading the system's roots on demand
    config.setPeerVerifyMode(QSslSocket.PeerVerifyMode.VerifyPeer)
    return config


def _fingerprint(certificate: QSslCertificate) -> str:
    if certificate.isNull():
        return ""
    return bytes(certificate.digest(QCryptographicHash.Algorithm.Sha256).toHex().data()).decode()


def _result_of(reply: QNetworkReply) -> Result:
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    error = reply.error()
    if not status:
        kind_of_failure = "timeout" if error in _TIMEOUT_ERRORS else "network"
        return Result(0, None, kind_of_failure, reply.errorString())
    raw = bytes(reply.readAll().data())
    kind = str(reply.header(QNetworkRequest.KnownHeaders.ContentTypeHeader) or "")
    body: Any = raw or None
    if raw and "json" in kind:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
    code: str | None = None
    message = str(reply.attribute(QNetworkRequest.Attribute.HttpReasonPhraseAttribute) or "")
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        message = body["error"].get("message", message)
    return Result(int(status), body, code, message)
