"""X-Forwarded-* from a reverse proxy, believed only when the connection comes from a configured proxy address.

Anyone can send these headers; only the proxy in front of us (deploy/nginx/open-interview.conf) is allowed to
say who the client is, which scheme it used and which host it asked for. From any other peer they are ignored,
so a client that reaches the server directly cannot pretend to be someone else. (aiohttp-remotes' strict mode
refuses such peers outright, which would also lock out a local Prometheus scraping /metrics.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """`10.0.0.5`, `10.0.0.0/24`, `::1` -> networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return tuple(networks)


def _trusted(address: str | None, networks: Sequence[Network]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # a Unix socket peer, for instance
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str, networks: Sequence[Network]) -> str | None:
    """The first address, walking X-Forwarded-For from the right, that is not one of our proxies."""
    if not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def forwarded_middleware(trusted_proxies: Sequence[Network]) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not trusted_proxies or not _trusted(request.remote, trusted_proxies):
            return await handler(request)
        changes: dict[str, Any] = {}
        remote = client_address(request.remote, request.headers.get("X-Forwarded-For", ""), trusted_proxies)
        if remote and remote != request.remote:
            changes["remote"] = remote
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            changes["scheme"] = proto
        host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        if host:
            changes["host"] = host
        return await handler(request.clone(**changes) if changes else request)

    return middleware
