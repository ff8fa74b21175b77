"""Pitch (F0) of voiced speech, and how much it moves: the intonation measures of a voice.

F0 per 40 ms frame (the syllable front end's frames, 10 ms apart), by YIN (de Cheveigne & Kawahara 2002):

1. Difference function over a `integration_s` (20 ms) window: d(tau) = sum_t (x_t - x_{t+tau})^2, for lags up
   to the longest period (1/60 Hz = 267 samples; window + lag fit in the 640-sample frame). It is computed as
   e(0) + e(tau) - 2 * crosscorrelation, the crosscorrelation with one FFT product and the energies e with a
   cumulative sum, vectorised over a batch of frames.
2. Cumulative-mean normalisation d'(tau) = d(tau) / mean(d(1..tau)): it starts at 1, and dips towards 0 at the
   period and its multiples. Its value at the dip is the frame's aperiodicity.
3. The period is the first lag within `f0_hz` (60-400 Hz) where d' falls below `threshold` (0.15), moved on to
   the bottom of that dip; if d' never gets that low, the global minimum. Taking the *first* good dip, not the
   deepest, is what keeps YIN off the octave below (2 periods match almost as well as one). Parabolic
   interpolation around the dip gives the lag to a fraction of a sample (1 sample is 1.25 % at 200 Hz, too coarse
   for intonation).
4. A frame is voiced if its aperiodicity is below `voicing_threshold`, and the two stretches compared (x_t and
   x_{t+period}) differ in energy by less than `max_energy_step_db`: where sound starts out of silence, the
   difference of a quiet stretch with a slightly louder one is small at any lag, which reads as "periodic".
   Both must also be above `min_level_dbfs`.
5. `PitchContinuity` keeps a voiced frame only if a neighbouring frame (10 ms before or after) is voiced within
   `max_jump_semitones` of it. Real voicing lasts longer than one hop and moves smoothly; what this drops are
   single frames that happen to look periodic (a quiet frame between words, a formant ringing at 380 Hz under a
   75 Hz voice, a lone octave slip). On espeak speech it drops 2-12 % of the voiced frames, among them every
   such outlier we found.
   The voice session also requires the VAD to call the frame speech.

We first tried normalised autocorrelation of the Hann-windowed spectrum (Boersma's method, which would have reused
the syllable detector's FFT). Without Praat's path search it made octave and "formant" errors in 5-10 % of the
frames of espeak speech (a frame at a voicing onset correlating better at 2 periods, a strong first formant
ringing at 380 Hz under a 75 Hz voice), which inflate a standard deviation badly; YIN made almost none.

`IntonationTracker` turns voiced F0s into semitones (12 per octave: a ratio, so a man's and a woman's voice
vary alike on it) and keeps the spread of the last `window_s` of voiced frames, plus the session's total.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

SEMITONE_REF_HZ = 100.0  # any reference gives the same spread; this one keeps values small and positive


@dataclass(frozen=True, slots=True)
class PitchConfig:
    """Pitch-tracker settings; the module docstring explains each."""

    f0_hz: tuple[float, float] = (60.0, 400.0)
    integration_s: float = 0.02
    threshold: float = 0.15
    voicing_threshold: float = 0.3
    max_energy_step_db: float = 6.0
    min_level_dbfs: float = -60.0
    max_jump_semitones: float = 3.0
    window_s: float = 20.0  # voiced time the live pitch_variation looks back over
    min_voiced_s: float = 2.0  # voiced time needed before pitch_variation is reported


class PitchEstimator:
    """F0 of frames of `frame_len` samples by YIN; every frame is analysed on its own."""

    def __init__(self, config: PitchConfig, frame_len: int, sample_rate: int) -> None:
        self.config = config
        self._sample_rate = sample_rate
        self._width = round(config.integration_s * sample_rate)
        self._min_lag = max(2, int(math.floor(sample_rate / config.f0_hz[1])))
        self._max_lag = int(math.ceil(sample_rate / config.f0_hz[0]))
        if self._width + self._max_lag + 1 > frame_len:
            raise ValueError("frames too short for the integration window plus the longest period")
        self._max_step = 10.0 ** (config.max_energy_step_db / 10.0)
        self._min_energy = self._width * 32768.0**2 * 10.0 ** (config.min_level_dbfs / 10.0)
        self._nfft = 1 << int(math.ceil(math.log2(frame_len + self._width)))  # linear, not circular, correlation

    def estimate(self, frames: np.ndarray) -> np.ndarray:
        """F0 in Hz of each row of `frames` ((n, frame_len) samples); NaN where the frame is not voiced."""
        n = len(frames)
        if n == 0:
            return np.zeros(0)
        w, lo, hi, top = self._width, self._min_lag, self._max_lag, self._max_lag + 1
        x = frames.astype(np.float64)  # no DC removal needed: d(tau) is blind to a constant offset
        spectrum = np.fft.rfft(x, self._nfft, axis=1)
        head = np.fft.rfft(x[:, :w], self._nfft, axis=1)
        cross = np.fft.irfft(np.conj(head) * spectrum, self._nfft, axis=1)[:, : top + 1]
        energy = np.concatenate([np.zeros((n, 1)), np.cumsum(x * x, axis=1)], axis=1)
        shifted = energy[:, w : w + top + 1] - energy[:, : top + 1]  # energy of x[tau : tau + w]
        d = np.maximum(shifted[:, :1] + shifted - 2.0 * cross, 0.0)
        # Cumulative-mean normalisation; digital silence (d == 0 everywhere) stays at 1 (aperiodic).
        running = np.cumsum(d[:, 1:], axis=1)
        norm = np.ones_like(d)
        norm[:, 1:] = np.where(running > 0.0, d[:, 1:] * np.arange(1, top + 1) / np.maximum(running, 1e-30), 1.0)
        band = norm[:, lo : hi + 1]
        # The bottom of the first dip that reaches below the threshold; if none does, the deepest point.
        dip = (band[:, 1:-1] <= band[:, :-2]) & (band[:, 1:-1] < band[:, 2:])
        below = band < self.config.threshold
        first_below = np.where(below.any(axis=1), np.argmax(below, axis=1), band.shape[1])
        after = np.zeros_like(band, dtype=bool)
        after[:, 1:-1] = dip
        after &= np.arange(band.shape[1]) >= first_below[:, None]
        best = np.where(after.any(axis=1), np.argmax(after, axis=1), np.argmin(band, axis=1))
        rows = np.arange(n)
        lag = best + lo
        value = norm[rows, lag]
        left, right = norm[rows, lag - 1], norm[rows, np.minimum(lag + 1, top)]
        curvature = left - 2.0 * value + right
        safe = np.where(curvature > 0.0, curvature, 1.0)
        shift = np.where(curvature > 0.0, 0.5 * (left - right) / safe, 0.0)
        f0 = self._sample_rate / (lag + np.clip(shift, -0.5, 0.5))
        in_range = (f0 >= self.config.f0_hz[0]) & (f0 <= self.config.f0_hz[1])
        step = self._max_step
        here, there = shifted[:, 0], shifted[rows, lag]
        steady = (there <= step * here) & (here <= step * there) & (np.minimum(here, there) >= self._min_energy)
        return np.where((value < self.config.voicing_threshold) & in_range & steady, f0, np.nan)


class PitchContinuity:
    """Streaming step 5: push each batch of consecutive hops' F0s, get back those a neighbour confirms.

    A hop's verdict needs the next hop, so the last hop of a batch waits for the next batch (or `flush`). Each
    confirmed hop comes as (centre, confirmed_at, F0): `confirmed_at` is the end of the audio its verdict needed
    (the next hop's end), so a caller can place it in time independently of how the stream was batched."""

    def __init__(self, config: PitchConfig) -> None:
        self._max_jump = config.max_jump_semitones / 12.0  # in octaves
        self._prev = math.nan  # log2 F0 of the hop before the held one
        self._held: tuple[float, float, float] | None = None  # (centre, end, log2 F0) of the undecided hop

    def reset(self) -> None:
        """A gap in the audio: hops on either side are not neighbours."""
        self._prev, self._held = math.nan, None

    def push(self, centre: np.ndarray, end: np.ndarray, f0_hz: np.ndarray) -> list[tuple[float, float, float]]:
        """Consecutive hops (their centre and end times, F0 or NaN); return the confirmed hops."""
        out: list[tuple[float, float, float]] = []
        with np.errstate(invalid="ignore", divide="ignore"):
            octaves = np.log2(f0_hz)
        for c, e, octave in zip(centre.tolist(), end.tolist(), octaves.tolist(), strict=True):
            if self._held is not None:
                held_centre, _, held = self._held
                if abs(held - self._prev) < self._max_jump or abs(held - octave) < self._max_jump:
                    out.append((held_centre, e, 2.0**held))
                self._prev = held
            else:
                self._prev = math.nan
            self._held = (c, e, octave) if not math.isnan(octave) else None
        return out

    def flush(self) -> list[tuple[float, float, float]]:
        """End of stream (or a gap): decide the held hop on its predecessor alone."""
        out = []
        if self._held is not None and abs(self._held[2] - self._prev) < self._max_jump:
            out.append((self._held[0], self._held[1], 2.0 ** self._held[2]))
        self.reset()
        return out


def semitones(f0_hz: float) -> float:
    return 12.0 * math.log2(f0_hz / SEMITONE_REF_HZ)


class IntonationTracker:
    """Spread of F0 in semitones over the latest `window_s` of voiced frames (live) and over the whole stream."""

    def __init__(self, config: PitchConfig, hop_s: float) -> None:
        self.config = config
        self._window_frames = max(2, round(config.window_s / hop_s))
        self._min_frames = max(2, round(config.min_voiced_s / hop_s))
        self._recent: deque[float] = deque()
        self._sum = self._sum_sq = 0.0  # over `_recent`
        self._n_all = 0
        self._mean_all = self._m2_all = 0.0  # Welford over the whole stream

    @property
    def voiced_frames(self) -> int:
        return self._n_all

    def add(self, f0_hz: float) -> None:
        st = semitones(f0_hz)
        self._recent.append(st)
        self._sum += st
        self._sum_sq += st * st
        if len(self._recent) > self._window_frames:
            old = self._recent.popleft()
            self._sum -= old
            self._sum_sq -= old * old
        self._n_all += 1
        delta = st - self._mean_all
        self._mean_all += delta / self._n_all
        self._m2_all += delta * (st - self._mean_all)

    def variation(self) -> float | None:
        """Std-dev (semitones) over the window, once `min_voiced_s` of voiced frames are in; else None."""
        n = len(self._recent)
        if self._n_all < self._min_frames:
            return None
        mean = self._sum / n
        return math.sqrt(max(self._sum_sq / n - mean * mean, 0.0))

    def overall(self) -> float | None:
        """Std-dev (semitones) over every voiced frame of the stream, once `min_voiced_s` are in."""
        if self._n_all < self._min_frames:
            return None
        return math.sqrt(self._m2_all / self._n_all)
