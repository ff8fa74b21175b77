"""The one track-reader loop: rate sampling on media time, the track's end, and error containment (an unexpected
exception ends the reader with a log line, never silently); and the lanes table the engine and pipeline run."""

from __future__ import annotations

import asyncio
import fractions
import logging
import time

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from realtime.engine import AnalysisEngine
from realtime.lanes import LANES, Feed, Handoff, lane_named
from realtime.pipeline import InterviewPipeline, PipelineConfig
from realtime.track_reader import ReaderCounts, start_reader
from rooms import measures
from rooms.model import Observation
from tests.support.fakes import FakeFaceAnalyzer


class FrameTrack(MediaStreamTrack):
    """`count` 64x48 video frames paced at 30 fps, then `end`: the track's end or a failure."""

    kind = "video"

    def __init__(self, count: int, end: BaseException | None = None) -> None:
        super().__init__()
        self._left = count
        self._sent = 0
        self._end = end or MediaStreamError()
        self._start = time.monotonic()

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(max(0.0, self._start + self._sent / 30 - time.monotonic()))
        if self._left == 0:
            raise self._end
        self._left -= 1
        frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 200, np.uint8), format="rgb24")
        frame.pts, frame.time_base = self._sent * 3000, fractions.Fraction(1, 90000)
        self._sent += 1
        return frame


async def test_reader_samples_on_media_time_and_returns_at_the_end() -> None:
    got: list[float] = []
    counts = ReaderCounts()
    task = start_reader(FrameTrack(30), time.time(), lambda f, t, a: got.append(t), "test", 10.0, counts)
    await asyncio.wait_for(task, 5)
    # 1 s of 30 fps sampled to 10 fps (the clock may let the second frame through while it settles).
    assert counts.received == 30 and 10 <= len(got) <= 11 and counts.skipped == 30 - len(got)
    assert got[-9:] == pytest.approx([i / 10 for i in range(1, 10)], abs=0.04)


async def test_an_unexpected_error_ends_the_reader_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    got: list[float] = []
    with caplog.at_level(logging.ERROR):
        task = start_reader(
            FrameTrack(3, RuntimeError("decoder broke")), time.time(), lambda f, t, a: got.append(t), "the x reader"
        )
        await asyncio.wait_for(task, 5)  # contained: the task ends normally
    assert len(got) == 3
    assert "the x reader failed" in caplog.text and "decoder broke" in caplog.text


async def test_a_failing_deliver_is_contained_too(caplog: pytest.LogCaptureFixture) -> None:
    def deliver(frame: object, t: float, arrival: float) -> None:
        raise ValueError("hand-off broke")

    with caplog.at_level(logging.ERROR):
        await asyncio.wait_for(start_reader(FrameTrack(2), time.time(), deliver, "the y reader"), 5)
    assert "the y reader failed" in caplog.text


async def test_pipeline_reads_through_the_shared_loop_and_survives_a_broken_track(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = AnalysisEngine([FakeFaceAnalyzer()], threads=1)
    seen: list[Observation] = []
    sessions = await engine.open_sessions("r")
    pipeline = InterviewPipeline("r", time.time(), engine, sessions, seen.extend, PipelineConfig(analysis_fps=30))
    with caplog.at_level(logging.ERROR):
        pipeline.attach(FrameTrack(5, RuntimeError("boom")))
        await asyncio.sleep(0.5)
        pipeline.attach(FrameTrack(5))  # a reconnect: a new reader for the new track
        await asyncio.sleep(0.5)
    await pipeline.close()
    engine.close()
    assert "the video reader of interview r failed" in caplog.text
    assert pipeline.frames_received == 10 and pipeline.frames_analyzed >= 2
    assert any(o.name == measures.FACE_PRESENT and o.value == 1.0 for o in seen)


def test_lanes_are_declared_once_with_their_policy() -> None:
    assert set(LANES) == {measures.VIDEO_LANE, measures.VOICE_LANE, measures.DEFERRED_LANE}
    video, voice, deferred = (LANES[n] for n in ("video", "voice", "deferred"))
    assert video.handoff is Handoff.LATEST and video.feed is Feed.VIDEO_TRACK and video.live
    assert voice.handoff is Handoff.WINDOW and voice.capacity == 100 and voice.live  # 2 s of 20 ms frames
    assert deferred.feed is Feed.VOICE_LANE and not deferred.live and deferred.threads and deferred.threads > 2
    with pytest.raises(ValueError, match="unknown analysis lane"):
        lane_named("audio")


def test_every_analyzer_names_a_lane_the_engine_runs() -> None:
    from analyzers.face import FaceAnalyzer
    from analyzers.transcript import TranscriptAnalyzer
    from analyzers.voice import VoiceAnalyzer

    for analyzer in (FaceAnalyzer, VoiceAnalyzer, TranscriptAnalyzer):
        assert analyzer.lane in LANES, analyzer
    with pytest.raises(ValueError):
        AnalysisEngine([type("Odd", (FakeFaceAnalyzer,), {"lane": "audio"})()], threads=1)
