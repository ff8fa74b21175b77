"""Lanes are isolated: an interview's speech recognition waiting on a busy child process never delays any
interview's live voice measures (the stall seen under load: voice measures 9 s late at 4 interviews)."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import Any

from analyzers.base import AudioChunk, Marker, SessionContext
from realtime.engine import AnalysisEngine
from realtime.pipeline import InterviewPipeline, PipelineConfig
from rooms.model import Observation, ObservationType
from tests.support.fakes import PacedAudioTrack, SlowTranscriptAnalyzer


class LiveVoice:
    """A live audio analyzer: one observation per chunk, stamped with the chunk's arrival."""

    lane = "voice"
    max_rate_hz = None

    def warm_up(self) -> None: ...

    def close(self) -> list[Observation]:  # both the analyzer's close and its session's flush
        return []

    def open(self, session_id: str, context: SessionContext | None = None) -> LiveVoice:
        return self

    def process(self, chunk: AudioChunk) -> list[Observation]:
        return [Observation(ObservationType.METRIC, "speaking", True, chunk.t, chunk.arrival)]

    def mark(self, marker: Marker) -> list[Observation]:
        return []


class BusyChildRecognizer(LiveVoice):
    """Speech recognition as the server runs it: every session's call waits on one shared child process."""

    lane = "deferred"

    def __init__(self, child: threading.Lock, seconds_per_call: float) -> None:
        self._child = child
        self._seconds = seconds_per_call

    def process(self, chunk: AudioChunk) -> list[Observation]:
        with self._child:  # the child serves one call at a time
            time.sleep(self._seconds)
        return []


