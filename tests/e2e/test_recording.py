"""Server-side recording: segments written as the interview runs, joined into one WebM a browser plays.

A bot candidate recorded end to end (duration, streams, Range, auth), and a server killed with SIGKILL
mid-interview that still yields a playable recording up to the kill after its restart. The segment writer and the
join on synthetic media: tests/media/test_recording_files.py.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from pathlib import Path

import av
import numpy as np
import pytest

from rooms.model import Role
from server.auth import TokenIssuer
from tests.support.bot import candidate_bot
from tests.support.media_fixtures import CAMERA_FPS, CameraClip
from tests.support.server_process import ADMIN_TOKEN, RunningServer, room_token, start_server, stop_server

# Every test here streams from bots on this host: ICE offers loopback only.
pytestmark = pytest.mark.usefixtures("loopback_ice")


def _hr_token(server: RunningServer, room_id: str) -> str:
    signing_key = (server.data_dir / "signing_key").read_text().strip()
    return TokenIssuer(signing_key, ADMIN_TOKEN, ttl_s=600).issue(room_id, Role.HR)


def _fetch(server: RunningServer, path: str, token: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        server.base_url + path, headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_for_recording(
    server: RunningServer, room_id: str, token: str, timeout_s: float = 30.0
) -> tuple[bytes, float]:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        status, headers, body = _fetch(server, f"/api/rooms/{room_id}/recording", token)
        if status == 200:
            assert headers["Content-Type"] == "video/webm"
            return body, time.monotonic() - start
        assert status in (202, 409), (status, body)
        time.sleep(0.2)
    raise AssertionError("recording not joined in time")


def _probe(data: bytes, path: Path) -> dict:
    path.write_bytes(data)
    with av.open(str(path)) as container:
        info = {
            "duration": container.duration / 1_000_000,
            "video": [s.codec_context.name for s in container.streams.video],
            "audio": [s.codec_context.name for s in container.streams.audio],
        }
        info["video_frames"] = sum(1 for _ in container.decode(video=0))  # decodes whole: it plays
    with av.open(str(path)) as container:
        info["audio_s"] = sum(f.samples for f in container.decode(audio=0)) / 48000
    return info


async def _stream(server: RunningServer, offer_path: str, media: Path, seconds: float) -> float:
    """Stream as a candidate for `seconds`; returns the wall time the bot was connected."""
    start = time.monotonic()
    async with candidate_bot(server.base_url, offer_path, media):
        await asyncio.sleep(seconds)
    return time.monotonic() - start


async def test_an_interview_is_recorded_and_served_with_range(
    server: RunningServer, bot_media: Path, camera_clip: CameraClip, tmp_path: Path
) -> None:
    room = server.create_room(title="Recorded")
    room_id, interviewer = room["id"], room_token(room["interviewer_url"])
    hr = _hr_token(server, room_id)
    offer_path = f"/api/rooms/{room_id}/offer?token={room_token(room['candidate_url'])}"
    status, _, body = _fetch(server, f"/api/rooms/{room_id}/recording", interviewer)
    assert status == 404, body  # nothing recorded yet

    async with candidate_bot(server.base_url, offer_path, bot_media):
        await asyncio.sleep(6)
        status, _, body = _fetch(server, f"/api/rooms/{room_id}/recording", interviewer)
        assert status == 409, body  # still live
        await asyncio.sleep(2)
    await asyncio.sleep(2)  # the candidate drops out; the page reconnects
    async with candidate_bot(server.base_url, offer_path, bot_media):
        await asyncio.sleep(5)
    status, ended = server.request("POST", f"/api/rooms/{room_id}/end", token=interviewer)
    assert status == 200
    data, waited = _wait_for_recording(server, room_id, hr)
    assert waited < 10

    info = _probe(data, tmp_path / "recording.webm")
    assert info["video"] == ["vp8"] and info["audio"] == ["opus"]
    # The file's clock is the interview's: from its start to the end, reconnect gap included.
    interview_s = ended["ended_at"] - ended["started_at"]
    assert info["duration"] == pytest.approx(interview_s, abs=1.0), (info, interview_s)
    assert info["audio_s"] == pytest.approx(info["duration"], abs=0.3)  # sound throughout: gaps filled
    assert info["video_frames"] >= 10 * 11  # ~13 s streamed at 10 fps, minus start-up

    # Replay stays in step with the timeline: where the recording's picture switches from the face clip to the
    # no-face clip is where analysis saw the face go (same media time), across the reconnect too.
    status, body = server.request("GET", f"/api/rooms/{room_id}/timeline", token=interviewer)
    assert status == 200
    face = sorted((o["t"], o["value"]) for o in body["observations"] if o["name"] == "face_present")
    analysed = [t for (_, before), (t, now) in zip(face, face[1:], strict=False) if before == 1.0 and now == 0.0]
    recorded = _face_clip_ends(tmp_path / "recording.webm", camera_clip)
    assert len(recorded) >= 2, recorded
    offsets = [min((a - r for a in analysed), key=abs) for r in recorded]
    print(f"face lost: recording {recorded}, timeline {analysed}, offsets {offsets}")
    assert max(abs(o) for o in offsets) <= 0.25, (recorded, analysed)

    # A player seeks with Range requests.
    status, headers, part = _fetch(server, f"/api/rooms/{room_id}/recording", hr, {"Range": "bytes=100-1099"})
    assert status == 206 and len(part) == 1000 and part == data[100:1100]
    assert headers["Content-Range"] == f"bytes 100-1099/{len(data)}"


def _thumbnail(frame: av.VideoFrame) -> np.ndarray:
    return frame.reformat(width=32, height=18, format="gray").to_ndarray().astype(np.float32)


def _face_clip_ends(recording: Path, camera: CameraClip) -> list[float]:
    """Media times where the recorded picture passes from the fixture's face clip to its no-face clip."""
    with av.open(str(camera.y4m)) as container:
        fixture = np.stack([_thumbnail(f) for f in container.decode(video=0)])
    face_frames = round(camera.face_s * CAMERA_FPS)
    shows_face: list[tuple[float, bool]] = []
    with av.open(str(recording)) as container:
        for frame in container.decode(video=0):
            thumb = _thumbnail(frame)
            if thumb.mean() < 25:
                continue  # black filler: no picture then
            nearest = int(np.argmin(((fixture - thumb) ** 2).mean(axis=(1, 2))))
            shows_face.append((float(frame.pts * frame.time_base), nearest < face_frames))
    return [t for (_, before), (t, now) in zip(shows_face, shows_face[1:], strict=False) if before and not now]


