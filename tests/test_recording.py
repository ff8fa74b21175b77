"""Server-side recording: segments written as the interview runs, joined into one WebM a browser plays.

Pure part: the segment writer and the join on synthetic media (timestamps, gaps, a segment torn by SIGKILL).
Server part: a bot candidate recorded end to end (duration, streams, Range, auth), and a server killed with
SIGKILL mid-interview that still yields a playable recording up to the kill after its restart.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from realtime.recording_files import RoomMedia
from realtime.recording_join import join_segments
from realtime.recording_segments import RecordingConfig, SegmentWriter
from rooms.model import Role
from server.auth import TokenIssuer
from tests.bot import candidate_bot
from tests.conftest import ADMIN_TOKEN, ROOT, RunningServer, room_token, start_server, stop_server
from tests.media_fixtures import CAMERA_FPS, CameraClip

# Every test here streams from bots on this host: ICE offers loopback only.
pytestmark = pytest.mark.usefixtures("loopback_ice")

# --- pure: writer and join ------------------------------------------------------------------------------------


def _video_frame(t: float) -> av.VideoFrame:
    """640x480, mid-grey with a bright square that moves with time."""
    planes = np.full((720, 640), 128, dtype=np.uint8)
    planes[:480] = 90
    x = int(t * 50) % 560
    planes[200:280, x : x + 80] = 235
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


def _audio_frame(t: float, tone: bool) -> av.AudioFrame:
    """20 ms of 48 kHz stereo s16 (what aiortc's Opus decoder gives): a 440 Hz tone or silence."""
    n = np.arange(960)
    mono = (8000 * np.sin(2 * np.pi * 440 * (t + n / 48000))).astype(np.int16) if tone else np.zeros(960, np.int16)
    frame = av.AudioFrame.from_ndarray(np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo")
    frame.sample_rate = 48000
    frame.pts = 0  # the writer must take time from `t`, never from a shared frame's own stamps
    frame.time_base = Fraction(1, 48000)
    return frame


def _feed(writer: SegmentWriter, start: float, end: float, tones: list[tuple[float, float]]) -> None:
    """Video at 10 fps and audio every 20 ms over [start, end), interleaved as they would arrive."""
    audio_t, video_t = start + 0.02, start
    while audio_t < end or video_t < end:
        if video_t <= audio_t and video_t < end:
            writer.write("video", _video_frame(video_t), video_t)
            video_t += 0.1
        else:
            writer.write("audio", _audio_frame(audio_t, any(a <= audio_t < b for a, b in tones)), audio_t)
            audio_t += 0.02


def _decoded_audio(path: Path) -> tuple[np.ndarray, float]:
    """Mono samples of the whole file at 48 kHz, and the time of the first one."""
    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    first = float(frames[0].pts * frames[0].time_base)
    pcm = np.concatenate([f.to_ndarray()[0] for f in frames]).astype(np.float64)  # first channel
    if frames[0].format.name.startswith("flt"):  # Opus decodes to float in [-1, 1]
        pcm *= 32768
    return pcm, first


def _tone_onsets(pcm: np.ndarray, first: float, rate: int = 48000) -> list[float]:
    window = rate // 100  # 10 ms
    rms = np.sqrt(np.mean(pcm[: len(pcm) // window * window].reshape(-1, window) ** 2, axis=1))
    loud = rms > 1000
    return [first + i / 100 for i in range(1, len(loud)) if loud[i] and not loud[i - 1]]


def test_segments_join_on_media_time_with_gaps_filled(tmp_path: Path) -> None:
    media = RoomMedia(tmp_path, "room1")
    writer = SegmentWriter(media, RecordingConfig(segment_s=2.0))
    _feed(writer, 0.5, 6.0, tones=[(2.0, 3.0)])
    writer.split("video"), writer.split("audio")  # the candidate reconnects: 3 s with nothing
    _feed(writer, 9.0, 12.0, tones=[(10.0, 11.0)])
    writer.close()
    segments = media.segments()
    assert {s.kind for s in segments} == {"video", "audio"}
    assert len([s for s in segments if s.kind == "video"]) >= 5  # 2 s segments, split at the reconnect
    assert not list(media.segments_dir.glob("*.part"))

    result = join_segments(media)
    assert result is not None and result.dropped_packets == 0
    assert result.duration_s == pytest.approx(12.0, abs=0.1)
    # The sound that was never sent (before 0.5 s and across the reconnect) is there as silence.
    assert result.silence_filled_s == pytest.approx(0.52 + 3.0, abs=0.1)

    with av.open(str(media.recording)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("vp8", "opus")
        assert (video.codec_context.width, video.codec_context.height) == (480, 360)
        assert float(container.duration / 1_000_000) == pytest.approx(12.0, abs=0.15)
        frames = [(float(f.pts * f.time_base), f.to_ndarray()[:360]) for f in container.decode(video=0)]
    times = [t for t, _ in frames]
    assert times[0] == 0.0 and frames[0][1].mean() < 30  # black until the first picture
    assert times[1] == pytest.approx(0.5, abs=0.002)
    gap_black = [t for t, image in frames if 6.0 < t < 9.0]
    assert len(gap_black) == 1 and frames[times.index(gap_black[0])][1].mean() < 30  # black across the gap
    assert min(t for t in times if t >= 9.0) == pytest.approx(9.0, abs=0.002)

    pcm, first = _decoded_audio(media.recording)
    assert first <= 0.01
    # No hole anywhere: the decoded sound covers the whole interview, sample for sample within 50 ms.
    assert len(pcm) / 48000 == pytest.approx(12.0 - first, abs=0.05)
    onsets = _tone_onsets(pcm, first)
    assert len(onsets) == 2
    assert onsets[0] == pytest.approx(2.0, abs=0.03) and onsets[1] == pytest.approx(10.0, abs=0.03)


def test_a_killed_writer_leaves_a_joinable_recording(tmp_path: Path) -> None:
    """SIGKILL in the middle of a segment: finished segments and the torn one's flushed clusters survive."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from realtime.recording_files import RoomMedia
        from realtime.recording_segments import RecordingConfig, SegmentWriter
        from tests.test_recording import _feed
        writer = SegmentWriter(RoomMedia(Path({str(tmp_path)!r}), "room1"), RecordingConfig(segment_s=5.0))
        _feed(writer, 0.0, 8.0, tones=[(1.0, 2.0)])
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    media = RoomMedia(tmp_path, "room1")
    assert list(media.segments_dir.glob("*.part"))  # the torn segments, as a crash leaves them
    assert media.seal_torn_segments() == 2  # one video, one audio
    assert media.needs_join()
    result = join_segments(media)
    assert result is not None
    # 8 s were written; at most the last unflushed cluster (1 s) and a torn packet are lost.
    assert 6.5 <= result.duration_s <= 8.05, result
    with av.open(str(media.recording)) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 65
    assert not media.needs_join()


# --- the server -----------------------------------------------------------------------------------------------


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
