"""The analysis lanes, declared once: what feeds each, how its hand-off drops, and the pool its work runs on.

A lane is a path from a track to a set of analyzers that must not wait on each other's lanes
(docs/architecture.md, "Real-time rules"):
- `video`: the face; fed by the video track sampled down to the analysis rate, through a one-slot mailbox
  (a frame that arrives while analysis is busy replaces the waiting one and is counted as dropped);
- `voice`: the live voice measures; fed by the audio track, kept whole in a 2 s window (an overflow is a counted
  gap, not growing latency);
- `deferred`: speech recognition; fed by the voice lane's resampled chunks through a 20 s window, on a pool of
  its own whose jobs mostly wait on child processes: it may trail real time and never holds up the live lanes.

An analyzer names its lane (`Analyzer.lane`); the engine opens a pool per lane and the pipeline a hand-off and a
worker per lane, from this table. A new lane is a new entry here plus what feeds it in realtime/pipeline.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Threads for the deferred lane: each interview has at most one deferred job in flight, and a job waits on a child.
DEFERRED_THREADS = 32
AUDIO_WINDOW_FRAMES = 100  # 2 s of 20 ms frames
DEFERRED_AUDIO_WINDOW_S = 20.0


class Handoff(enum.StrEnum):
    LATEST = "latest"  # a one-slot mailbox: the newest item replaces a waiting one (counted as dropped)
    WINDOW = "window"  # a bounded FIFO: past `capacity` the oldest go (counted as a gap)


class Feed(enum.StrEnum):
    VIDEO_TRACK = "video_track"
    AUDIO_TRACK = "audio_track"
    VOICE_LANE = "voice_lane"  # the voice lane's resampled 16 kHz chunks


@dataclass(frozen=True, slots=True)
class Lane:
    """One lane. `threads`: its pool's size, None = the engine's `threads` (sized to the cores). `live`: its
    measures are wanted now (False: it may trail real time)."""

    name: str
    feed: Feed
    handoff: Handoff
    capacity: int
    live: bool = True
    threads: int | None = None


VIDEO = Lane("video", Feed.VIDEO_TRACK, Handoff.LATEST, 1)
VOICE = Lane("voice", Feed.AUDIO_TRACK, Handoff.WINDOW, AUDIO_WINDOW_FRAMES)
# Chunks, one per voice job: at least 20 ms each, so the window holds at least DEFERRED_AUDIO_WINDOW_S.
DEFERRED = Lane(
    "deferred",
    Feed.VOICE_LANE,
    Handoff.WINDOW,
    round(DEFERRED_AUDIO_WINDOW_S / 0.02),
    live=False,
    threads=DEFERRED_THREADS,
)
LANES: dict[str, Lane] = {lane.name: lane for lane in (VIDEO, VOICE, DEFERRED)}


def lane_named(name: str) -> Lane:
    try:
        return LANES[name]
    except KeyError:
        raise ValueError(f"unknown analysis lane {name!r}; lanes: {', '.join(LANES)}") from None
