"""/metrics shows each live interview's lanes (latency, lag) from the health its analysis reported, and counts the
dashboards' delivery latency per lane: an operator sees which lane of which room falls behind."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiohttp.test_utils import TestClient
from aiortc import AudioStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from prometheus_client.parser import text_string_to_metric_families

from realtime.ice import restricted_host_addresses
from rooms.measures import NODE_CPU_PCT
from tests.support.app import build_app
from tests.support.auth import ADMIN_TOKEN, room_token

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = await (await client.get("/metrics", headers=AUTH)).text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_show_each_lane_of_a_live_interview(aiohttp_client, tmp_path: Path) -> None:
    client: TestClient = await aiohttp_client(build_app(tmp_path / "data"))
    room = await (await client.post("/api/rooms", json={"title": "T", "candidate_name": "C"}, headers=AUTH)).json()
    rid = room["id"]
    offer_url = f"/api/rooms/{rid}/offer?token={room_token(room['candidate_url'])}"

    with restricted_host_addresses(["127.0.0.1"]):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(VideoStreamTrack())  # aiortc's own test pattern and silence, encoded VP8 and Opus
        pc.addTrack(AudioStreamTrack())
        try:
            await pc.setLocalDescription(await pc.createOffer())
            body = {"sdp": pc.localDescription.sdp, "type": "offer"}
            answer = await (await client.post(offer_url, json=body)).json()
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
            # A dashboard watches, so measures are delivered (and their latency counted per lane).
            received = []
            async with client.ws_connect(f"/api/rooms/{rid}/live?token={ADMIN_TOKEN}") as ws:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    try:
                        message = await ws.receive_json(timeout=1)
                    except TimeoutError:
                        continue
                    received.append((time.time(), message))
                    names = {m["name"] for _, m in received}
                    if {"voice_lag_s", "lag_s", NODE_CPU_PCT} <= names:
                        break
                samples = await _samples(client)
        finally:
            await pc.close()

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted({"room": rid, **labels}.items())))]

    for lane in ("video", "voice"):
        assert 0 <= value("interview_lane_lag_seconds", lane=lane) < 5
        assert 0 <= value("interview_lane_latency_seconds", lane=lane) < 5
        sent = samples[("interview_observation_latency_seconds_count", (("lane", lane),))]
        assert sent > 0, lane
    # The fakes run no speech recognition: no transcript lane, and its histogram series is there, empty.
    assert ("interview_lane_lag_seconds", (("lane", "deferred"), ("room", rid))) not in samples
    assert samples[("interview_observation_latency_seconds_count", (("lane", "deferred"),))] == 0
    assert value("interview_frames_analyzed_total") > 0 and value("interview_frames_received_total") > 0
    assert value("interview_analyzed_fps") >= 0 and 0 <= value("interview_health_age_seconds") < 3

    # The node's health reaches the dashboard on the room's media time: seconds since the room started.
    started_at = (await (await client.get(f"/api/rooms/{rid}", headers=AUTH)).json())["started_at"]
    node = [(at, m) for at, m in received if m["name"] == NODE_CPU_PCT]
    assert node and abs(node[-1][1]["t"] - (node[-1][0] - started_at)) < 1.0

    # Once the interview ends, its rows go.
    assert (await client.post(f"/api/rooms/{rid}/end", headers=AUTH)).status == 200
    await asyncio.sleep(0)
    after = await _samples(client)
    assert not any(dict(labels).get("room") == rid for _, labels in after)
