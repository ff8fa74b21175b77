"""One interview's media pipeline: track readers -> bounded hand-offs -> analysis on the engine's pool.

Rules it keeps (see docs/architecture.md, "Real-time rules"):
- one reader task per track calls `recv()` continuously, so aiortc's unbounded decoded-frame queue stays
  empty; readers never await analysis;
- video is sampled down to the analysis rate on media time, then passes a one-slot mailbox: frames that
  arrive while analysis is busy replace the waiting one and are counted as dropped;
- audio is kept whole in a bounded window (2 s); an overflow is a counted gap, not growing latency;
- speech recognition, the costliest audio work, runs in a lane of its own behind a longer bounded window
  (DEFERRED_AUDIO_WINDOW_S): when the machine is short of CPU it trails real time and, past the window, skips audio
  (a counted gap), while the live measures stay on time;
- the lanes, their hand-offs and pools are declared once in realtime/lanes.py; this module runs one worker per
  lane, and the track readers are realtime/track_reader.py's (shared with the recorder);
- all pixel and sample work (format conversion, resampling, models) runs on the engine's threads;
- closing flushes the live lanes fully but waits for the deferred lane (speech recognition still decoding its
  backlog) only `deferred_close_wait_s`: the report must not wait on other rooms' decodes. The rest of the
  transcript still reaches the sink when it is decoded (after STATUS `transcript_completion` "pending", then
  "complete"); `finished()` tells when every lane has flushed;
- the pipeline observes itself: analyzed fps, frame counts, drops, gaps, and each lane's latency and lag
  (realtime/lane_health.py) are emitted as health observations every health interval; they are all a reader of the
  pipeline's health needs (the server's /metrics and dashboards read them, never the pipeline's attributes).

A pipeline outlives the peer connections that feed it: a reconnecting candidate attaches new tracks and
analysis continues with the same per-interview state and the same media-time origin.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from analyzers.base import AnalyzerSession, AudioChunk, Marker, VideoSample
from realtime.engine import AnalysisEngine, AnalyzerSessions
from realtime.lane_health import LaneMeter
from realtime.lanes import (
    AUDIO_WINDOW_FRAMES,  # noqa: F401 - re-exported: bench and tests size audio windows by it
    DEFERRED,
    DEFERRED_AUDIO_WINDOW_S,  # noqa: F401
    LANES,
    VIDEO,
    VOICE,
    Feed,
    Handoff,
    Lane,
)
from realtime.slots import BoundedBuffer, LatestSlot
from realtime.track_reader import ReaderCounts, start_reader
from rooms.measures import (
    AUDIO_GAPS,
    FRAMES_ANALYZED,
    FRAMES_DROPPED,
    FRAMES_RECEIVED,
    FRAMES_SKIPPED,
    LANE_HEALTH,
    TRANSCRIPT_COMPLETION,
    TRANSCRIPT_GAPS,
    VIDEO_FPS,
    TranscriptCompletion,
)
from rooms.model import Observation, ObservationType

log = logging.getLogger(__name__)

ObservationSink = Callable[[list[Observation]], None]
AUDIO_RATE = 16000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    analysis_fps: float = 10.0
    max_video_width: int = 640  # analysis gains nothing from more pixels; conversion cost grows with them
    health_interval_s: float = 1.0
    # How long close() waits for the deferred lane (speech recognition) to decode what is left; the rest arrives
    # later through the sink. Bounded so that reports of rooms ending together do not queue behind each other's
    # decodes (server/settings.py: report_transcript_wait).
    deferred_close_wait_s: float = 3.0


@dataclass(frozen=True, slots=True)
class _Pending:
    """A decoded frame off a track, stamped with its media time and arrival."""

    frame: Any  # av.VideoFrame | av.AudioFrame
    t: float
    arrival: float


@dataclass(frozen=True, slots=True)
class _Result:
    observations: list[Observation]
    forward: AudioChunk | None = None  # for the lanes fed by this one


class _LaneRun(Generic[T]):
    """One lane of one interview: its analyzer sessions, its bounded hand-off, and the markers not yet passed on."""

    def __init__(self, lane: Lane, sessions: tuple[AnalyzerSession[Any], ...]) -> None:
        self.lane = lane
        self.sessions = sessions
        # Markers wait here until the lane's worker hands them to its sessions, which keeps every analyzer session
        # on one thread at a time.
        self.markers: list[Marker] = []
        self._slot: LatestSlot[T] | None = LatestSlot() if lane.handoff is Handoff.LATEST else None
        self._buffer: BoundedBuffer[T] | None = BoundedBuffer(lane.capacity) if lane.handoff is Handoff.WINDOW else None
        self.failures = 0
        self.meter = LaneMeter()

    def put(self, item: T) -> None:
        if self._slot is not None:
            self._slot.put(item)
        elif self._buffer is not None:
            self._buffer.put(item)

    async def take(self) -> list[T] | None:
        """What waits, waiting for something; None once closed and empty."""
        if self._slot is not None:
            item = await self._slot.get()
            return None if item is None else [item]
        assert self._buffer is not None
        items = await self._buffer.take_all()
        return items or None

    def close(self) -> None:
        if self._slot is not None:
            self._slot.close()
        elif self._buffer is not None:
            self._buffer.close()

    @property
    def dropped(self) -> int:
        """Items replaced (one-slot hand-off) or gaps started (window) because analysis was behind."""
        if self._slot is not None:
            return self._slot.dropped
        assert self._buffer is not None
        return self._buffer.overflows


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
        self._session_id = session_id
        self._engine = engine
        self._sink = sink
        self._config = config
        self._lanes: dict[str, _LaneRun[Any]] = {
            lane.name: _LaneRun(lane, sessions.of(lane)) for lane in LANES.values()
        }
        self._analyze: dict[str, Callable[[Any, list[Marker]], _Result]] = {
            VIDEO.name: self._analyze_video,
            VOICE.name: self._analyze_voice,
            DEFERRED.name: self._analyze_deferred,
        }
        video_rate = engine.max_rate_hz(VIDEO)
        self._video_rate = min(config.analysis_fps, video_rate) if video_rate else config.analysis_fps
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._video_counts = ReaderCounts()
        self._workers = {
            name: asyncio.create_task(self._work(run), name=f"{name}-analysis-{session_id}")
            for name, run in self._lanes.items()
        }
        self._health_task = asyncio.create_task(self._report_health(), name=f"health-{session_id}")
        self._closed = False
        self._finishing: dict[str, asyncio.Task[None]] = {}  # per lane, from close(): its hand-off drained, flushed
        self._finished = asyncio.get_running_loop().create_future()
        self._pending_deferred = False  # close() returned before the deferred lane had flushed
        # Counters, reported as health observations.
        self.frames_analyzed = 0
        self.analyzed_fps = 0.0  # over the last health interval
        self.audio_seconds = 0.0

    @property
    def frames_received(self) -> int:
        return self._video_counts.received

    @property
    def frames_skipped(self) -> int:
        """Frames above the analysis rate, by design."""
        return self._video_counts.skipped

    @property
    def frames_dropped(self) -> int:
        return self._lanes[VIDEO.name].dropped

    @property
    def audio_gaps(self) -> int:
        return self._lanes[VOICE.name].dropped

    @property
    def deferred_audio_gaps(self) -> int:
        """Times speech recognition fell a whole window behind and skipped audio."""
        return self._lanes[DEFERRED.name].dropped

    def attach(self, track: MediaStreamTrack) -> None:
        """Start reading a track; a new track of the same kind (a reconnect) replaces the old reader."""
        previous = self._readers.pop(track.kind, None)
        if previous is not None:
            previous.cancel()
        what = f"the {track.kind} reader of interview {self._session_id}"
        if track.kind == "video":
            self._readers[track.kind] = start_reader(
                track, self.origin, self._feeder(Feed.VIDEO_TRACK), what, self._video_rate, self._video_counts
            )
        else:
            self._readers[track.kind] = start_reader(track, self.origin, self._feeder(Feed.AUDIO_TRACK), what)

    def _feeder(self, feed: Feed) -> Callable[[object, float, float], None]:
        runs = [run for run in self._lanes.values() if run.lane.feed is feed]

        def deliver(frame: object, t: float, arrival: float) -> None:
            for run in runs:
                run.put(_Pending(frame, t, arrival))

        return deliver

    def mark(self, marker: Marker) -> None:
        """Pass a script marker (a question's start or end) to every analyzer session with its next sample."""
        for run in self._lanes.values():
            run.markers.append(marker)

    async def _work(self, run: _LaneRun[Any]) -> None:
        analyze = self._analyze[run.lane.name]
        while (items := await run.take()) is not None:
            markers, run.markers = run.markers, []
            run.meter.started(items[0].arrival)
            try:
                result = await self._engine.run(run.lane, analyze, items, markers)
            except Exception:  # one bad sample must not end the interview's analysis
                run.failures += 1
                run.meter.failed()
                log.exception("%s analysis of interview %s failed", run.lane.name, self._session_id)
                continue
            run.meter.finished(time.time(), _media_end(items[-1]))
            if run.lane is VIDEO:
                self.frames_analyzed += 1
            if result.forward is not None:
                for fed in self._lanes.values():
                    if fed.lane.feed is Feed.VOICE_LANE and fed.sessions:
                        fed.put(result.forward)
            self._emit(result.observations)

    def _analyze_video(self, pending: list[_Pending], markers: list[Marker]) -> _Result:
        sessions = self._lanes[VIDEO.name].sessions
        observations = _apply_markers(sessions, markers)
        latest = pending[-1]
        frame = latest.frame
        if frame.width > self._config.max_video_width:
            height = round(frame.height * self._config.max_video_width / frame.width / 2) * 2
            frame = frame.reformat(width=self._config.max_video_width, height=height)
        sample = VideoSample(t=latest.t, arrival=latest.arrival, image=frame.to_ndarray(format="rgb24"))
        for session in sessions:
            observations.extend(session.process(sample))
        return _Result(observations)

    def _analyze_voice(self, pending: list[_Pending], markers: list[Marker]) -> _Result:
        """Resample, run the live voice analyzers, and hand the chunk on to the deferred lane."""
        sessions = self._lanes[VOICE.name].sessions
        observations = _apply_markers(sessions, markers)
        parts = [out.to_ndarray().reshape(-1) for item in pending for out in self._resampler.resample(item.frame)]
        if not parts:
            return _Result(observations)
        pcm = np.concatenate(parts).astype(np.int16, copy=False)
        self.audio_seconds += len(pcm) / AUDIO_RATE
        chunk = AudioChunk(t=pending[0].t, arrival=pending[-1].arrival, pcm=pcm, sample_rate=AUDIO_RATE)
        for session in sessions:
            observations.extend(session.process(chunk))
        return _Result(observations, forward=chunk)

    def _analyze_deferred(self, chunks: list[AudioChunk], markers: list[Marker]) -> _Result:
        sessions = self._lanes[DEFERRED.name].sessions
        observations = _apply_markers(sessions, markers)
        for chunk in _join_contiguous(chunks):
            for session in sessions:
                observations.extend(session.process(chunk))
        return _Result(observations)

    async def _report_health(self) -> None:
        last_analyzed = 0
        while True:
            await asyncio.sleep(self._config.health_interval_s)
            self.analyzed_fps = (self.frames_analyzed - last_analyzed) / self._config.health_interval_s
            last_analyzed = self.frames_analyzed
            self._emit(self.health(time.time()))

    def health(self, now: float) -> list[Observation]:
        """What an operator needs to see this interview's analysis keep up, as of `now`; starts a new interval of
        the lanes' worst latency."""
        values: dict[str, float] = {
            VIDEO_FPS: self.analyzed_fps,
            FRAMES_RECEIVED: float(self.frames_received),
            FRAMES_SKIPPED: float(self.frames_skipped),
            FRAMES_ANALYZED: float(self.frames_analyzed),
            FRAMES_DROPPED: float(self.frames_dropped),
            AUDIO_GAPS: float(self.audio_gaps),
        }
        recognizing = bool(self._lanes[DEFERRED.name].sessions)
        if recognizing:
            values[TRANSCRIPT_GAPS] = float(self.deferred_audio_gaps)
        for name, run in self._lanes.items():
            if run.lane is DEFERRED and not recognizing:
                continue  # no speech recognition, no transcript lane to report
            reading = run.meter.report(now, self.origin)
            names = LANE_HEALTH[name]
            if reading.latency_s is not None:
                values[names.latency] = round(reading.latency_s * 1000.0, 1)
            if reading.lag_s is not None:
                values[names.lag] = round(reading.lag_s, 3)
        t = now - self.origin
        return [Observation(ObservationType.HEALTH, name, value, t, now) for name, value in values.items()]

    def _emit(self, observations: list[Observation]) -> None:
        if observations and not self._closed:
            self._sink(observations)

    async def close(self) -> None:
        """Stop reading; finish and flush the live lanes; wait for the deferred lane at most `deferred_close_wait_s`.

        The deferred lane keeps decoding what it holds after close() returns: its observations still go to the sink,
        after a STATUS `transcript_completion` "pending" (emitted here) and followed by "complete". `finished()`
        completes once every lane has flushed.
        """
        if self._finishing:
            await self._wait_deferred(self._config.deferred_close_wait_s)
            return
        # The closing health is stamped when the stream stopped, not once the transcript's backlog is decoded
        # (seconds later under load): the timeline must not outlast the media.
        stopped_at = time.time()
        deadline = asyncio.get_running_loop().time() + self._config.deferred_close_wait_s
        for task in self._readers.values():
            task.cancel()
        self._health_task.cancel()
        await asyncio.gather(*self._readers.values(), self._health_task, return_exceptions=True)
        # Each lane finishes in a task of its own, in feeding order (a lane's hand-off closes once the lanes feeding
        # it have exited, so what they forward is still analyzed), and flushes on its own pool: a transcript still
        # decoding its backlog must not hold up the live lanes' final totals, nor another interview's report.
        for run in self._lanes.values():
            feeders = [self._finishing[r.lane.name] for r in self._lanes.values() if _feeds(r.lane, run.lane)]
            self._finishing[run.lane.name] = asyncio.create_task(
                self._finish_lane(run, feeders, stopped_at), name=f"{run.lane.name}-finish-{self._session_id}"
            )
        live = [task for name, task in self._finishing.items() if LANES[name].live]
        await asyncio.gather(*live)
        self._emit(self.health(stopped_at))
        all_lanes = asyncio.gather(*self._finishing.values())
        all_lanes.add_done_callback(self._set_finished)
        await self._wait_deferred(max(0.0, deadline - asyncio.get_running_loop().time()))
        # No await from this check to the flag: the deferred lane either emitted its flush already or will see it.
        if not self._finishing[DEFERRED.name].done() and self._lanes[DEFERRED.name].sessions:
            self._pending_deferred = True
            t = stopped_at - self.origin
            status = Observation(
                ObservationType.STATUS, TRANSCRIPT_COMPLETION, TranscriptCompletion.PENDING, t, stopped_at
            )
            self._emit([status])

    async def finished(self) -> None:
        """Complete once close() has run and every lane, the deferred one included, has flushed into the sink."""
        await asyncio.shield(self._finished)

    async def _wait_deferred(self, timeout_s: float) -> None:
        await asyncio.wait([self._finishing[DEFERRED.name]], timeout=timeout_s)  # never cancels it

    def _set_finished(self, _: asyncio.Future[list[None]]) -> None:
        self._closed = True
        if not self._finished.done():
            self._finished.set_result(None)

    async def _finish_lane(self, run: _LaneRun[Any], feeders: list[asyncio.Task[None]], stopped_at: float) -> None:
        """Close the lane's hand-off once its feeders are done, let its worker drain it, then flush its sessions."""
        await asyncio.gather(*feeders, return_exceptions=True)
        run.close()
        await asyncio.gather(self._workers[run.lane.name], return_exceptions=True)
        if not run.sessions:
            return
        try:
            flushed = await self._engine.run(run.lane, _close_sessions, run.sessions, run.markers)
        except Exception:  # the engine shut down (server stopping): what was analyzed is already in the sink
            log.exception("flushing the %s lane of interview %s failed", run.lane.name, self._session_id)
            flushed = []
        if run.lane is DEFERRED and self._pending_deferred:
            t = stopped_at - self.origin
            flushed.append(
                Observation(
                    ObservationType.STATUS, TRANSCRIPT_COMPLETION, TranscriptCompletion.COMPLETE, t, time.time()
                )
            )
        self._emit(flushed)


def _feeds(feeder: Lane, fed: Lane) -> bool:
    """Whether `feeder`'s output is `fed`'s input (the voice lane hands its chunks to the deferred lane)."""
    return fed.feed is Feed.VOICE_LANE and feeder is VOICE


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


def _media_end(item: _Pending | AudioChunk) -> float:
    """The media time at which an analyzed item ends: a video frame is an instant, audio lasts its samples."""
    if isinstance(item, AudioChunk):
        return item.t + len(item.pcm) / item.sample_rate
    samples, rate = getattr(item.frame, "samples", 0), getattr(item.frame, "sample_rate", 0)
    return item.t + samples / rate if samples and rate else item.t


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
