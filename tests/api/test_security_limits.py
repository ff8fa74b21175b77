"""Issue 14, findings 1, 5, 8, 9, 10 and the access log of 4: each test failed on the code before the fix."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request

from server.access_log import RedactedAccessLogger
from server.app import create_app
from server.auth import TokenIssuer
from server.cluster import FORWARD_PROOF_HEADER, FORWARDED_HEADER, forwarded_by_peer
from server.keys import TOKENS
from server.report_pdf_cache import ReportPdfs
from server.security_headers import security_headers
from tests.api.conftest import admin, api_settings, no_models
from tests.support.auth import ADMIN_TOKEN


async def _room(client: TestClient) -> dict:
    response = await client.post("/api/rooms", json={"title": "Engineer", "candidate_name": "Ada"}, headers=admin())
    assert response.status == 201
    return await response.json()


def _token(url: str) -> str:
    return url.split("token=", 1)[1]


def _offer(audio: int = 1, video: int = 1, padding: int = 0) -> str:
    lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    for kind, count in (("audio", audio), ("video", video)):
        for _ in range(count):
            lines += [f"m={kind} 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=recvonly"]
    lines += ["a=x-padding:" + "p" * 1000] * padding
    return "\r\n".join(lines) + "\r\n"


# Finding 9: 100,000 "[" made json.loads raise RecursionError, a 500.
async def test_deeply_nested_json_is_a_400_not_a_500(client: TestClient) -> None:
    for body in (b"[" * 100_000, b'{"title": ' + b"[" * 40 + b"]" * 40 + b', "candidate_name": "x"}'):
        response = await client.post("/api/rooms", data=body, headers=admin())
        assert response.status == 400
        assert "nested" in (await response.json())["error"]


# Finding 1: three video sections were accepted (each decoded and queued without bound); a 250 KB offer with
# 780 audio sections took 0.87 s of event-loop time.
async def test_offers_with_extra_tracks_or_oversized_are_refused_before_parsing(client: TestClient) -> None:
    room = await _room(client)
    candidate = _token(room["candidate_url"])
    offer_url = f"/api/rooms/{room['id']}/offer"
    for sdp, expected in ((_offer(video=3), "3 video sections"), (_offer(audio=780), "780 audio sections")):
        started = time.perf_counter()
        response = await client.post(offer_url, json={"type": "offer", "sdp": sdp}, headers=admin(candidate))
        assert response.status == 400
        assert expected in (await response.json())["error"]
        assert time.perf_counter() - started < 0.2
    response = await client.post(offer_url, json={"type": "offer", "sdp": _offer(padding=70)}, headers=admin(candidate))
    assert response.status in (400, 413)  # over 64 KiB of SDP, or over the body limit
    # Nothing was started by a refused offer.
    status = await (await client.get(f"/api/rooms/{room['id']}", headers=admin(candidate))).json()
    assert status["status"] == "waiting"


async def test_offers_per_room_are_rate_limited(client: TestClient) -> None:
    room = await _room(client)
    candidate = _token(room["candidate_url"])
    statuses = []
    for _ in range(14):
        # A well-shaped offer aiortc cannot use: each one still costs a peer connection, so each one counts.
        response = await client.post(
            f"/api/rooms/{room['id']}/offer", json={"type": "offer", "sdp": _offer()}, headers=admin(candidate)
        )
        statuses.append(response.status)
        assert "error" in await response.json()
    assert statuses[:12] == [400] * 12
    assert statuses[12:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0


async def test_pdf_rendering_is_serialized_and_cached_per_report_version() -> None:
    pdfs = ReportPdfs(concurrency=1)
    running = peak = renders = 0

    def render() -> bytes:
        nonlocal running, peak, renders
        running += 1
        renders += 1
        peak = max(peak, running)
        time.sleep(0.05)
        running -= 1
        return b"%PDF"

    report_a, report_b = {"scores": 1}, {"scores": 2}
    results = await asyncio.gather(
        *(pdfs.get("room", report_a, render) for _ in range(4)), pdfs.get("other", report_b, render)
    )
    assert peak == 1 and renders == 2
    assert sum(cached for _, cached in results) == 3
    _, cached = await pdfs.get("room", {"scores": 1, "decision": "advance"}, render)  # a new version renders
    assert not cached and renders == 3


# Finding 5: no CSP, no frame-ancestors / X-Frame-Options, no nosniff, no no-store.
async def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    room = await _room(client)
    for path in ("/", f"/rooms/{room['id']}/dashboard?token={_token(room['interviewer_url'])}", "/api/rooms"):
        response = await client.get(path, headers=admin())
        assert response.status == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    static = await client.get("/static/css/app.css")
    assert static.status == 200 and "no-store" not in static.headers.get("Cache-Control", "")


async def test_hsts_only_over_tls() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    request = make_mocked_request("GET", "/").clone(scheme="https")
    response = await security_headers(request, handler)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_scripts_styles_or_handlers() -> None:
    """The CSP forbids inline code: every template must load scripts and styles from /static."""
    import re

    templates = Path(__file__).resolve().parents[2] / "web" / "templates"
    for path in templates.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*(\bsrc=|application/json))[^>]*>", text), path.name
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", text), path.name


# Finding 8: a 16-character admin token was accepted; 25 wrong guesses got 25 plain 401s.
def test_short_admin_token_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="at least 32"):
        create_app(api_settings(tmp_path, admin_token="secrettoken"), no_models)


async def test_repeated_authentication_failures_are_throttled(client: TestClient) -> None:
    statuses = []
    for attempt in range(12):
        response = await client.get("/api/rooms", headers=admin(f"guess-{attempt}"))
        statuses.append(response.status)
        assert "error" in await response.json()
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0
    # Even the right token waits out the block: guessing cannot learn anything meanwhile.
    assert (await client.get("/api/rooms", headers=admin(ADMIN_TOKEN))).status == 429


# Finding 10: a client could send X-Interview-Forwarded-By itself to skip the cluster's routing.
def test_forwarded_header_needs_the_clusters_proof() -> None:
    tokens = TokenIssuer("cluster-signing-key", ADMIN_TOKEN, 60)
    app = web.Application()
    app[TOKENS] = tokens

    def request(headers: dict[str, str]) -> web.Request:
        return make_mocked_request("POST", "/api/rooms/r/offer", headers=headers, app=app)

    assert not forwarded_by_peer(request({FORWARDED_HEADER: "node-b"}))
    assert not forwarded_by_peer(request({FORWARDED_HEADER: "node-b", FORWARD_PROOF_HEADER: "0" * 64}))
    other = TokenIssuer("another-key", ADMIN_TOKEN, 60).peer_proof("node-b")
    assert not forwarded_by_peer(request({FORWARDED_HEADER: "node-b", FORWARD_PROOF_HEADER: other}))
    proof = tokens.peer_proof("node-b")
    assert forwarded_by_peer(request({FORWARDED_HEADER: "node-b", FORWARD_PROOF_HEADER: proof}))


# Finding 4 (logging): every token was written whole to the access log.
def test_access_log_never_holds_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.access")
    request = make_mocked_request("GET", "/rooms/r/dashboard?token=secret.jwt.value", headers={"Referer": "x?token=t"})
    with caplog.at_level(logging.INFO, logger="test.access"):
        RedactedAccessLogger(logger, "").log(request, web.Response(status=200), 0.01)
    line = caplog.records[0].getMessage()
    assert "/rooms/r/dashboard?[redacted]" in line
    assert "secret" not in line and "token" not in line


# Finding 10: /metrics listed live room ids to anyone.
async def test_metrics_need_a_token(make_client) -> None:
    client = await make_client(metrics_token="scraper-token-0123456789")
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers=admin("wrong"))).status == 401
    for token in ("scraper-token-0123456789", ADMIN_TOKEN):
        response = await client.get("/metrics", headers=admin(token))
        assert response.status == 200 and "interview_active" in await response.text()
