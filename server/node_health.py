"""How busy this node is: event-loop lag and process CPU, sampled continuously and cheaply.

Admission control and the metrics endpoint read it; live dashboards get it as health observations.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rooms.bus import EventBus
from rooms.measures import ACTIVE_INTERVIEWS, LOOP_LAG_MS, NODE_CPU_PCT
from rooms.model import Observation, ObservationType

if TYPE_CHECKING:
    from server.interviews import Interviews


@dataclass(frozen=True, slots=True)
class NodeLoad:
    loop_lag_ms: float  # worst lag in the last window: how late a timer fired
    loop_lag_mean_ms: float  # mean lag over the window: sustained overload, not a one-off pause
    cpu_pct: float  # process CPU over the last window, % of one core (200 = both cores busy)


class NodeMonitor:
    """Samples how late a short timer fires (event-loop lag) and how much CPU the process uses."""

    def __init__(self, interval_s: float = 0.1, window_s: float = 5.0) -> None:
        self._interval_s = interval_s
        self._lags: deque[float] = deque(maxlen=max(1, int(window_s / interval_s)))
        self._cpu_samples: deque[tuple[float, float]] = deque(maxlen=max(2, int(window_s / interval_s)))
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="node-monitor")

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self._interval_s)
            self._lags.append(max(0.0, time.perf_counter() - before - self._interval_s))
            self._cpu_samples.append((time.monotonic(), time.process_time()))

    def load(self) -> NodeLoad:
        lag_ms = max(self._lags, default=0.0) * 1000.0
        # Judge sustained lag on a full window only: a few samples right after start prove nothing.
        full = len(self._lags) == self._lags.maxlen
        mean_ms = sum(self._lags) / len(self._lags) * 1000.0 if full else 0.0
        cpu = 0.0
        if len(self._cpu_samples) >= 2:
            (t0, c0), (t1, c1) = self._cpu_samples[0], self._cpu_samples[-1]
            cpu = (c1 - c0) / (t1 - t0) * 100.0 if t1 > t0 else 0.0
        return NodeLoad(loop_lag_ms=round(lag_ms, 1), loop_lag_mean_ms=round(mean_ms, 1), cpu_pct=round(cpu, 1))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def publish_node_health(
    interviews: Interviews, monitor: NodeMonitor, bus: EventBus, every_s: float = 2.0
) -> None:
    """Tell every live dashboard how loaded its node is, so an interviewer can tell a slow node from a slow link."""
    while True:
        await asyncio.sleep(every_s)
        load, now = monitor.load(), time.time()
        values = {
            NODE_CPU_PCT: load.cpu_pct,
            LOOP_LAG_MS: load.loop_lag_ms,
            ACTIVE_INTERVIEWS: len(interviews.sessions),
        }
        for room_id in list(interviews.sessions):
            health = interviews.health.get(room_id)
            if health is None:
                continue
            t = now - health.started_at  # on the room's media time, like its analysis
            bus.publish(room_id, [Observation(ObservationType.HEALTH, k, v, t, now) for k, v in values.items()])
