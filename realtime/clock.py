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
