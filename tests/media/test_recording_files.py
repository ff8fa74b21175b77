"""Server-side recording files: the segment writer and the join on synthetic media (timestamps, gaps, a segment
torn by SIGKILL), with real codecs and no server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from realtime.recording_files import RoomMedia
from realtime.recording_join import join_segments
from realtime.recording_segments import RecordingConfig, SegmentWriter
from tests.support.server_process import ROOT


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
        from tests.media.test_recording_files import _feed
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
