"""Where webhooks may be sent: public addresses only, unless the operator allows a network explicitly.

A webhook URL is chosen by whoever holds the admin token; without this guard it could make the server POST
to its own loopback services, the cloud metadata address (169.254.169.254) or the Redis on [::1]:6379.
The check runs on the addresses a name resolves to at connection time (a resolver wrapped around aiohttp's),
so a name that resolves to a public address at subscription and to 127.0.0.1 later is still refused.
Redirects are never followed (the dispatcher posts with allow_redirects=False), so no second target exists.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedTarget(OSError):
    """The target resolves to an address webhooks may not reach."""


class TargetPolicy:
    def __init__(self, allowed_networks: Iterable[str] = ()) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)

    def refusal(self, address: str) -> str | None:
        """Why webhooks may not reach `address` (an IP literal), or None when they may."""
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.allowed):
            return None
        if ip.is_multicast or not ip.is_global:
            return (
                f"the webhook target {ip} is not a public address (loopback, private, link-local and multicast "
                "targets need --webhook-allowed-network)"
            )
        return None

    def check_literal(self, host: str) -> str | None:
        """For a URL's host: refuse IP literals and localhost names at once (names are checked when resolved)."""
        bare = host.strip("[]")
        if bare.lower() == "localhost" or bare.lower().endswith(".localhost"):
            return self.refusal("127.0.0.1")
        try:
            ipaddress.ip_address(bare.split("%", 1)[0])
        except ValueError:
            return None
        return self.refusal(bare)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing a name if any address it resolves to is not allowed."""

    def __init__(self, policy: TargetPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            refusal = self._policy.refusal(result["host"])
            if refusal is not None:
                raise RefusedTarget(refusal)
        return results

    async def close(self) -> None:
        await self._inner.close()
