"""How busy this node is, told to every live dashboard as health observations (the load itself is sampled by
realtime/loop_monitor.py, in the server and in each media worker)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from realtime.loop_monitor import NodeMonitor
from rooms.bus import EventBus
from rooms.measures import ACTIVE_INTERVIEWS, LOOP_LAG_MS, NODE_CPU_PCT
from rooms.model import Observation, ObservationType

if TYPE_CHECKING:
    from server.interviews import Interviews


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
