"""The one loop that drains a track: every consumer of the candidate's media (analysis, recording) reads with it.

aiortc hands decoded frames through an unbounded queue, so a reader calls `recv()` without pause and never awaits
anything else: each frame is stamped with its media time, sampled down to a rate if one is given, and handed to
`deliver`, which must return at once (it puts the frame into a bounded hand-off). The track's end returns; any other
exception is contained here, logged with what was being read, and ends only this reader: it never reaches the peer
connection, and it never passes unseen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from realtime.clock import RateSampler, TrackClock

log = logging.getLogger(__name__)

# (frame, media time, wall-clock arrival) -> None; must not block.
Deliver = Callable[[object, float, float], None]


@dataclass(slots=True)
class ReaderCounts:
    received: int = 0  # frames taken off the track
    skipped: int = 0  # above the rate, by design


def start_reader(
    track: MediaStreamTrack,
    origin: float,
    deliver: Deliver,
    what: str,
    rate_hz: float | None = None,
    counts: ReaderCounts | None = None,
) -> asyncio.Task[None]:
    """Read `track` in a task of its own until it ends or the task is cancelled. `what` names the reader in logs."""
    return asyncio.create_task(_read(track, origin, deliver, what, rate_hz, counts or ReaderCounts()), name=what)


async def _read(
    track: MediaStreamTrack, origin: float, deliver: Deliver, what: str, rate_hz: float | None, counts: ReaderCounts
) -> None:
    clock = TrackClock(origin)
    sampler = RateSampler(rate_hz) if rate_hz else None
    try:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            arrival = time.time()
            counts.received += 1
            t = clock.media_time(frame.pts, frame.time_base, arrival)
            if sampler is not None and not sampler.due(t):
                counts.skipped += 1
                continue
            deliver(frame, t, arrival)
    except Exception:
        log.exception("%s failed; this track is no longer read", what)
