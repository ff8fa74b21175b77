"""Each lane reports its own latency and lag as health observations: a slow analyzer shows in its lane only, so an
operator sees which lane falls behind (the server's /metrics and the dashboard's health line read these)."""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from analyzers.base import AudioChunk, Marker, SessionContext
from realtime.engine import AnalysisEngine
from realtime.lane_health import LaneMeter, LaneReading
from realtime.pipeline import InterviewPipeline, PipelineConfig
from rooms import measures
from rooms.measures import LANE_HEALTH
from rooms.model import Observation, ObservationType
from tests.support.fakes import FakeFaceAnalyzer
from tests.unit.test_lanes import LiveVoice, PacedAudioTrack

SECONDS = 3.0


class PacedVideoTrack(MediaStreamTrack):
    """Live-paced 64x48 frames at 30 fps for `seconds`, like a decoded camera track."""

    kind = "video"

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._frames = int(seconds * 30)
        self._sent = 0
        self._start = time.monotonic()

    async def recv(self) -> av.VideoFrame:
        if self._sent >= self._frames:
            raise MediaStreamError
        await asyncio.sleep(max(0.0, self._start + self._sent / 30 - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 200, np.uint8), format="rgb24")
        frame.pts, frame.time_base = self._sent * 3000, fractions.Fraction(1, 90000)
        self._sent += 1
        return frame


class SlowAnalyzer(LiveVoice):
    """An analyzer of `lane` whose every call takes `seconds` (a model the machine is too slow for)."""

    def __init__(self, lane: str, seconds: float) -> None:
        self.lane = lane
        self._seconds = seconds

    def process(self, chunk: AudioChunk) -> list[Observation]:
        time.sleep(self._seconds)
        return []

    def mark(self, marker: Marker) -> list[Observation]:
        return []

    def open(self, session_id: str, context: SessionContext | None = None) -> SlowAnalyzer:
        return self


async def _lane_health(analyzers: list[object]) -> dict[str, list[float]]:
    """Run one interview's pipeline on live-paced video and audio; every health value it reported, by name."""
    engine = AnalysisEngine(analyzers, threads=1)  # type: ignore[arg-type]
    health: dict[str, list[float]] = {}

    def sink(observations: list[Observation]) -> None:
        for o in observations:
            if o.type is ObservationType.HEALTH:
                health.setdefault(o.name, []).append(float(o.value))  # type: ignore[arg-type]

    sessions = await engine.open_sessions("room")
    config = PipelineConfig(health_interval_s=0.5)
    pipeline = InterviewPipeline("room", time.time(), engine, sessions, sink, config)
    pipeline.attach(PacedVideoTrack(SECONDS))
    pipeline.attach(PacedAudioTrack(SECONDS))
    await asyncio.sleep(SECONDS)
    await pipeline.close()
    engine.close()
    return health


async def test_a_slow_voice_analyzer_shows_in_the_voice_lane_only() -> None:
    health = await _lane_health([FakeFaceAnalyzer(), SlowAnalyzer("voice", 0.6)])
    video, voice = LANE_HEALTH[measures.VIDEO_LANE], LANE_HEALTH[measures.VOICE_LANE]
    # Every voice job takes 0.6 s and the audio that arrived meanwhile waits for the next: seconds late, not ms.
    assert max(health[voice.latency]) >= 600, health[voice.latency]
    assert max(health[voice.lag]) >= 0.5, health[voice.lag]
    # The video lane runs on its own pool and is not held up (generous bounds: the machine is shared).
    assert max(health[video.latency]) < 400, health[video.latency]
    assert max(health[video.lag]) < 0.6, health[video.lag]
    # No speech recognition here: no transcript lane to report.
    deferred = LANE_HEALTH[measures.DEFERRED_LANE]
    assert deferred.latency not in health and deferred.lag not in health
    # The counters /metrics shows come the same way.
    assert health[measures.FRAMES_RECEIVED][-1] >= 60 and health[measures.FRAMES_ANALYZED][-1] >= 15
    assert health[measures.FRAMES_SKIPPED][-1] > 0 and measures.VIDEO_FPS in health


async def test_a_slow_transcript_shows_in_the_transcript_lane_only() -> None:
    health = await _lane_health([FakeFaceAnalyzer(), LiveVoice(), SlowAnalyzer("deferred", 1.0)])
    voice, deferred = LANE_HEALTH[measures.VOICE_LANE], LANE_HEALTH[measures.DEFERRED_LANE]
    # While a decode runs, its audio's wait counts: the lane reports a growing latency instead of going quiet.
    assert max(health[deferred.latency]) >= 900, health[deferred.latency]
    assert max(health[deferred.lag]) >= 0.9, health[deferred.lag]
    assert max(health[voice.latency]) < 400, health[voice.latency]
    assert max(health[voice.lag]) < 0.6, health[voice.lag]
    assert health[measures.TRANSCRIPT_GAPS][-1] == 0


def test_the_meter_reports_the_worst_latency_of_an_interval_and_the_lag_at_a_time() -> None:
    meter, origin = LaneMeter(), 1000.0
    assert meter.report(1001.0, origin) == LaneReading(None, None)  # nothing analyzed yet
    meter.started(oldest_arrival=1001.0)
    meter.finished(1001.05, media_end=0.9)
    meter.started(oldest_arrival=1001.1)
    meter.finished(1001.3, media_end=1.2)
    reading = meter.report(1001.5, origin)
    assert reading.latency_s == pytest.approx(0.2) and reading.lag_s == pytest.approx(0.3)
    # A new interval: nothing finished, but a batch in analysis counts by how long its oldest sample has waited.
    meter.started(oldest_arrival=1001.4)
    reading = meter.report(1003.4, origin)
    assert reading.latency_s == pytest.approx(2.0) and reading.lag_s == pytest.approx(2.2)
    # A batch that failed made no observations: its wait is no latency.
    meter.failed()
    assert meter.report(1004.0, origin).latency_s is None


def test_every_lane_has_its_health_measures_in_the_catalogue() -> None:
    from realtime.lanes import LANES

    assert set(LANE_HEALTH) == set(LANES)
    for lane, names in LANE_HEALTH.items():
        for name, unit in ((names.latency, "ms"), (names.lag, "s")):
            entry = measures.OBSERVATIONS[name]
            assert (entry.kind, entry.unit, entry.lane) == (ObservationType.HEALTH.value, unit, lane), name
        assert names.behind_s > 0 and names.label
    # The live lanes are behind sooner than the transcript, which may trail by a decode or two.
    assert LANE_HEALTH["video"].behind_s == LANE_HEALTH["voice"].behind_s < LANE_HEALTH["deferred"].behind_s
