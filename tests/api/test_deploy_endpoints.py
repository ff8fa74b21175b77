"""Operator endpoints and plumbing, with the app built in process (a real engine without models):
/readyz, drain refusing new interviews, request ids, X-Forwarded-* trusted only from the configured proxy,
and TURN credentials minted per session into the candidate page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiortc import RTCPeerConnection

from server.forwarded import forwarded_middleware, parse_networks
from server.keys import INTERVIEWS
from tests.api.conftest import admin

AUTH = admin()


@pytest.fixture
async def client(make_client, tmp_path: Path) -> TestClient:
    secret = tmp_path / "turn_secret"
    secret.write_text("north-wind-shared-secret\n")
    return await make_client(
        turn_urls=("turn:turn.example.org:3478", "turn:turn.example.org:3478?transport=tcp"),
        turn_secret_file=secret,
        turn_credential_ttl_s=3600,
    )


async def test_readyz_says_ready_then_draining_turns_new_candidates_away(client: TestClient) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "ready": True,
        "checks": {"models": "loaded", "store": "reachable", "admitting": "yes"},
    }
    created = await client.post("/api/rooms", json={"title": "T", "candidate_name": "C"}, headers=AUTH)
    room = await created.json()

    client.app[INTERVIEWS].drain()
    response = await client.get("/readyz")
    assert response.status == 503 and (await response.json())["checks"]["admitting"] == "no (draining)"
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="sendonly")
    pc.addTransceiver("audio", direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    offer = await client.post(f"/api/rooms/{room['id']}/offer", json={"type": "offer", "sdp": sdp}, headers=AUTH)
    body = await offer.json()
    assert offer.status == 503 and "shutting down" in body["error"] and offer.headers["Retry-After"]
    assert (await client.get("/healthz")).status == 200  # alive all the same


async def test_request_ids_are_made_or_adopted_and_echoed(client: TestClient) -> None:
    made = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["X-Request-Id"])
    adopted = await client.get("/healthz", headers={"X-Request-Id": "edge-4f2a"})
    assert adopted.headers["X-Request-Id"] == "edge-4f2a"
    # Anything that could smuggle text into a log line is replaced.
    odd = await client.get("/healthz", headers={"X-Request-Id": "a b\tc" + "x" * 80})
    assert re.fullmatch(r"[0-9a-f]{16}", odd.headers["X-Request-Id"])
    missing = await client.get("/api/rooms/nope", headers=AUTH)
    assert missing.status == 404 and missing.headers["X-Request-Id"]


async def test_candidate_page_carries_per_session_turn_credentials(client: TestClient) -> None:
    created = await client.post("/api/rooms", json={"title": "T", "candidate_name": "C"}, headers=AUTH)
    room = await created.json()
    page = await (await client.get(room["candidate_url"])).text()
    config = json.loads(re.search(r'<script[^>]*id="page-config"[^>]*>(.*?)</script>', page, re.S).group(1))
    servers = config["iceServers"]
    assert [s["urls"] for s in servers] == ["turn:turn.example.org:3478", "turn:turn.example.org:3478?transport=tcp"]
    username = servers[0]["username"]
    expiry, session = username.split(":", 1)
    assert session == room["id"] and 3500 < int(expiry) - time.time() <= 3600
    expected = base64.b64encode(hmac.new(b"north-wind-shared-secret", username.encode(), hashlib.sha1).digest())
    assert servers[0]["credential"] == expected.decode()
    assert "north-wind-shared-secret" not in page  # the secret itself never leaves the server


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [(["127.0.0.1"], ("203.0.113.7", "https", "interview.example.com")), ([], ("127.0.0.1", "http", None))],
    ids=["from-the-proxy", "from-anyone-else"],
)
async def test_forwarded_headers_are_believed_only_from_trusted_proxies(aiohttp_client, trusted, expected) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response([request.remote, request.scheme, request.host])

    app = web.Application(middlewares=[forwarded_middleware(parse_networks(trusted))])
    app.router.add_get("/", echo)
    client = await aiohttp_client(app)
    headers = {
        "X-Forwarded-For": "198.51.100.9, 203.0.113.7",  # the first hop was written by the client itself
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "interview.example.com",
    }
    remote, scheme, host = await (await client.get("/", headers=headers)).json()
    assert remote == expected[0] and scheme == expected[1]
    assert host == (expected[2] or host)
