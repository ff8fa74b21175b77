"""HTTPS as an operator deploys it: deploy/nginx/open-interview.conf (ports and paths substituted) in front of
the server, a local CA that a real Chromium trusts, and a candidate who joins over https:// and wss://.
Also: the server serving HTTPS itself (--tls-cert/--tls-key), and JSON logs free of tokens and names."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium, join_interview
from tests.support.local_ca import LocalCA, make_local_ca
from tests.support.media_fixtures import CameraClip, SpeechClip
from tests.support.nginx_proxy import nginx_proxy
from tests.support.server_process import ADMIN_TOKEN, ROOT, free_port, room_token, start_server, stop_server

pytestmark = pytest.mark.browser
HOST = "interview.example.com"
CANDIDATE = "Grace Hopper"


def _tls_client(ca: LocalCA) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca.ca_cert))


async def test_candidate_joins_over_https_through_the_documented_nginx(
    tmp_path: Path, camera_clip: CameraClip, speech_clip: SpeechClip
) -> None:
    ca = make_local_ca(tmp_path / "ca", HOST)
    server = start_server(tmp_path / "data", "--trusted-proxy", "127.0.0.1", "--log-format", "json")
    try:
        port = int(server.base_url.rsplit(":", 1)[1])
        with nginx_proxy(port, ca.server_cert, ca.server_key, tmp_path / "nginx") as proxy:
            origin = f"https://{HOST}:{proxy.https_port}"
            tls = _tls_client(ca)
            connector = aiohttp.TCPConnector(ssl=tls, resolver=_LoopbackResolver())
            async with aiohttp.ClientSession(origin, connector=connector) as http:
                headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
                async with http.post(
                    "/api/rooms", json={"title": "HTTPS", "candidate_name": CANDIDATE}, headers=headers
                ) as response:
                    assert response.status == 201
                    room = await response.json()
                    # The proxy's headers: HSTS on every answer, and its request id passed to the server and back.
                    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
                    assert len(response.headers["X-Request-Id"]) == 32
                async with http.get("/readyz") as response:
                    assert response.status == 200 and (await response.json())["ready"] is True
                async with http.get("/metrics") as response:
                    assert response.status == 404  # for Prometheus on the private network, not the public

                home = tmp_path / "home"
                ca.trust_in_nss(home)
                flags = [f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
                env = {**os.environ, "HOME": str(home)}
                interviewer = room_token(room["interviewer_url"])
                with chromium(camera_clip.y4m, speech_clip.wav, extra_flags=flags, env=env) as driver:
                    started = time.monotonic()
                    await asyncio.to_thread(driver.get, origin + room["candidate_url"])
                    # A trusted certificate: the page is a secure context, so the camera may be used.
                    assert driver.execute_script("return window.isSecureContext && location.protocol") == "https:"
                    async with http.ws_connect(f"/api/rooms/{room['id']}/live?token={interviewer}") as ws:
                        await asyncio.to_thread(join_interview, driver)
                        await asyncio.to_thread(
                            WebDriverWait(driver, 30).until,
                            lambda d: (
                                d.execute_script("return window.__interview && window.__interview.state") == "connected"
                            ),
                        )
                        connect_s = time.monotonic() - started
                        seen = await _observations_until(ws, {"face_present", "speaking"}, timeout_s=30)
                    assert {"face_present", "speaking"} <= seen, seen
                async with http.post(f"/api/rooms/{room['id']}/end", headers=headers) as response:
                    assert response.status == 200
                report = await _report(http, room["id"], headers)
                assert report["metrics"]["face_presence"]["value"] > 0.5

            # Plain HTTP is sent to HTTPS.
            request = urllib.request.Request(f"http://127.0.0.1:{proxy.http_port}/rooms/x", headers={"Host": HOST})
            opener = urllib.request.build_opener(_NoRedirect())
            try:
                opener.open(request, timeout=5)
                raise AssertionError("no redirect")
            except urllib.error.HTTPError as redirect:
                assert redirect.code == 301 and redirect.headers["Location"] == f"https://{HOST}/rooms/x"
            access_log = proxy.access_log.read_text()
    finally:
        stop_server(server)

    print(f"https candidate connected {connect_s:.1f} s after opening the link")
    # The proxy's log and the server's: no token, no admin token, no candidate name, every server line JSON.
    assert "/join" in access_log and "token" not in access_log
    lines = [line for line in server.log().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "aiohttp.access"]
    assert any(r["path"] == f"/rooms/{room['id']}/join" and len(r["request_id"]) == 32 for r in access), access
    text = server.log()
    assert ADMIN_TOKEN not in text and room_token(room["candidate_url"]) not in text and CANDIDATE not in text


async def test_server_serves_https_itself_with_tls_cert_and_key(tmp_path: Path) -> None:
    ca = make_local_ca(tmp_path / "ca", HOST)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "--port", str(port), "--data-dir", str(tmp_path / "data"),
         "--tls-cert", str(ca.server_cert), "--tls-key", str(ca.server_key), "--no-transcript", "--no-recording"],
        cwd=ROOT, env={**os.environ, "INTERVIEW_ADMIN_TOKEN": ADMIN_TOKEN}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls_client(ca))) as http:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (tmp_path / "server.log").read_text()
                try:
                    async with http.get(f"https://127.0.0.1:{port}/readyz") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, "no HTTPS server"
                    await asyncio.sleep(0.3)
            # Plain HTTP on the TLS port gets nowhere.
            with pytest.raises(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    await response.read()
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0


def test_half_a_tls_configuration_is_refused(tmp_path: Path) -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--tls-cert", str(tmp_path / "cert.pem")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 2 and "tls_key" in check.stderr, check.stderr
    config = tmp_path / "server.toml"
    config.write_text('tls_cert = "/etc/ssl/interview.pem"\n')
    check = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "check-config", "--config", str(config)], capture_output=True, text=True
    )
    assert check.returncode != 0 and "tls_key" in check.stdout, check.stdout


class _LoopbackResolver(aiohttp.abc.AbstractResolver):
    """The test's DNS: the public host name resolves to loopback (the proxy), nothing else resolves."""

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[dict]:
        assert host in (HOST, "127.0.0.1"), host
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": 2, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


async def _observations_until(ws: aiohttp.ClientWebSocketResponse, names: set[str], timeout_s: float) -> set[str]:
    seen: set[str] = set()
    try:
        async with asyncio.timeout(timeout_s):
            async for message in ws:
                observation = message.json()
                if observation.get("value") == 1.0:
                    seen.add(observation["name"])
                if names <= seen:
                    break
    except TimeoutError:
        pass
    return seen


async def _report(http: aiohttp.ClientSession, room_id: str, headers: dict[str, str]) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        async with http.get(f"/api/rooms/{room_id}/report", headers=headers) as response:
            if response.status == 200:
                return await response.json()
        await asyncio.sleep(0.2)
    raise AssertionError("no report")