def test_recording_access_control(server: RunningServer) -> None:
    room = server.create_room(title="Access")
    path = f"/api/rooms/{room['id']}/recording"
    assert _fetch(server, path, room_token(room["candidate_url"]))[0] == 403
    assert _fetch(server, "/api/rooms/no-such-room/recording", ADMIN_TOKEN)[0] == 404
    assert _fetch(server, "/api/rooms/..%2F..%2Fetc/recording", ADMIN_TOKEN)[0] == 404
    status, _, body = _fetch(server, path, ADMIN_TOKEN)
    assert status == 404 and b"no recording" in body
    assert _fetch(server, path, "not-a-token")[0] == 401


async def test_a_killed_server_leaves_a_playable_recording_up_to_the_kill(tmp_path: Path, bot_media: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        room = server.create_room(title="Killed")
        offer_path = f"/api/rooms/{room['id']}/offer?token={room_token(room['candidate_url'])}"
        async with candidate_bot(server.base_url, offer_path, bot_media):
            await asyncio.sleep(10)
            server.process.kill()  # SIGKILL mid-interview: no shutdown code runs
            server.process.wait()
            killed_at = time.time()
    finally:
        if server.process.poll() is None:
            server.process.kill()
    server = start_server(data_dir)
    try:
        status, live = server.request("GET", f"/api/rooms/{room['id']}")
        assert live["status"] == "live"  # the candidate may still come back
        recorded_until = killed_at - live["started_at"]
        data, _ = _wait_for_recording(server, room["id"], ADMIN_TOKEN)
        info = _probe(data, tmp_path / "recording.webm")
        assert info["video"] == ["vp8"] and info["audio"] == ["opus"]
        # Up to the kill, losing at most a few seconds.
        print(f"streamed until the kill: {recorded_until:.2f} s; recording after the restart: {info['duration']:.2f} s")
        assert recorded_until - 3.0 <= info["duration"] <= recorded_until + 0.5, (info, recorded_until)
        assert info["video_frames"] >= 10 * (info["duration"] - 2)

        # The candidate comes back to the restarted server; at the end the whole interview is joined, the time
        # the server was down included (black and silence), on the same clock.
        async with candidate_bot(server.base_url, offer_path, bot_media):
            await asyncio.sleep(4)
        status, ended = server.request("POST", f"/api/rooms/{room['id']}/end")
        assert status == 200
        data, _ = _wait_for_recording(server, room["id"], ADMIN_TOKEN)
        final = _probe(data, tmp_path / "final.webm")
        assert final["duration"] == pytest.approx(ended["ended_at"] - ended["started_at"], abs=1.0), final
        assert final["audio_s"] == pytest.approx(final["duration"], abs=0.3)
        assert final["video_frames"] >= info["video_frames"] + 10 * 3
    finally:
        stop_server(server)
    assert "Traceback" not in server.log(), server.log()
