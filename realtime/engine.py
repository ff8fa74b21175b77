"""The process-wide analysis engine: loaded analyzers and the bounded pool their work runs on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from analyzers.base import Analyzer, AnalyzerSession, AudioChunk, VideoSample

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalyzerSessions:
    """One interview's open analyzer sessions, by the media they take."""

    video: tuple[AnalyzerSession[VideoSample], ...]
    audio: tuple[AnalyzerSession[AudioChunk], ...]


class AnalysisEngine:
    """Holds the analyzers (each loads its model once) and a thread pool sized to the cores.

    Threads, not processes: MediaPipe, onnxruntime and webrtcvad do their heavy work in native code that
    releases the GIL, so a thread per core keeps both cores busy without copying frames between processes.
    Each interview has at most one video and one audio job in flight, so the pool's queue stays bounded by
    twice the number of live interviews.
    """

    def __init__(
        self,
        video_analyzers: Sequence[Analyzer[VideoSample]],
        audio_analyzers: Sequence[Analyzer[AudioChunk]],
        threads: int,
    ) -> None:
        self.video_analyzers = tuple(video_analyzers)
        self.audio_analyzers = tuple(audio_analyzers)
        self.executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="analysis")

    async def start(self) -> None:
        """Load and warm every model before the first interview, so the first frames are not slow."""
        loop = asyncio.get_running_loop()
        for analyzer in (*self.video_analyzers, *self.audio_analyzers):
            await loop.run_in_executor(self.executor, analyzer.warm_up)
        log.info(
            "analysis engine ready: %d video, %d audio analyzers", len(self.video_analyzers), len(self.audio_analyzers)
        )

    async def run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def open_sessions(self, session_id: str) -> AnalyzerSessions:
        """Open every analyzer's per-interview session on the pool: building a landmarker takes ~50 ms."""
        return await self.run(self._open_sessions, session_id)

    def _open_sessions(self, session_id: str) -> AnalyzerSessions:
        return AnalyzerSessions(
            video=tuple(a.open(session_id) for a in self.video_analyzers),
            audio=tuple(a.open(session_id) for a in self.audio_analyzers),
        )

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        for analyzer in (*self.video_analyzers, *self.audio_analyzers):
            analyzer.close()
