"""Interview media time from a track's own timestamps."""

from __future__ import annotations

from fractions import Fraction


class TrackClock:
    """Maps a track's pts to seconds since the interview's origin (a wall-clock instant).

    Each track's pts restart at 0 on its first frame, audio and video separately, so the first frame anchors
    the track to the wall clock. After that, time comes from the pts: frames that wait in a jitter buffer or a
    decoder queue keep their capture time, so a backlog shows as media time falling behind the wall clock.
    Media time never runs ahead of the wall clock: if the anchor frame itself came late, we re-anchor.
    """

    def __init__(self, origin: float) -> None:
        self._origin = origin
        self._offset: float | None = None

    def media_time(self, pts: int | None, time_base: Fraction | None, arrival: float) -> float:
        wall = arrival - self._origin
        if pts is None or time_base is None:
            return wall
        position = float(pts * time_base)
        if self._offset is None or self._offset + position > wall:
            self._offset = wall - position
        return self._offset + position


class RateSampler:
    """Keeps frames on a grid of `fps` in media time: `due(t)` says whether the frame at `t` is the next one.

    A few ms of tolerance, because frame times jitter around the grid; after a pause the grid restarts at the
    next frame instead of letting a burst through.
    """

    TOLERANCE_S = 0.005

    def __init__(self, fps: float) -> None:
        self._period = 1.0 / fps
        self._next_due = float("-inf")

    def due(self, t: float) -> bool:
        if t < self._next_due - self.TOLERANCE_S:
            return False
        self._next_due = max(self._next_due + self._period, t)
        return True
