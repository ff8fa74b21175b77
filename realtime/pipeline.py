"""One interview's media pipeline: track readers -> bounded hand-offs -> analysis on the engine's pool.

Rules it keeps (see shared/design/architecture.md):
- one reader task per track calls `recv()` continuously, so aiortc's unbounded decoded-frame queue stays
  empty; readers never await analysis;
- video is sampled down to the analysis rate on media time, then passes a one-slot mailbox: frames that
  arrive while analysis is busy replace the waiting one and are counted as dropped;
- audio is kept whole in a bounded window (2 s); an overflow is a counted gap, not growing latency;
- speech recognition, the costliest audio work, runs in a lane of its own behind a longer bounded window
  (DEFERRED_AUDIO_WINDOW_S): when the machine is short of CPU it trails real time and, past the window, skips audio
  (a counted gap), while the live measures stay on time;
- all pixel and sample work (format conversion, resampling, models) runs on the engine's threads;
- the pipeline observes itself: analyzed fps, drops, lag and gaps are emitted as health observations.

A pipeline outlives the peer connections that feed it: a reconnecting candidate attaches new tracks and
analysis continues with the same per-interview state and the same media-time origin.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from analyzers.base import AnalyzerSession, AudioChunk, Marker, VideoSample
from realtime.clock import RateSampler, TrackClock
from realtime.engine import AnalysisEngine, AnalyzerSessions
from realtime.slots import BoundedBuffer, LatestSlot
from rooms.measures import AUDIO_GAPS, FRAMES_DROPPED, LAG_S, TRANSCRIPT_GAPS, VIDEO_FPS
from rooms.model import Observation, ObservationType

log = logging.getLogger(__name__)

ObservationSink = Callable[[list[Observation]], None]
AUDIO_RATE = 16000
AUDIO_WINDOW_FRAMES = 100  # 2 s of 20 ms frames
DEFERRED_AUDIO_WINDOW_S = 20.0


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    analysis_fps: float = 10.0
    max_video_width: int = 640  # analysis gains nothing from more pixels; conversion cost grows with them
    health_interval_s: float = 1.0


@dataclass(frozen=True, slots=True)
class _PendingFrame:
    frame: av.VideoFrame
    t: float
    arrival: float


@dataclass(frozen=True, slots=True)
class _PendingAudio:
    frame: av.AudioFrame
    t: float
    arrival: float


class InterviewPipeline:
    def __init__(
        self,
        session_id: str,
        origin: float,
        engine: AnalysisEngine,
        sessions: AnalyzerSessions,
        sink: ObservationSink,
        config: PipelineConfig,
    ) -> None:
        self.origin = origin
        self._engine = engine
        self._sink = sink
        self._config = config
        self._video_sessions = sessions.video
        self._audio_sessions = sessions.audio
        self._deferred_sessions = sessions.deferred_audio
        # Markers wait here until each worker hands them to its own sessions, which keeps every analyzer
        # session on one thread at a time.
        self._video_markers: list[Marker] = []
        self._audio_markers: list[Marker] = []
        self._deferred_markers: list[Marker] = []
        self._video_slot: LatestSlot[_PendingFrame] = LatestSlot()
        self._audio_buffer: BoundedBuffer[_PendingAudio] = BoundedBuffer(AUDIO_WINDOW_FRAMES)
        # Chunks, one per audio job: at least 20 ms each, so the window holds at least DEFERRED_AUDIO_WINDOW_S.
        self._deferred_buffer: BoundedBuffer[AudioChunk] = BoundedBuffer(round(DEFERRED_AUDIO_WINDOW_S / 0.02))
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._video_task = asyncio.create_task(self._video_worker(), name=f"video-analysis-{session_id}")
        self._audio_task = asyncio.create_task(self._audio_worker(), name=f"audio-analysis-{session_id}")
        self._deferred_task = asyncio.create_task(self._deferred_worker(), name=f"deferred-analysis-{session_id}")
        self._health_task = asyncio.create_task(self._report_health(), name=f"health-{session_id}")
        self._closed = False
        # Counters, read by health and /metrics.
        self.frames_received = 0
        self.frames_skipped = 0  # above the analysis rate, by design
        self.frames_analyzed = 0
        self.last_video_t: float | None = None
        self.analyzed_fps = 0.0  # over the last health interval
        self.audio_seconds = 0.0

    @property
    def frames_dropped(self) -> int:
        return self._video_slot.dropped

    @property
    def audio_gaps(self) -> int:
        return self._audio_buffer.overflows

    @property
    def deferred_audio_gaps(self) -> int:
        """Times speech recognition fell a whole window behind and skipped audio."""
        return self._deferred_buffer.overflows

    def attach(self, track: MediaStreamTrack) -> None:
        """Start reading a track; a new track of the same kind (a reconnect) replaces the old reader."""
        previous = self._readers.pop(track.kind, None)
        if previous is not None:
            previous.cancel()
        clock = TrackClock(self.origin)
        reader = self._read_video(track, clock) if track.kind == "video" else self._read_audio(track, clock)
        self._readers[track.kind] = asyncio.create_task(reader, name=f"read-{track.kind}")

    async def _read_video(self, track: MediaStreamTrack, clock: TrackClock) -> None:
        sampler = RateSampler(self._config.analysis_fps)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            arrival = time.time()
            self.frames_received += 1
            t = clock.media_time(frame.pts, frame.time_base, arrival)
            if not sampler.due(t):
                self.frames_skipped += 1
                continue
            self._video_slot.put(_PendingFrame(frame, t, arrival))

    async def _read_audio(self, track: MediaStreamTrack, clock: TrackClock) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            arrival = time.time()
            t = clock.media_time(frame.pts, frame.time_base, arrival)
            self._audio_buffer.put(_PendingAudio(frame, t, arrival))

    def mark(self, marker: Marker) -> None:
        """Pass a script marker (a question's start or end) to every analyzer session with its next sample."""
        self._video_markers.append(marker)
        self._audio_markers.append(marker)
        self._deferred_markers.append(marker)

    async def _video_worker(self) -> None:
        while (pending := await self._video_slot.get()) is not None:
            markers, self._video_markers = self._video_markers, []
            try:
                observations = await self._engine.run_video(self._analyze_video, pending, markers)
            except Exception:  # one bad frame must not end the interview's analysis
                log.exception("video analysis failed")
                continue
            self.frames_analyzed += 1
            self.last_video_t = pending.t
            self._emit(observations)

    def _analyze_video(self, pending: _PendingFrame, markers: list[Marker]) -> list[Observation]:
        observations = _apply_markers(self._video_sessions, markers)
        frame = pending.frame
        if frame.width > self._config.max_video_width:
            height = round(frame.height * self._config.max_video_width / frame.width / 2) * 2
            frame = frame.reformat(width=self._config.max_video_width, height=height)
        sample = VideoSample(t=pending.t, arrival=pending.arrival, image=frame.to_ndarray(format="rgb24"))
        for session in self._video_sessions:
            observations.extend(session.process(sample))
        return observations

    async def _audio_worker(self) -> None:
        while pending := await self._audio_buffer.take_all():
            markers, self._audio_markers = self._audio_markers, []
            try:
                observations, chunk = await self._engine.run_audio(self._analyze_audio, pending, markers)
            except Exception:
                log.exception("audio analysis failed")
                continue
            if chunk is not None and self._deferred_sessions:
                self._deferred_buffer.put(chunk)
            self._emit(observations)

    def _analyze_audio(
        self, pending: list[_PendingAudio], markers: list[Marker]
    ) -> tuple[list[Observation], AudioChunk | None]:
        """Resample, run the live audio analyzers, and hand back the chunk for the deferred lane."""
        observations = _apply_markers(self._audio_sessions, markers)
        parts = [out.to_ndarray().reshape(-1) for item in pending for out in self._resampler.resample(item.frame)]
        if not parts:
            return observations, None
        pcm = np.concatenate(parts).astype(np.int16, copy=False)
        self.audio_seconds += len(pcm) / AUDIO_RATE
        chunk = AudioChunk(t=pending[0].t, arrival=pending[-1].arrival, pcm=pcm, sample_rate=AUDIO_RATE)
        for session in self._audio_sessions:
            observations.extend(session.process(chunk))
        return observations, chunk

    async def _deferred_worker(self) -> None:
        while chunks := await self._deferred_buffer.take_all():
            markers, self._deferred_markers = self._deferred_markers, []
            try:
                observations = await self._engine.run_deferred(self._analyze_deferred, chunks, markers)
            except Exception:
                log.exception("deferred audio analysis failed")
                continue
            self._emit(observations)

    def _analyze_deferred(self, chunks: list[AudioChunk], markers: list[Marker]) -> list[Observation]:
        observations = _apply_markers(self._deferred_sessions, markers)
        for chunk in _join_contiguous(chunks):
            for session in self._deferred_sessions:
                observations.extend(session.process(chunk))
        return observations

    async def _report_health(self) -> None:
        last_analyzed = 0
        while True:
            await asyncio.sleep(self._config.health_interval_s)
            self.analyzed_fps = (self.frames_analyzed - last_analyzed) / self._config.health_interval_s
            last_analyzed = self.frames_analyzed
            self._emit(self.health(time.time()))

    def lag_s(self, now: float) -> float | None:
        """How far video analysis trails real time: wall-clock media position minus the newest analyzed frame.

        It includes every wait before analysis (jitter buffer, decoder queue, our hand-off), because media
        time comes from the frame's own timestamp.
        """
        if self.last_video_t is None:
            return None
        return max(0.0, now - self.origin - self.last_video_t)

    def health(self, now: float) -> list[Observation]:
        values: dict[str, float] = {
            VIDEO_FPS: self.analyzed_fps,
            FRAMES_DROPPED: float(self.frames_dropped),
            AUDIO_GAPS: float(self.audio_gaps),
        }
        lag = self.lag_s(now)
        if lag is not None:
            values[LAG_S] = round(lag, 3)
        if self._deferred_sessions:
            values[TRANSCRIPT_GAPS] = float(self.deferred_audio_gaps)
        t = now - self.origin
        return [Observation(ObservationType.HEALTH, name, value, t, now) for name, value in values.items()]

    def _emit(self, observations: list[Observation]) -> None:
        if observations and not self._closed:
            self._sink(observations)

    async def close(self) -> None:
        """Stop reading, finish the work in flight, and flush every analyzer's final observations."""
        for task in self._readers.values():
            task.cancel()
        self._video_slot.close()
        self._audio_buffer.close()
        self._health_task.cancel()
        await asyncio.gather(*self._readers.values(), self._health_task, return_exceptions=True)
        # Workers exit once their hand-offs are drained; what they analyze still reaches the sink.
        await asyncio.gather(self._video_task, self._audio_task, return_exceptions=True)
        self._deferred_buffer.close()
        await asyncio.gather(self._deferred_task, return_exceptions=True)
        # Each lane flushes on its own pool: a transcript still decoding its backlog must not hold up the live
        # lanes' final totals, nor another interview's (reports of rooms that end together wait on their own).
        live, deferred = await asyncio.gather(
            self._engine.run_audio(self._close_live_sessions),
            self._engine.run_deferred(_close_sessions, self._deferred_sessions, self._deferred_markers),
        )
        final = [*live, *deferred, *self.health(time.time())]
        self._emit(final)
        self._closed = True

    def _close_live_sessions(self) -> list[Observation]:
        return _close_sessions(self._video_sessions, self._video_markers) + _close_sessions(
            self._audio_sessions, self._audio_markers
        )


def _close_sessions(sessions: Sequence[AnalyzerSession[Any]], markers: list[Marker]) -> list[Observation]:
    # Markers that arrived after the last sample still count (an answer that never started, say).
    observations = _apply_markers(sessions, markers)
    for session in sessions:
        try:
            observations.extend(session.close())
        except Exception:
            log.exception("closing an analyzer session failed")
    return observations


def _apply_markers(sessions: Sequence[AnalyzerSession[Any]], markers: list[Marker]) -> list[Observation]:
    observations: list[Observation] = []
    for marker in markers:
        for session in sessions:
            observations.extend(session.mark(marker))
    return observations


def _join_contiguous(chunks: list[AudioChunk]) -> list[AudioChunk]:
    """Merge chunks that follow each other without a gap: one call per run instead of one per 20 ms."""
    runs: list[list[AudioChunk]] = []
    for chunk in chunks:
        if runs:
            last = runs[-1][-1]
            if abs(last.t + len(last.pcm) / last.sample_rate - chunk.t) < 1e-3:
                runs[-1].append(chunk)
                continue
        runs.append([chunk])
    return [
        run[0]
        if len(run) == 1
        else AudioChunk(run[0].t, run[-1].arrival, np.concatenate([c.pcm for c in run]), run[0].sample_rate)
        for run in runs
    ]
