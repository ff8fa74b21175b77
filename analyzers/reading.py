"""Eye movements like reading: repeated left-to-right gaze sweeps, each ended by a fast return, at reading pace (an
integrity signal, rooms/integrity.py). A stretch to look at, never a verdict: a candidate may glance over notes they
are allowed, or scan the room.

It reads the face analyzer's `gaze_yaw` (head pose plus iris offset, degrees, per analyzed open-eyed frame), so it
adds no model work. A sweep is a drift of at least `min_sweep_deg` in one direction over `min_line_s` to
`max_line_s` (a line of text) in small steps (none over `max_step_share` of it), ended by a jump back of at least
`min_return_deg` within `max_return_s` (the return sweep to the next line). `min_sweeps` consecutive sweeps in the
same direction make a `reading` event whose value is the stretch's length, with the sweeps' count, pace and
amplitude as evidence. Both directions are tracked, because the sign of yaw depends on the camera's mirroring;
reading is left to right in both Chinese and English horizontal text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rooms.integrity import READING
from rooms.measures import GAZE_YAW
from rooms.model import Observation, ObservationType


@dataclass(frozen=True, slots=True)
class ReadingConfig:
    min_sweep_deg: float = 6.0
    min_return_deg: float = 6.0
    max_return_s: float = 0.35  # a return saccade lands within a frame or two
    min_line_s: float = 0.8
    max_line_s: float = 6.0
    min_sweeps: int = 3
    max_step_share: float = 0.5  # no single forward step may cover more than this share of a line's sweep
    max_sample_gap_s: float = 0.6  # a longer hole (face lost, long blink) ends the stretch


@dataclass(slots=True)
class _Direction:
    sign: float
    line_start: tuple[float, float] | None = None  # (t, yaw) where the current line began
    sweeps: list[tuple[float, float, float]] = field(default_factory=list)  # (start t, end t, amplitude)
    recent: list[tuple[float, float]] = field(default_factory=list)  # samples within max_return_s of now
    max_step: float = 0.0  # the largest forward step within the current line
    previous: float | None = None


class ReadingDetector:
    """One interview's detector: feed it observation batches in video order; it returns `reading` events."""

    def __init__(self, config: ReadingConfig | None = None) -> None:
        self.config = config or ReadingConfig()
        self._directions = (_Direction(1.0), _Direction(-1.0))
        self._last: tuple[float, float] | None = None
        self._last_arrival = 0.0

    def feed(self, observations: Iterable[Observation]) -> list[Observation]:
        out: list[Observation] = []
        for o in observations:
            if o.type is ObservationType.METRIC and o.name == GAZE_YAW and isinstance(o.value, int | float):
                self._last_arrival = o.arrival
                out += self._sample(o.t, float(o.value))
        return out

    def close(self) -> list[Observation]:
        return [e for d in self._directions for e in self._finish(d)]

    def _sample(self, t: float, yaw: float) -> list[Observation]:
        config = self.config
        out: list[Observation] = []
        if self._last is not None and t - self._last[0] > config.max_sample_gap_s:
            for direction in self._directions:
                out += self._finish(direction)
        if self._last is not None and t <= self._last[0]:
            return out
        for direction in self._directions:
            direction.recent = [(rt, ry) for rt, ry in direction.recent if t - rt <= config.max_return_s]
            out += self._step(direction, t, yaw)
            direction.recent.append((t, yaw))
        self._last = (t, yaw)
        return out

    def _step(self, d: _Direction, t: float, yaw: float) -> list[Observation]:
        config = self.config
        if d.line_start is None:
            d.line_start, d.previous, d.max_step = (t, yaw), yaw, 0.0
            return []
        step = d.sign * (yaw - (d.previous if d.previous is not None else yaw))
        d.previous = yaw
        # A return: a fast jump against the reading direction from the line's furthest point.
        peak_t, peak = max(d.recent, key=lambda s: d.sign * s[1], default=(t, yaw))
        jumped = d.sign * (peak - yaw) >= config.min_return_deg
        if not jumped:
            if d.sweeps and t - d.line_start[0] > config.max_line_s:
                return self._finish(d)  # no return for longer than a line takes: the reading (if any) stopped
            # Still reading along, or drifting back slowly: a line starts again where the gaze is furthest back.
            if d.sign * (yaw - d.line_start[1]) < 0 and not d.sweeps:
                d.line_start, d.max_step = (t, yaw), 0.0
            else:
                d.max_step = max(d.max_step, step)
            return []
        line_s = peak_t - d.line_start[0]
        amplitude = d.sign * (peak - d.line_start[1])
        out: list[Observation] = []
        # Reading moves along a line in small steps (fixations a few degrees apart), not one jump there.
        gradual = d.max_step <= config.max_step_share * amplitude
        if config.min_line_s <= line_s <= config.max_line_s and amplitude >= config.min_sweep_deg and gradual:
            d.sweeps.append((d.line_start[0], peak_t, amplitude))
        else:
            out = self._finish(d)
        d.line_start, d.max_step = (t, yaw), 0.0
        d.recent = []
        return out

    def _finish(self, d: _Direction) -> list[Observation]:
        sweeps, d.sweeps = d.sweeps, []
        d.line_start = None
        d.recent = []
        if len(sweeps) < self.config.min_sweeps:
            return []
        start, end = sweeps[0][0], sweeps[-1][1]
        detail = {
            "end": round(end, 3),
            "sweeps": len(sweeps),
            "line_s_mean": round(sum(e - s for s, e, _ in sweeps) / len(sweeps), 2),
            "sweep_deg_mean": round(sum(a for _, _, a in sweeps) / len(sweeps), 1),
        }
        return [Observation(ObservationType.EVENT, READING, round(end - start, 2), start, self._last_arrival, detail)]
