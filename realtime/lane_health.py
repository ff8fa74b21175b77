"""How well one analysis lane of one interview keeps up: the latency of its work and the lag of its newest result.

- latency: from a sample's arrival at the server to the observations analysis made of it. Reported as the worst
  over a health interval; a batch still in analysis counts by how long its oldest sample has waited, so a lane
  stuck on one long job shows a growing latency instead of going quiet.
- lag: now minus the wall-clock time of the end of the newest analyzed media (media time is counted from the
  interview's start), so it includes every wait before analysis, the jitter buffer and the lane's hand-off.

The pipeline calls `started`/`finished` around each analysis job on its event loop; `report` reads and restarts the
interval. Nothing here blocks or allocates per sample beyond a few floats.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LaneReading:
    """One health interval of one lane; None where nothing was analyzed yet."""

    latency_s: float | None
    lag_s: float | None


@dataclass(slots=True)
class LaneMeter:
    _in_flight_since: float | None = None  # arrival of the oldest sample of the batch in analysis
    _worst_latency_s: float | None = None  # over the current interval
    _newest_media_end: float | None = None  # media time (s from the origin) of the end of the newest analyzed sample

    def started(self, oldest_arrival: float) -> None:
        self._in_flight_since = oldest_arrival

    def finished(self, now: float, media_end: float) -> None:
        if self._in_flight_since is not None:
            self._note_latency(now - self._in_flight_since)
        self._in_flight_since = None
        if self._newest_media_end is None or media_end > self._newest_media_end:
            self._newest_media_end = media_end

    def failed(self) -> None:
        """The batch produced nothing: its wait is not a latency of any observation."""
        self._in_flight_since = None

    def report(self, now: float, origin: float) -> LaneReading:
        """The interval's worst latency (then a new interval starts) and the lag at `now`."""
        if self._in_flight_since is not None:
            self._note_latency(now - self._in_flight_since)
        latency, self._worst_latency_s = self._worst_latency_s, None
        lag = None if self._newest_media_end is None else max(0.0, now - origin - self._newest_media_end)
        return LaneReading(latency, lag)

    def _note_latency(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        if self._worst_latency_s is None or seconds > self._worst_latency_s:
            self._worst_latency_s = seconds
