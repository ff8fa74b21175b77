"""The process-wide analysis engine: loaded analyzers and the bounded pool their work runs on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from analyzers.base import Analyzer, AnalyzerSession, AudioChunk, SessionContext, VideoSample

log = logging.getLogger(__name__)

# Threads for the deferred lane: each interview has at most one deferred job in flight, and a job waits on a child.
DEFERRED_THREADS = 32


@dataclass(frozen=True, slots=True)
class AnalyzerSessions:
    """One interview's open analyzer sessions, by the media they take."""

    video: tuple[AnalyzerSession[VideoSample], ...]
    audio: tuple[AnalyzerSession[AudioChunk], ...]
    # Audio analysis that may trail real time and drop audio when it cannot keep up (speech recognition), so
    # that it never holds up the live measures.
    deferred_audio: tuple[AnalyzerSession[AudioChunk], ...] = ()


class AnalysisEngine:
    """Holds the analyzers (each loads its model once) and two thread pools sized to the cores, one per media.

    Threads, not processes: MediaPipe, onnxruntime and webrtcvad do their heavy work in native code that
    releases the GIL, so a thread per core keeps both cores busy without copying frames between processes.
    (An analyzer whose native code holds the GIL runs in child processes instead: realtime/analyzer_process.py.)
    Video and audio get separate pools so that neither waits behind the other: an audio job may spend a while
    waiting on a speech-recognition child, and that must not delay the next face frame.
    Each interview has at most one video and one audio job in flight, so each pool's queue stays bounded by
    the number of live interviews.

    The deferred lane (speech recognition) has a third pool of its own. Its jobs mostly wait: on a child process
    that serves one call at a time for several interviews. On the audio pool, N interviews' waiting transcript jobs
    occupied both threads, and every interview's live voice measures (speaking, speech rate, loudness) queued behind
    them: 8-9 s late at 4 interviews on two cores. Waiting threads cost no CPU, so this pool is sized to hold one job
    per live interview up to DEFERRED_THREADS; the children, not the threads, bound the CPU it uses.
    """

    def __init__(
        self,
        video_analyzers: Sequence[Analyzer[VideoSample]],
        audio_analyzers: Sequence[Analyzer[AudioChunk]],
        threads: int,
        deferred_audio_analyzers: Sequence[Analyzer[AudioChunk]] = (),
    ) -> None:
        self.video_analyzers = tuple(video_analyzers)
        self.audio_analyzers = tuple(audio_analyzers)
        self.deferred_audio_analyzers = tuple(deferred_audio_analyzers)
        self.video_executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="video-analysis")
        self.audio_executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="audio-analysis")
        self.deferred_executor = ThreadPoolExecutor(DEFERRED_THREADS, thread_name_prefix="deferred-analysis")

    async def start(self) -> None:
        """Load and warm every model before the first interview, so the first frames are not slow."""
        loop = asyncio.get_running_loop()
        for analyzer in self.analyzers:
            await loop.run_in_executor(self.video_executor, analyzer.warm_up)
        log.info(
            "analysis engine ready: %d video, %d audio analyzers",
            len(self.video_analyzers),
            len(self.audio_analyzers) + len(self.deferred_audio_analyzers),
        )

    @property
    def analyzers(self) -> tuple[Analyzer[Any], ...]:
        return (*self.video_analyzers, *self.audio_analyzers, *self.deferred_audio_analyzers)

    async def run_video(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.video_executor, fn, *args)

    async def run_audio(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.audio_executor, fn, *args)

    async def run_deferred(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.deferred_executor, fn, *args)

    async def open_sessions(self, session_id: str, context: SessionContext | None = None) -> AnalyzerSessions:
        """Open every analyzer's per-interview session on the pool: building a landmarker takes ~50 ms."""
        return await self.run_video(self._open_sessions, session_id, context)

    def _open_sessions(self, session_id: str, context: SessionContext | None) -> AnalyzerSessions:
        return AnalyzerSessions(
            video=tuple(a.open(session_id, context) for a in self.video_analyzers),
            audio=tuple(a.open(session_id, context) for a in self.audio_analyzers),
            deferred_audio=tuple(a.open(session_id, context) for a in self.deferred_audio_analyzers),
        )

    def close(self) -> None:
        for executor in (self.video_executor, self.audio_executor, self.deferred_executor):
            executor.shutdown(wait=True, cancel_futures=True)
        for analyzer in self.analyzers:
            analyzer.close()
