"""Advertise the hall over zeroconf (_hallq._tcp.local.) so terminals find it on the LAN."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import ifaddr
from zeroconf import InterfaceChoice, IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from .domain.settings import HallSettings
from .protocol import API_VERSION, SERVICE_TYPE

log = logging.getLogger("hallq.discovery")


def service_info(
    settings: HallSettings,
    port: int,
    addresses: Sequence[str],
    tls_fingerprint: str | None = None,
) -> ServiceInfo:
    """The advert; `tls` (the certificate's SHA-256) is present exactly when the server is HTTPS."""
    label = f"hallq-{settings.id}"[:63]
    properties = {"hall": settings.id, "api": API_VERSION, "name": settings.name}
    if tls_fingerprint:
        properties["tls"] = tls_fingerprint
    return ServiceInfo(
        SERVICE_TYPE,
        f"{label}.{SERVICE_TYPE}",
        port=port,
        properties=properties,
        server=f"{label}.local.",
        parsed_addresses=list(addresses),
    )


class Advert:
    """The zeroconf advert; interfaces are explicit addresses (tests: 127.0.0.1 only)."""

    def __init__(
        self,
        settings: HallSettings,
        port: int,
        interfaces: Sequence[str] | None,
        *,
        tls_fingerprint: str | None = None,
    ) -> None:
        self.settings = settings
        self.port = port
        self.tls_fingerprint = tls_fingerprint
        self.interfaces = list(interfaces) if interfaces else None
        self.zc: AsyncZeroconf | None = None
        self.info: ServiceInfo | None = None

    async def start(self) -> None:
        choice = self.interfaces if self.interfaces else InterfaceChoice.All
        self.zc = AsyncZeroconf(interfaces=choice, ip_version=IPVersion.V4Only)
        addresses = self.interfaces or _lan_addresses()
        self.info = service_info(self.settings, self.port, addresses, self.tls_fingerprint)
        await self.zc.async_register_service(self.info, allow_name_change=True)
        log.info("advertised %s on %s", self.info.name, ", ".join(addresses))

    async def stop(self) -> None:
        if self.zc is not None:
            if self.info is not None:
                await self.zc.async_unregister_service(self.info)
            await self.zc.async_close()


def _lan_addresses() -> list[str]:
    """Every IPv4 address of this machine but loopback, as the advert's A records."""
    found = [
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str) and not ip.ip.startswith("127.")
    ]
    return found or ["127.0.0.1"]
