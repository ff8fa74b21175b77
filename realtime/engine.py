"""The process-wide analysis engine: loaded analyzers, grouped by lane, and a bounded pool per lane."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from analyzers.base import Analyzer, AnalyzerSession, SessionContext
from realtime.lanes import LANES, Lane, lane_named

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AnalyzerSessions:
    """One interview's open analyzer sessions, by lane name (lanes without an analyzer are absent)."""

    by_lane: dict[str, tuple[AnalyzerSession[Any], ...]] = field(default_factory=dict)

    def of(self, lane: Lane) -> tuple[AnalyzerSession[Any], ...]:
        return self.by_lane.get(lane.name, ())


class AnalysisEngine:
    """Holds the analyzers (each loads its model once) and a thread pool per lane (realtime/lanes.py).

    Threads, not processes: MediaPipe, onnxruntime and webrtcvad do their heavy work in native code that
    releases the GIL, so a thread per core keeps both cores busy without copying frames between processes.
    (An analyzer whose native code holds the GIL runs in child processes instead: realtime/analyzer_process.py.)
    Each lane has its own pool so that none waits behind another: a voice job must not queue behind a face frame,
    and neither behind speech recognition waiting on its child. Each interview has at most one job in flight per
    lane, so each pool's queue stays bounded by the number of live interviews.

    The deferred lane's jobs mostly wait on a child process that serves one call at a time for several interviews.
    On a shared audio pool, N interviews' waiting transcript jobs occupied both threads, and every interview's live
    voice measures queued behind them: 8-9 s late at 4 interviews on two cores. Waiting threads cost no CPU, so its
    pool holds one job per live interview up to DEFERRED_THREADS; the children, not the threads, bound its CPU.
    """

    def __init__(self, analyzers: Iterable[Analyzer[Any]], threads: int) -> None:
        self.analyzers: tuple[Analyzer[Any], ...] = tuple(analyzers)
        for analyzer in self.analyzers:
            lane_named(analyzer.lane)  # fails loudly on a lane nobody runs
        self._pools = {
            lane.name: ThreadPoolExecutor(
                max_workers=max(1, lane.threads if lane.threads is not None else threads),
                thread_name_prefix=f"{lane.name}-analysis",
            )
            for lane in LANES.values()
        }

    async def start(self) -> None:
        """Load and warm every model before the first interview, so the first frames are not slow."""
        loop = asyncio.get_running_loop()
        for analyzer in self.analyzers:
            await loop.run_in_executor(self._pools[analyzer.lane], analyzer.warm_up)
        counts = ", ".join(f"{len(self.in_lane(lane))} {lane.name}" for lane in LANES.values())
        log.info("analysis engine ready: analyzers per lane: %s", counts)

    def in_lane(self, lane: Lane) -> tuple[Analyzer[Any], ...]:
        return tuple(a for a in self.analyzers if a.lane == lane.name)

    def max_rate_hz(self, lane: Lane) -> float | None:
        """The highest rate any analyzer of the lane needs; None when one takes every sample."""
        rates = [a.max_rate_hz for a in self.in_lane(lane)]
        return None if not rates or None in rates else max(r for r in rates if r is not None)

    async def run(self, lane: Lane, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the lane's pool."""
        return await asyncio.get_running_loop().run_in_executor(self._pools[lane.name], fn, *args)

    async def open_sessions(self, session_id: str, context: SessionContext | None = None) -> AnalyzerSessions:
        """Open every analyzer's per-interview session, each on its lane's pool (building a landmarker takes
        ~50 ms; a child process's session waits on the child)."""
        lanes = [lane for lane in LANES.values() if self.in_lane(lane)]
        opened = await asyncio.gather(*(self.run(lane, self._open, lane, session_id, context) for lane in lanes))
        return AnalyzerSessions(dict(zip((lane.name for lane in lanes), opened, strict=True)))

    def _open(self, lane: Lane, session_id: str, context: SessionContext | None) -> tuple[AnalyzerSession[Any], ...]:
        return tuple(a.open(session_id, context) for a in self.in_lane(lane))

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        for analyzer in self.analyzers:
            analyzer.close()
