"""Find the hall server on the LAN: browse `_hallq._tcp.local.` and match the TXT key `hall`.

Blocking (zeroconf needs ~1 s to browse and resolve): call it through `run_in_thread`.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Sequence
from dataclasses import dataclass

from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, ServiceListener, Zeroconf

from hallserver.protocol import SERVICE_TYPE

log = logging.getLogger("hallq.discovery")


@dataclass(frozen=True)
class HallAddress:
    """A hall server found on the LAN."""

    url: str  # https://HOST:PORT (http:// when the server runs --no-tls)
    hall_id: str
    name: str
    tls_fingerprint: str = ""  # the certificate's SHA-256 the advert names ("" without TLS)


class _Names(ServiceListener):
    """Collects advertised service names; resolving happens in the browsing thread."""

    def __init__(self) -> None:
        self.found: queue.Queue[str] = queue.Queue()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.found.put(name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.found.put(name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value else ""


def discover_hall(
    hall_id: str | None,
    *,
    timeout_s: float = 5.0,
    interfaces: Sequence[str] | None = None,
) -> HallAddress | None:
    """The first advertised hall whose id is `hall_id` (any hall when None), or None on timeout.

    `interfaces` restricts mDNS to these addresses (tests: ["127.0.0.1"]); default: all.
    """
    choice: list[str] | InterfaceChoice = list(interfaces) if interfaces else InterfaceChoice.All
    zc = Zeroconf(interfaces=choice, ip_version=IPVersion.V4Only)
    names = _Names()
    browser = ServiceBrowser(zc, SERVICE_TYPE, listener=names)
    deadline = time.monotonic() + timeout_s
    try:
        while (left := deadline - time.monotonic()) > 0:
            try:
                name = names.found.get(timeout=left)
            except queue.Empty:
                break
            info = zc.get_service_info(SERVICE_TYPE, name, timeout=int(min(left, 3.0) * 1000))
            if info is None or info.port is None:
                continue
            props = info.properties
            found_id = _text(props.get(b"hall"))
            if hall_id is not None and found_id != hall_id:
                log.info("ignoring hall %r (looking for %r)", found_id, hall_id)
                continue
            addresses = info.parsed_addresses(IPVersion.V4Only)
            if not addresses:
                continue
            fingerprint = _text(props.get(b"tls"))
            scheme = "https" if fingerprint else "http"
            return HallAddress(
                f"{scheme}://{addresses[0]}:{info.port}",
                found_id,
                _text(props.get(b"name")),
                fingerprint,
            )
        return None
    finally:
        browser.cancel()
        zc.close()
