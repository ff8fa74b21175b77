"""Lanes are isolated: an interview's speech recognition waiting on a busy child process never delays any
interview's live voice measures (the stall seen under load: voice measures 9 s late at 4 interviews)."""

from __future__ import annotations

import asyncio
import fractions
import statistics
import threading
import time

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from analyzers.base import AudioChunk, Marker, SessionContext
from realtime.engine import AnalysisEngine
from realtime.pipeline import InterviewPipeline, PipelineConfig
from rooms.model import Observation, ObservationType

FRAME_SAMPLES = 960  # 20 ms at 48 kHz, as aiortc decodes Opus


class PacedAudioTrack(MediaStreamTrack):
    """Live-paced 48 kHz audio frames, like a decoded Opus track."""

    kind = "audio"

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._frames = int(seconds / 0.02)
        self._sent = 0
        self._start = time.monotonic()

    async def recv(self) -> av.AudioFrame:
        if self._sent >= self._frames:
            raise MediaStreamError
        due = self._start + self._sent * 0.02
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        pcm = (np.sin(np.arange(FRAME_SAMPLES * 2) / 7.0) * 3000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = 48000, self._sent * FRAME_SAMPLES, fractions.Fraction(1, 48000)
        self._sent += 1
        return frame


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
