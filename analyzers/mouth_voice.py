"""Voice and mouth that do not go together: speech while the visible mouth stays still, or a talking mouth over
silence, sustained for seconds (an integrity signal, rooms/integrity.py).

It reads only observations the analyzers already make, so it adds no per-frame model work: the face analyzer's
`mouth_open` (MediaPipe's jawOpen blendshape, per analyzed frame) and `face_count`, and the voice analyzer's
`speaking` (smoothed voice activity, every 0.25 s). Both arrive on media time but from two lanes that run
independently, so the check waits until both have passed a bin before judging it (`settle_s`).

Per bin (0.5 s): the audio is speech when most of its VAD samples say so; the mouth moves when jawOpen changes from
frame to frame by at least `move` on average over the bin and its neighbours (talking opens and closes the jaw
several times a second; a still or a held-open mouth does not). A bin is a mismatch when exactly one face is in view
and speech comes with a still mouth, strong mouth movement comes with silence, or (out of sync) speech and a moving
jaw whose voiced loudness does not follow the jaw's opening over `sync_window_s` (another voice over a talking face:
Pearson r below `min_sync_r`). `min_s` of bins that are mostly
(`min_share`) mismatched, starting and ending on a mismatch, become one `voice_mouth_mismatch` event with its
evidence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from rooms.integrity import VOICE_MOUTH_MISMATCH
from rooms.measures import FACE_COUNT, LOUDNESS_DB, MOUTH_OPEN, SPEAKING
from rooms.model import Observation, ObservationType


@dataclass(frozen=True, slots=True)
class MouthVoiceConfig:
    bin_s: float = 0.5
    # Mean frame-to-frame change of jawOpen over the bin and its neighbours: talking opens and closes the jaw
    # several times a second; a still mouth, a held smile or one jump (a blink of tracking) does not.
    move: float = 0.012
    strong_move: float = 0.03  # for "talking without a voice": clearly articulating, not a smile or a breath
    min_s: float = 3.0  # a mismatch shorter than this is not reported
    min_share: float = 0.8  # share of mismatched bins within a reported stretch
    settle_s: float = 2.0  # how far behind the newer lane a bin is judged, so both lanes have reached it
    max_gap_s: float = 1.0  # bins without data end a stretch
    # Out of sync: both talk, but the loudness (every 0.25 s) does not follow the jaw's opening over a window of
    # `sync_window_s` around the bin (Pearson r below `min_sync_r`): another voice over a talking face.
    sync_window_s: float = 6.0
    min_sync_r: float = 0.0
    min_sync_pairs: int = 10
    voiced_db: float = -50.0


@dataclass(slots=True)
class _Bin:
    mouth: list[float] = field(default_factory=list)
    mouth_t: list[float] = field(default_factory=list)
    speaking: list[float] = field(default_factory=list)
    loudness: list[tuple[float, float]] = field(default_factory=list)  # (t, dBFS)
    faces: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Judged:
    index: int
    mismatch: bool
    kind: str  # "voice_without_mouth" | "mouth_without_voice" | "out_of_sync" | ""
    speech: bool
    mouth_movement: float
    sync_r: float | None


class MouthVoiceCheck:
    """One interview's check. Feed it every observation batch (in any order across lanes); it returns events."""

    def __init__(self, config: MouthVoiceConfig | None = None) -> None:
        self.config = config or MouthVoiceConfig()
        self._bins: dict[int, _Bin] = {}
        self._video_t = -math.inf
        self._audio_t = -math.inf
        self._next = 0  # the next bin to judge
        self._run: list[_Judged] = []  # the stretch being built: starts on a mismatch
        self._last_arrival = 0.0

    def feed(self, observations: Iterable[Observation]) -> list[Observation]:
        for o in observations:
            if o.type is not ObservationType.METRIC or isinstance(o.value, bool | str) or o.value is None:
                continue
            if o.name == MOUTH_OPEN:
                target = self._bin(o.t)
                target.mouth.append(float(o.value))
                target.mouth_t.append(o.t)
                self._video_t = max(self._video_t, o.t)
            elif o.name == FACE_COUNT:
                self._bin(o.t).faces.append(int(o.value))
                self._video_t = max(self._video_t, o.t)
            elif o.name == SPEAKING and not (o.detail or {}).get("final"):
                self._bin(o.t).speaking.append(float(o.value))
                self._audio_t = max(self._audio_t, o.t)
            elif o.name == LOUDNESS_DB:
                self._bin(o.t).loudness.append((o.t, float(o.value)))
            else:
                continue
            self._last_arrival = max(self._last_arrival, o.arrival)
        horizon = min(self._video_t, self._audio_t) - self.config.settle_s
        return self._judge_until(horizon)

    def close(self) -> list[Observation]:
        """The interview ended: judge what is left and end an open stretch."""
        out = self._judge_until(max(self._video_t, self._audio_t))
        return out + self._finish()

    def _bin(self, t: float) -> _Bin:
        return self._bins.setdefault(int(t // self.config.bin_s), _Bin())

    def _judge_until(self, horizon: float) -> list[Observation]:
        out: list[Observation] = []
        if not math.isfinite(horizon):
            return out  # one lane has not spoken yet
        reach = self._reach()
        last = math.floor(horizon / self.config.bin_s) - reach - 1  # the bins after it that its windows read
        if self._bins and self._next == 0:
            self._next = min(self._bins)
        while self._next <= last:
            judged = self._judge(self._next)
            out += self._extend(judged)
            self._bins.pop(self._next - reach - 1, None)  # no window looks further back
            self._next += 1
        return out

    def _reach(self) -> int:
        return max(1, math.ceil(self.config.sync_window_s / 2 / self.config.bin_s))

    def _sync_r(self, index: int) -> float | None:
        """Pearson r between loudness and the jaw's opening over the sync window, or None if it cannot tell."""
        reach = self._reach()
        bins = [self._bins[i] for i in range(index - reach, index + reach + 1) if i in self._bins]
        mouth = sorted((t, v) for b in bins for t, v in zip(b.mouth_t, b.mouth, strict=True))
        pairs = []
        for t, db in (item for b in bins for item in b.loudness):
            # The voice analyzer's loudness covers the 0.25 s before its time.
            jaw = [v for mt, v in mouth if t - 0.25 < mt <= t]
            # Within voiced audio only: whether speech is on at all is the rules above; here the question is
            # whether the voice's syllable-scale loudness follows the jaw, which another speaker's does not.
            if jaw and db >= self.config.voiced_db:
                pairs.append((db, sum(jaw) / len(jaw)))
        if len(pairs) < self.config.min_sync_pairs:
            return None
        loud = [p[0] for p in pairs]
        jaws = [p[1] for p in pairs]
        mean_l, mean_j = sum(loud) / len(loud), sum(jaws) / len(jaws)
        var_l = sum((x - mean_l) ** 2 for x in loud)
        var_j = sum((y - mean_j) ** 2 for y in jaws)
        if var_l <= 1e-9 or var_j <= 1e-9:
            return None
        cov = sum((x - mean_l) * (y - mean_j) for x, y in pairs)
        return cov / math.sqrt(var_l * var_j)

    def _judge(self, index: int) -> _Judged | None:
        current = self._bins.get(index)
        if current is None or not current.speaking or not current.faces:
            return None
        if max(current.faces) != 1:  # no face, or several: other signals cover those
            return None
        window = [v for i in (index - 1, index, index + 1) for v in self._bins.get(i, _Bin()).mouth]
        if len(window) < 4:
            return None
        speech = sum(current.speaking) / len(current.speaking) >= 0.5
        movement = sum(abs(b - a) for a, b in zip(window, window[1:], strict=False)) / (len(window) - 1)
        if speech and movement < self.config.move:
            return _Judged(index, True, "voice_without_mouth", speech, movement, None)
        if not speech and movement >= self.config.strong_move:
            return _Judged(index, True, "mouth_without_voice", speech, movement, None)
        sync_r = self._sync_r(index) if speech else None
        if sync_r is not None and sync_r < self.config.min_sync_r:
            return _Judged(index, True, "out_of_sync", speech, movement, sync_r)
        return _Judged(index, False, "", speech, movement, sync_r)

    def _extend(self, judged: _Judged | None) -> list[Observation]:
        config = self.config
        gap_bins = max(1, round(config.max_gap_s / config.bin_s))
        if judged is None:
            if self._run and self._next - self._run[-1].index > gap_bins:
                return self._finish()
            return []
        if not self._run:
            if judged.mismatch:
                self._run.append(judged)
            return []
        if judged.index - self._run[-1].index > gap_bins:
            out = self._finish()
            if judged.mismatch:
                self._run.append(judged)
            return out
        self._run.append(judged)
        if not judged.mismatch:
            share = sum(j.mismatch for j in self._run) / len(self._run)
            if share < config.min_share:
                return self._finish()
        return []

    def _finish(self) -> list[Observation]:
        run, self._run = self._run, []
        while run and not run[-1].mismatch:
            run.pop()
        if not run:
            return []
        config = self.config
        start = run[0].index * config.bin_s
        end = (run[-1].index + 1) * config.bin_s
        if end - start < config.min_s:
            return []
        mismatched = [j for j in run if j.mismatch]
        kinds = sorted({j.kind for j in mismatched})
        detail = {
            "end": round(end, 3),
            "kind": kinds[0] if len(kinds) == 1 else "mixed",
            "mismatched_share": round(len(mismatched) / len(run), 2),
            "speech_share": round(sum(j.speech for j in run) / len(run), 2),
            "mouth_movement_median": round(sorted(j.mouth_movement for j in run)[len(run) // 2], 4),
            "sync_r_median": _median([j.sync_r for j in run if j.sync_r is not None]),
            "bins": len(run),
            "bin_s": config.bin_s,
        }
        return [
            Observation(
                ObservationType.EVENT, VOICE_MOUTH_MISMATCH, round(end - start, 2), start, self._last_arrival, detail
            )
        ]


def _median(values: list[float]) -> float | None:
    return round(sorted(values)[len(values) // 2], 2) if values else None
