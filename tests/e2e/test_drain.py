"""Graceful shutdown: on SIGTERM the node stops admitting new interviews (503, /readyz not ready), lets the
live one go on to its end, then exits by itself with everything saved."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from tests.support.bot import candidate_bot, negotiate
from tests.support.server_process import RunningServer, room_token, start_server, stop_server


async def _get(server: RunningServer, path: str) -> tuple[int, dict]:
    return await asyncio.to_thread(server.request, "GET", path, None, None)


async def _observations(server: RunningServer, room_id: str) -> int:
    status, body = await asyncio.to_thread(server.request, "GET", f"/api/rooms/{room_id}/timeline")
    assert status == 200, body
    return len(body["observations"])


@pytest.mark.usefixtures("loopback_ice")
async def test_sigterm_drains_live_interviews_then_exits(tmp_path: Path, bot_media: Path) -> None:
    server = start_server(tmp_path / "data", "--drain-timeout", "120", "--no-transcript")
    try:
        live, later = server.create_room(title="Live at shutdown"), server.create_room(title="Arrives during drain")
        offer = f"/api/rooms/{live['id']}/offer?token={room_token(live['candidate_url'])}"
        async with candidate_bot(server.base_url, offer, bot_media) as pc:
            await asyncio.sleep(4)
            before = await _observations(server, live["id"])
            server.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.0)

            assert server.process.poll() is None, "exited with an interview still live"
            status, ready = await _get(server, "/readyz")
            assert status == 503 and ready["checks"]["admitting"] == "no (draining)", ready
            assert (await _get(server, "/healthz"))[0] == 200
            # A new candidate is turned away with a Retry-After (a balancer sends it to another node) ...
            newcomer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            newcomer.addTransceiver("video", direction="sendonly")
            async with aiohttp.ClientSession(server.base_url) as http:
                path = f"/api/rooms/{later['id']}/offer?token={room_token(later['candidate_url'])}"
                assert await negotiate(http, path, newcomer) == 503
            await newcomer.close()
            # ... while the live interview keeps being analyzed.
            await asyncio.sleep(3)
            after = await _observations(server, live["id"])
            assert after > before, (before, after)
            assert pc.connectionState == "connected"

            status, _ = await asyncio.to_thread(server.request, "POST", f"/api/rooms/{live['id']}/end")
            assert status == 200
            ended_at = time.monotonic()
            exit_code = await asyncio.to_thread(server.process.wait, 30)
        drained_in = time.monotonic() - ended_at
    finally:
        if server.process.poll() is None:
            stop_server(server)
    assert exit_code == 0, server.log()
    assert "drained: no live interviews" in server.log()
    assert "Traceback" not in server.log(), server.log()
    print(f"exited {drained_in:.1f} s after the last interview ended")

    # Everything the drained interview produced was saved.
    again = start_server(tmp_path / "data", "--no-transcript")
    try:
        report, _ = again.wait_for_report(live["id"], token=room_token(live["interviewer_url"]))
        assert report["analysis"]["frames_analyzed"] > 0, report["analysis"]
    finally:
        stop_server(again)
