"""The live pipeline against the running server, fed by an aiortc sender bot (no browser)."""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from rooms.measures import unknown_names
from tests.support.bot import candidate_bot, collect_observations, negotiate
from tests.support.server_process import RunningServer, room_token

# Every test here streams from bots on this host: ICE offers loopback only.
pytestmark = pytest.mark.usefixtures("loopback_ice")


async def test_bot_streams_viewer_watches_reconnect_continues_report_follows(
    server: RunningServer, bot_media: Path
) -> None:
    room = server.create_room(title="Pipeline test")
    room_id = room["id"]
    candidate, interviewer = room_token(room["candidate_url"]), room_token(room["interviewer_url"])
    offer_path = f"/api/rooms/{room_id}/offer?token={candidate}"
    live_path = f"/api/rooms/{room_id}/live?token={interviewer}"

    async with aiohttp.ClientSession(server.base_url) as http:
        async with candidate_bot(server.base_url, offer_path, bot_media):
            first = await collect_observations(http, live_path, seconds=8)

            # The interviewer's dashboard receives the candidate's video through the server.
            viewer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            viewer.addTransceiver("video", direction="recvonly")
            viewer.addTransceiver("audio", direction="recvonly")
            assert await negotiate(http, f"/api/rooms/{room_id}/view?token={interviewer}", viewer) == 200
            video = next(t.receiver.track for t in viewer.getTransceivers() if t.kind == "video")
            frame = await asyncio.wait_for(video.recv(), timeout=10)
            assert frame.width > 0
            await viewer.close()

        # The candidate's connection drops; the page (here: a new bot) reconnects to the same room.
        async with candidate_bot(server.base_url, offer_path, bot_media):
            second = await collect_observations(http, live_path, seconds=5)

    names = {o["name"] for o in first}
    assert {
        "face_present",
        "face_count",
        "eye_contact",
        "smile",
        "speaking",
        "speaking_time",
        "speech_rate",
        "video_fps",
        "lag_s",
    } <= names, sorted(names)
    # Everything the live stream carries (measures, health, status) is in the measures catalogue.
    assert not unknown_names(o["name"] for o in first + second)
    status = [o for o in first if o["type"] == "status"]
    assert {"room_status", "candidate_connected"} <= {o["name"] for o in status}
    face = [o for o in first if o["name"] == "face_present"]
    assert len(face) >= 5 * 5, "at least ~5 analyzed frames per second"
    assert any(o["value"] == 1.0 for o in face) and any(o["value"] == 0.0 for o in face)
    latencies = [o["latency_ms"] for o in first if o["type"] == "metric"]
    assert statistics.median(latencies) < 250, statistics.median(latencies)
    # Media time keeps running across the reconnect instead of restarting at zero.
    assert min(o["t"] for o in second if o["name"] == "face_present") > max(o["t"] for o in face)

    status_code, ended = server.request("POST", f"/api/rooms/{room_id}/end", token=interviewer)
    assert status_code == 200 and ended["status"] == "ended"
    report, waited = server.wait_for_report(room_id, interviewer)
    assert waited < 5.0
    for name in ("face_presence", "eye_contact", "speaking_time", "speech_rate", "smile"):
        metric = report["metrics"][name]
        assert isinstance(metric["value"], int | float), (name, metric)
        assert metric["unit"] and metric["explanation"]
    assert report["duration_s"] > 10
    assert report["analysis"]["frames_analyzed"] > 50
    # Ended rooms refuse new media.
    async with aiohttp.ClientSession(server.base_url) as http:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio", direction="sendonly")
        assert await negotiate(http, offer_path, pc) == 409
        await pc.close()


async def test_h264_candidate_is_analyzed(server: RunningServer, bot_media: Path) -> None:
    """iOS Safari and WeChat webviews send H.264: the server must take it as well as VP8."""
    room = server.create_room(title="H.264")
    offer_path = f"/api/rooms/{room['id']}/offer?token={room_token(room['candidate_url'])}"
    live_path = f"/api/rooms/{room['id']}/live?token={room_token(room['interviewer_url'])}"
    async with aiohttp.ClientSession(server.base_url) as http:
        async with candidate_bot(server.base_url, offer_path, bot_media, video_codec="video/H264") as pc:
            observations = await collect_observations(http, live_path, seconds=5)
            video = next(t for t in pc.getTransceivers() if t.kind == "video")
            assert video.sender._RTCRtpSender__encoder.__class__.__name__ == "H264Encoder"
    assert sum(1 for o in observations if o["name"] == "face_present") >= 15


async def test_question_markers_give_answer_latency(server: RunningServer, bot_media: Path) -> None:
    room = server.create_room(title="Markers")
    interviewer = room_token(room["interviewer_url"])
    offer_path = f"/api/rooms/{room['id']}/offer?token={room_token(room['candidate_url'])}"
    live_path = f"/api/rooms/{room['id']}/live?token={interviewer}"
    marks = f"/api/rooms/{room['id']}/marks"
    status, body = server.request("POST", marks, {"name": "question_end"}, token=interviewer)
    assert status == 409, body  # not live yet
    async with aiohttp.ClientSession(server.base_url) as http:
        async with candidate_bot(server.base_url, offer_path, bot_media):
            await asyncio.sleep(2)
            status, body = server.request(
                "POST", marks, {"name": "question_start", "label": "Tell me about you"}, token=interviewer
            )
            assert status == 201 and body["name"] == "question_start", body
            status, body = server.request("POST", marks, {"name": "question_end"}, token=interviewer)
            assert status == 201, body
            # The next speech onset in the fixture's loop is at most ~6 s away (3.3 s speech + 2.5 s silence).
            observations = await collect_observations(http, live_path, seconds=9)
    latencies = [o for o in observations if o["name"] == "answer_latency"]
    assert latencies, sorted({o["name"] for o in observations})
    assert 0 <= latencies[0]["value"] <= 7.0
    assert latencies[0]["detail"]["question_end"] == pytest.approx(body["t"], abs=0.01)
    status, body = server.request("POST", marks, {"name": "coffee_break"}, token=interviewer)
    assert status in (400, 409)
