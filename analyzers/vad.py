"""Streaming voice activity: a per-frame speech classifier (webrtcvad or Silero), a level gate, and smoothing.

Method, per frame of int16 mono audio (frames sit on a grid anchored at the stream's first sample, so the result
does not depend on how the stream was chunked):

1. The engine scores the frame.
   - `webrtc`: webrtcvad (GMM on sub-band energies, `aggressiveness` 0-3) on 30 ms frames; score 1.0 or 0.0.
   - `silero`: the Silero VAD network (analyzers/silero_vad.py) on 32 ms windows; score = speech probability.
     With hysteresis as in Silero's own segmenter: outside a segment a frame counts at `threshold` (0.5), inside
     one it keeps counting down to `neg_threshold` (0.35), so a segment does not break on one doubtful window.
2. Level gate. webrtcvad's model is spectral; it calls steady white noise speech at modes 0-2 (and often at 3).
   So with `gate_margin_db` set (the webrtc default) a frame only counts as voiced if its RMS level is also at
   least `gate_margin_db` above an adaptive noise floor. The floor is the minimum frame level over the last
   `floor_window_s`: speech always has quieter frames between words and phrases, so the minimum tracks the
   background, while a stationary noise sits within ~1-2 dB of its own minimum (a 480-sample frame's power
   estimate of white noise has ~0.3 dB spread) and is gated out. The price: speech quieter than floor + margin
   (SNR below ~6-10 dB) is missed, and for the first `floor_window_s` after a level change (e.g. a fan switched
   on) the floor lags. Silero tells noise from speech itself, so its default has no relative gate (see
   analyzers/voice.py for the measurements); both engines keep the absolute floor `min_speech_dbfs`.
3. Smoothing, so that "speaking" does not flicker. Onset: at least `onset_frames` voiced frames among the last
   `onset_window_frames`; the segment is back-dated to the first of them. Offset: `hangover_s` of consecutive
   unvoiced frames; the segment is back-dated to the end of its last voiced frame. So the live `speaking` flag lags
   by up to the onset window / hangover, but segment start and end times (and durations) do not.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad

from analyzers.silero_vad import WINDOW as SILERO_WINDOW
from analyzers.silero_vad import SileroModel

# Level of digital silence; keeps dB arithmetic finite (and JSON-encodable downstream).
SILENCE_DBFS = -120.0
# A chunk starting further than this from where the previous one ended means audio was lost (or timestamps
# jumped); closer than this, timestamp jitter is ignored and the stream is taken as contiguous.
GAP_TOLERANCE_S = 0.015


@dataclass(frozen=True, slots=True)
class Frames:
    """Frames cut from a stream: `samples` is (n, frame_len) int16; `t` is the media time of each frame's first
    sample. `restarted` means the stream was discontinuous before these frames (a gap or a jump back in time)."""

    samples: np.ndarray
    t: np.ndarray
    restarted: bool


class StreamFramer:
    """Cuts a chunked stream into fixed-length frames, `hop` samples apart, carrying the remainder between chunks.

    The frame grid is anchored at the first sample (re-anchored after a discontinuity), so the same audio in any
    chunking yields the same frames. Times come from sample counts, not summed floats, so they do not drift.
    """

    def __init__(self, frame_len: int, hop: int, sample_rate: int, gap_tolerance_s: float = GAP_TOLERANCE_S) -> None:
        if not 0 < hop <= frame_len:
            raise ValueError("need 0 < hop <= frame_len")
        self.frame_len = frame_len
        self.hop = hop
        self.sample_rate = sample_rate
        self.gap_tolerance_s = gap_tolerance_s
        self._anchor_t: float | None = None  # media time of the grid's sample 0
        self._buffer = np.zeros(0, dtype=np.int16)
        self._buffer_start = 0  # grid index of the buffer's first sample
        self._seen = 0  # samples received since the anchor

    def push(self, pcm: np.ndarray, t: float) -> Frames:
        """Add a chunk whose first sample is at media time `t`; return every frame it completes."""
        restarted = False
        expected = None if self._anchor_t is None else self._anchor_t + self._seen / self.sample_rate
        if expected is None or abs(t - expected) > self.gap_tolerance_s:
            restarted = expected is not None
            self._anchor_t = t
            self._buffer = np.zeros(0, dtype=np.int16)
            self._buffer_start = 0
            self._seen = 0
        self._buffer = np.concatenate([self._buffer, np.asarray(pcm, dtype=np.int16).reshape(-1)])
        self._seen += len(pcm)
        n = 0 if len(self._buffer) < self.frame_len else (len(self._buffer) - self.frame_len) // self.hop + 1
        if n == 0:
            return Frames(np.zeros((0, self.frame_len), np.int16), np.zeros(0), restarted)
        if self.hop == self.frame_len:
            windows = self._buffer[: n * self.hop].reshape(n, self.frame_len).copy()
        else:
            windows = self._buffer[self.hop * np.arange(n)[:, None] + np.arange(self.frame_len)]
        starts = self._buffer_start + self.hop * np.arange(n)
        assert self._anchor_t is not None  # set by the first push
        times = self._anchor_t + starts / self.sample_rate
        frames = Frames(windows, times, restarted)
        self._buffer = self._buffer[n * self.hop :]
        self._buffer_start += n * self.hop
        return frames


def frame_dbfs(samples: np.ndarray) -> np.ndarray:
    """RMS level of each row in dB relative to int16 full scale (RMS 32768), floored at SILENCE_DBFS."""
    x = samples.astype(np.float64)
    ms = np.mean(x * x, axis=-1) / (32768.0 * 32768.0)
    return np.asarray(np.maximum(10.0 * np.log10(np.maximum(ms, 1e-30)), SILENCE_DBFS))


VAD_ENGINES = ("webrtc", "silero")


@dataclass(frozen=True, slots=True)
class VadConfig:
    """VAD settings; see the module docstring for what the gate and smoothing parameters do."""

    engine: str = "webrtc"  # "webrtc" or "silero"
    aggressiveness: int = 2  # webrtcvad mode, 0 (permissive) to 3 (strict)
    sample_rate: int = 16000  # webrtcvad accepts 8000, 16000, 32000, 48000; silero here 16000 only
    frame_ms: int = 30  # webrtc: 10, 20 or 30; silero windows are always 512 samples (32 ms)
    threshold: float = 0.5  # silero: probability at which a frame counts as speech
    neg_threshold: float = 0.35  # silero: inside a segment, frames keep counting down to this probability
    onset_frames: int = 2
    onset_window_frames: int = 3
    hangover_s: float = 0.3
    gate_margin_db: float | None = 6.0  # None: no gate relative to the noise floor
    floor_window_s: float = 10.0
    min_speech_dbfs: float = -60.0

    def __post_init__(self) -> None:
        if self.engine not in VAD_ENGINES:
            raise ValueError(f"unknown VAD engine {self.engine!r}; choose one of {VAD_ENGINES}")
        if self.engine == "silero" and self.sample_rate != 16000:
            raise ValueError("the silero engine takes 16 kHz audio")

    @property
    def frame_samples(self) -> int:
        if self.engine == "silero":
            return SILERO_WINDOW
        return self.sample_rate * self.frame_ms // 1000

    @property
    def frame_s(self) -> float:
        return self.frame_samples / self.sample_rate


@dataclass(frozen=True, slots=True)
class VadFrame:
    """One frame's verdicts (30 ms with webrtc, 32 ms with silero).

    `score`: the engine's output (webrtc 1.0/0.0, silero the speech probability). `raw`: score >= threshold.
    `voiced`: the frame counts as speech (the score passes, with hysteresis for silero, and the level gate too).
    `speaking`: the smoothed state after this frame. `started_at` is set on the frame that confirms an onset (the
    back-dated segment start); `ended_at` on the frame whose hangover closes a segment (the end of its last voiced
    frame).
    """

    t: float
    duration: float
    rms_dbfs: float
    noise_floor_dbfs: float
    score: float
    raw: bool
    voiced: bool
    speaking: bool
    started_at: float | None = None
    ended_at: float | None = None

    @property
    def end(self) -> float:
        return self.t + self.duration


class SlidingMin:
    """Minimum over the last `size` values in O(1) amortized (monotonic deque of (index, value))."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: deque[tuple[int, float]] = deque()
        self._index = 0

    def push(self, value: float) -> float:
        while self._items and self._items[-1][1] >= value:
            self._items.pop()
        self._items.append((self._index, value))
        if self._items[0][0] <= self._index - self.size:
            self._items.popleft()
        self._index += 1
        return self._items[0][1]