async def test_waiting_speech_recognition_never_delays_live_voice_measures() -> None:
    engine = AnalysisEngine((LiveVoice(), BusyChildRecognizer(threading.Lock(), 0.3)), threads=2)
    latencies: list[float] = []
    interviews = 4

    def sink(observations: list[Observation]) -> None:
        now = time.time()
        latencies.extend(now - o.arrival for o in observations if o.name == "speaking")

    pipelines = []
    for i in range(interviews):
        sessions = await engine.open_sessions(f"room-{i}")
        pipeline = InterviewPipeline(f"room-{i}", time.time(), engine, sessions, sink, PipelineConfig())
        pipeline.attach(PacedAudioTrack(seconds=3.0))
        pipelines.append(pipeline)
    await asyncio.sleep(3.2)
    await asyncio.gather(*(p.close() for p in pipelines))
    engine.close()

    assert len(latencies) > interviews * 20, len(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    # Four interviews' recognizers wait ~1.2 s for the shared child each round; the live lane must not notice.
    assert p95 < 0.15, f"live voice p95 {p95 * 1000:.0f} ms behind waiting speech recognition"


async def test_close_waits_for_a_slow_transcript_only_so_long_and_its_tail_still_reaches_the_sink() -> None:
    """The report is built when close() returns: the live lanes' last observations are in, speech recognition
    decoding its backlog is waited for only `deferred_close_wait_s`, and what it decodes later (after a
    "pending" status) still reaches the same sink, followed by "complete"; finished() says when."""
    engine = AnalysisEngine((LiveVoice(), SlowTranscriptAnalyzer(flush_s=1.5)), threads=2)
    seen: list[tuple[float, Observation]] = []

    def sink(observations: list[Observation]) -> None:
        seen.extend((time.monotonic(), o) for o in observations)

    sessions = await engine.open_sessions("room")
    config = PipelineConfig(deferred_close_wait_s=0.3)
    pipeline = InterviewPipeline("room", time.time(), engine, sessions, sink, config)
    pipeline.attach(PacedAudioTrack(seconds=0.6))
    await asyncio.sleep(0.8)
    started = time.monotonic()
    await pipeline.close()
    closed = time.monotonic()
    at_close = [o for t, o in seen if t <= closed]
    assert closed - started < 0.3 + 0.25, f"close took {closed - started:.2f} s"
    assert any(o.name == "speaking" for o in at_close)  # the live lane flushed fully
    assert [o.value for o in at_close if o.name == "transcript_completion"] == ["pending"]
    assert not any(o.name == "final" for o in at_close)

    await asyncio.wait_for(pipeline.finished(), timeout=5.0)
    finished = time.monotonic()
    late = [o for t, o in seen if t > closed]
    assert [o.name for o in late] == ["final", "transcript_completion"]
    assert late[0].value == "my last answer" and late[1].value == "complete"
    assert late[1].t == at_close[-1].t  # stamped at the end of the media, like the "pending" it completes
    assert finished - started >= 1.5
    engine.close()


async def test_a_transcript_that_keeps_up_is_complete_when_close_returns() -> None:
    engine = AnalysisEngine((LiveVoice(), SlowTranscriptAnalyzer(flush_s=0.05)), threads=2)
    seen: list[Observation] = []
    sessions = await engine.open_sessions("room")
    pipeline = InterviewPipeline("room", time.time(), engine, sessions, seen.extend, PipelineConfig())
    pipeline.attach(PacedAudioTrack(seconds=0.4))
    await asyncio.sleep(0.5)
    await pipeline.close()
    await asyncio.wait_for(pipeline.finished(), timeout=1.0)  # already done
    assert [o.value for o in seen if o.name == "final"] == ["my last answer"]
    assert not any(o.name == "transcript_completion" for o in seen)
    engine.close()


class ChildBoundTranscriptAnalyzer(SlowTranscriptAnalyzer):
    """Every session's last decode waits on one shared child process, as when many interviews end at once."""

    def __init__(self, child: threading.Lock, flush_s: float) -> None:
        super().__init__(flush_s)
        self._child = child

    def open(self, session_id: str, context: SessionContext | None = None) -> LockedFlush:
        return LockedFlush(super().open(session_id, context), self._child)


class LockedFlush:
    def __init__(self, session: Any, child: threading.Lock) -> None:
        self._session = session
        self._child = child

    def process(self, chunk: AudioChunk) -> list[Observation]:
        return self._session.process(chunk)

    def mark(self, marker: Marker) -> list[Observation]:
        return []

    def close(self) -> list[Observation]:
        with self._child:
            return self._session.close()


async def test_interviews_ending_together_do_not_wait_for_each_others_transcripts() -> None:
    """Six interviews end at once and their last decodes queue on one child (0.5 s each, 3 s for the last): each
    close() returns within the bound, and every transcript's tail still arrives, one after another."""
    engine = AnalysisEngine((LiveVoice(), ChildBoundTranscriptAnalyzer(threading.Lock(), 0.5)), threads=2)
    interviews = 6
    finals: dict[str, float] = {}
    pipelines = []
    for i in range(interviews):

        def sink(observations: list[Observation], room: str = f"room-{i}") -> None:
            if any(o.name == "final" for o in observations):
                finals[room] = time.monotonic()

        sessions = await engine.open_sessions(f"room-{i}")
        config = PipelineConfig(deferred_close_wait_s=0.3)
        pipeline = InterviewPipeline(f"room-{i}", time.time(), engine, sessions, sink, config)
        pipeline.attach(PacedAudioTrack(seconds=0.5))
        pipelines.append(pipeline)
    await asyncio.sleep(0.7)

    async def timed_close(pipeline: InterviewPipeline) -> float:
        started = time.monotonic()
        await pipeline.close()
        return time.monotonic() - started

    started = time.monotonic()
    took = await asyncio.gather(*(timed_close(p) for p in pipelines))
    assert max(took) < 0.3 + 0.3, [round(t, 2) for t in took]
    await asyncio.wait_for(asyncio.gather(*(p.finished() for p in pipelines)), timeout=10.0)
    assert len(finals) == interviews
    assert max(finals.values()) - started >= interviews * 0.5 - 0.1  # they did queue on the child
    engine.close()
