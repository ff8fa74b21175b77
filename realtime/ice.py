"""ICE configuration: which STUN/TURN servers to use and which local addresses to offer.

aiortc falls back to a public Google STUN server when given no ICE servers, and aioice offers every
non-loopback interface as a host candidate. A private deployment wants neither by default: we always pass an
explicit (possibly empty) server list, and `--ice-host` narrows the host candidates, loopback included (tests
run in a network namespace that has nothing else).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

from realtime.turn import IceServer, TurnCredentials


@dataclass(frozen=True, slots=True)
class IceServers:
    """Where every peer of a session (the server's aiortc, the candidate's and interviewers' browsers) gets its
    ICE servers: the configured STUN URLs, plus TURN servers with credentials minted for that session."""

    urls: tuple[str, ...] = ()  # without credentials (settings refuse a static password)
    turn: TurnCredentials | None = None

    def for_session(self, session: str) -> list[IceServer]:
        servers = [IceServer(url) for url in self.urls]
        if self.turn is not None:
            servers.extend(self.turn.servers(session))
        return servers

    def rtc_configuration(self, session: str) -> RTCConfiguration:
        servers = self.for_session(session)
        return RTCConfiguration(
            iceServers=[RTCIceServer(s.urls, username=s.username, credential=s.credential) for s in servers]
        )

    def browser(self, session: str) -> list[dict[str, str]]:
        return [server.to_browser() for server in self.for_session(session)]


def validate_host_addresses(addresses: Sequence[str]) -> tuple[str, ...]:
    for address in addresses:
        ipaddress.ip_address(address)  # raises ValueError with the offending text
    return tuple(addresses)


@contextmanager
def restricted_host_addresses(addresses: Sequence[str]) -> Iterator[None]:
    """Offer only `addresses` as ICE host candidates while the context is open.

    aioice has no per-connection option for this: every Connection asks the module function
    `aioice.ice.get_host_addresses`, so we swap that function for the process's lifetime (one server per
    process) and put the original back on exit.
    """
    if not addresses:
        yield
        return
    allowed = validate_host_addresses(addresses)

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [
            a
            for a in allowed
            if (use_ipv4 and ipaddress.ip_address(a).version == 4)
            or (use_ipv6 and ipaddress.ip_address(a).version == 6)
        ]

    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = host_addresses
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original