class StreamingVad:
    """Per-stream voice activity detector: push int16 chunks of any length, get `VadFrame`s back.

    The silero engine needs the shared `SileroModel` (loaded here if not given; pass the analyzer's to share it).
    """

    def __init__(self, config: VadConfig | None = None, silero: SileroModel | None = None) -> None:
        self.config = config or VadConfig()
        c = self.config
        self._webrtc = webrtcvad.Vad(c.aggressiveness) if c.engine == "webrtc" else None
        self._silero = (silero or SileroModel()).stream() if c.engine == "silero" else None
        self._framer = StreamFramer(c.frame_samples, c.frame_samples, c.sample_rate)
        self._floor = SlidingMin(max(1, round(c.floor_window_s / c.frame_s)))
        self._hangover_frames = max(1, round(c.hangover_s / c.frame_s))
        self._recent: deque[tuple[float, bool]] = deque(maxlen=c.onset_window_frames)  # (frame start, voiced)
        self.speaking = False
        self.segment_start: float | None = None  # start of the open segment
        self.last_voiced_end: float | None = None  # end of the latest voiced frame in the open segment
        self._unvoiced_run = 0

    def process(self, pcm: np.ndarray, t: float) -> list[VadFrame]:
        """Frame the chunk (first sample at media time `t`) and classify every completed frame."""
        frames = self._framer.push(pcm, t)
        if frames.restarted:
            # Audio is missing: onset evidence from before the gap must not combine with frames after it, and the
            # recurrent model must not carry its state across it.
            self._recent.clear()
            if self._silero is not None:
                self._silero.reset()
        if len(frames.t) == 0:
            return []
        levels = frame_dbfs(frames.samples)
        scores = self._scores(frames.samples)
        return [
            self._step(float(score), float(frame_t), float(level))
            for score, frame_t, level in zip(scores, frames.t, levels, strict=True)
        ]

    def flush(self) -> float | None:
        """End of stream: close an open segment; return its end time (None if no segment was open)."""
        if self.segment_start is None:
            return None
        end = self.last_voiced_end
        self._close()
        return end

    def _scores(self, samples: np.ndarray) -> np.ndarray:
        if self._silero is not None:
            return self._silero.probabilities(samples)
        assert self._webrtc is not None
        rate = self.config.sample_rate
        return np.array([1.0 if self._webrtc.is_speech(row.tobytes(), rate) else 0.0 for row in samples])

    def _step(self, score: float, t: float, level: float) -> VadFrame:
        c = self.config
        floor = self._floor.push(level)
        raw = score >= c.threshold
        passes = score >= (c.neg_threshold if self.speaking else c.threshold)
        gated = c.gate_margin_db is None or level >= floor + c.gate_margin_db
        voiced = passes and gated and level >= c.min_speech_dbfs
        self._recent.append((t, voiced))
        started_at = ended_at = None
        end = t + c.frame_s
        if self.segment_start is None:
            if sum(v for _, v in self._recent) >= c.onset_frames:
                started_at = next(ft for ft, v in self._recent if v)
                self.segment_start = started_at
                self.last_voiced_end = end
                self.speaking = True
                self._unvoiced_run = 0
        elif voiced:
            self.last_voiced_end = end
            self._unvoiced_run = 0
        else:
            self._unvoiced_run += 1
            if self._unvoiced_run >= self._hangover_frames:
                ended_at = self.last_voiced_end
                self._close()
        return VadFrame(t, c.frame_s, level, floor, score, raw, voiced, self.speaking, started_at, ended_at)

    def _close(self) -> None:
        self.segment_start = None
        self.last_voiced_end = None
        self.speaking = False
        self._unvoiced_run = 0
        # The frames that ended this segment must not start the next one by themselves.
        self._recent.clear()
