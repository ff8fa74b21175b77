"""Issue 14, finding 7: webhooks could target 127.0.0.1, 169.254.169.254 or [::1]:6379, and the first 300 bytes
of a failed answer were shown in the delivery log (an internal service read through the admin API)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.test_utils import TestClient, TestServer

from rooms.outbox import EventType
from server.keys import OUTBOX
from server.webhook_targets import GuardedResolver, RefusedTarget, TargetPolicy
from tests.api.conftest import ClientFactory, admin

INTERNAL_SECRET = "INTERNAL-SERVICE-DATA-7f3a"


@pytest.fixture
async def internal_service() -> AsyncIterator[TestServer]:
    """A loopback service answering 500 with data that must never reach the delivery log."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=500, text=INTERNAL_SECRET)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def _deliveries(client: TestClient, subscription_id: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        log = await (await client.get("/api/webhooks/deliveries", headers=admin())).json()
        mine = [d for d in log["deliveries"] if d["subscription_id"] == subscription_id and d["attempts"]]
        if mine or time.monotonic() > deadline:
            assert mine, log
            return mine[0]
        await asyncio.sleep(0.1)


async def test_internal_targets_are_refused_at_subscription(client: TestClient) -> None:
    for url in (
        "http://127.0.0.1:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:6379/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.1.2.3/hook",
        "http://224.0.0.1/",
        "http://localhost:9/x",
    ):
        response = await client.post("/api/webhooks", json={"url": url}, headers=admin())
        assert response.status == 400, url
        assert "not a public address" in (await response.json())["error"]


async def test_delivery_to_an_internal_address_is_refused_and_no_body_is_kept(
    make_client: ClientFactory, internal_service: TestServer
) -> None:
    url = f"http://127.0.0.1:{internal_service.port}/hook"
    # Without an allowed network: a subscription that slipped in (e.g. stored before this check) is refused.
    client = await make_client(webhook_retry_base_s=30.0)
    subscription = await client.app[OUTBOX].add_subscription(url, (EventType.ROOM_CREATED,))
    await client.post("/api/rooms", json={"title": "t", "candidate_name": "c"}, headers=admin())
    entry = await _deliveries(client, subscription.id)
    assert entry["attempt_log"][0]["error"].startswith("refused:"), entry
    assert entry["attempt_log"][0]["status_code"] is None
    await client.close()


async def test_allowed_network_delivers_but_never_stores_the_answer(
    make_client: ClientFactory, internal_service: TestServer
) -> None:
    client = await make_client(webhook_allowed_networks=("127.0.0.1/32",), webhook_retry_base_s=30.0)
    url = f"http://127.0.0.1:{internal_service.port}/hook"
    response = await client.post("/api/webhooks", json={"url": url, "events": ["room.created"]}, headers=admin())
    assert response.status == 201
    subscription = await response.json()
    await client.post("/api/rooms", json={"title": "t", "candidate_name": "c"}, headers=admin())
    entry = await _deliveries(client, subscription["id"])
    assert entry["attempt_log"][0]["status_code"] == 500
    assert entry["attempt_log"][0]["error"] == "HTTP 500"
    assert INTERNAL_SECRET not in str(entry)


class _FixedResolver(AbstractResolver):
    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(self, host: str, port: int = 0, family: object = None) -> list:
        return [{"hostname": host, "host": self.address, "port": port, "family": 2, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


async def test_names_are_checked_on_what_they_resolve_to() -> None:
    """DNS rebinding: a public-looking name resolving to an internal address is refused at connection time."""
    guarded = GuardedResolver(TargetPolicy(), _FixedResolver("169.254.169.254"))
    with pytest.raises(RefusedTarget):
        await guarded.resolve("hooks.example.com", 443)
    public = GuardedResolver(TargetPolicy(), _FixedResolver("93.184.216.34"))
    assert (await public.resolve("hooks.example.com", 443))[0]["host"] == "93.184.216.34"
    allowed = GuardedResolver(TargetPolicy(["10.0.0.0/8"]), _FixedResolver("10.1.2.3"))
    assert (await allowed.resolve("hr.internal", 443))[0]["host"] == "10.1.2.3"
