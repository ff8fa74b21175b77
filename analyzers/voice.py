"""Voice activity, pauses, loudness and speech rate of a candidate's microphone, live.

Method: `StreamingVad` (analyzers/vad.py) splits the stream into speech segments; `SyllableDetector`
(analyzers/syllables.py) finds syllable nuclei, which count only inside speech segments. Every `emit_interval_s`
of audio the session reports the state at that instant; the metrics depend only on the audio, not on how it was
chunked. Speaking time is the sum of segment durations (onset to the end of the last voiced frame, so neither the
onset window nor the hangover is counted). The live speech rate is syllables per minute over the most recent
`rate_window_s` of speaking time (silences excluded, so a long pause does not drag the rate down).

Observations (METRIC every `emit_interval_s`, `t` = end of the interval): `speaking` (1.0/0.0, smoothed),
`speaking_time` (s, cumulative), `silence_s` (since speech last ended, or since the start before any speech; 0 while
speaking), `syllables` (cumulative nuclei in speech), `speech_rate` (syllables/min of speaking time, once
`min_speech_for_rate_s` of speech is in), `loudness_db` (RMS dBFS of the interval, -120 for digital silence).
EVENT `pause` (s) when speech resumes after >= `min_pause_s` of silence between segments, at the resumption time.
`close()` adds final `speaking_time`, `syllables` and overall `speech_rate` with detail {"final": True}.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from analyzers.base import AudioChunk
from analyzers.syllables import Nucleus, SyllableConfig, SyllableDetector
from analyzers.vad import SILENCE_DBFS, StreamingVad, VadConfig, VadFrame
from rooms.model import Observation, ObservationType

# Frame and nucleus times come from different sums of the same sample counts; this absorbs the float rounding.
_TIME_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class VoiceAnalyzerConfig:
    """Settings of the voice analyzer; the VAD and syllable detectors keep their own defaults otherwise."""

    vad_aggressiveness: int = 2
    hangover_s: float = 0.3  # unvoiced time that ends a speech segment
    min_pause_s: float = 1.0  # shorter silences between segments are not reported as pauses
    emit_interval_s: float = 0.25
    rate_window_s: float = 20.0  # speaking time the live rate looks back over
    min_speech_for_rate_s: float = 2.0
    sample_rate: int = 16000

    def vad(self) -> VadConfig:
        return VadConfig(
            aggressiveness=self.vad_aggressiveness, sample_rate=self.sample_rate, hangover_s=self.hangover_s
        )

    def syllables(self) -> SyllableConfig:
        return SyllableConfig(sample_rate=self.sample_rate)


@dataclass(frozen=True, slots=True)
class _Segment:
    start: float
    end: float
    speech_before: float  # speaking time accumulated before this segment


class _SpeechLedger:
    """Speech segments and the syllables inside them, replayed from VAD frames and nuclei in media-time order."""

    def __init__(self, config: VoiceAnalyzerConfig, vad: VadConfig) -> None:
        self._config = config
        # A segment confirmed later can start at most this far before the latest frame seen (onset back-dating).
        self._onset_lookback = vad.onset_window_frames * vad.frame_s
        self._closed_speech = 0.0
        self._open_start: float | None = None
        self._open_last_voiced: float = 0.0
        self.last_end: float | None = None  # end of the latest closed segment
        self._recent: deque[_Segment] = deque(maxlen=32)  # closed segments that pending nuclei may fall in
        self._progress = float("-inf")  # end of the latest applied VAD frame
        self._pending: list[Nucleus] = []
        self.syllables = 0
        self._positions: deque[float] = deque()  # counted nuclei as speaking-time positions, for the rate window

    @property
    def speaking(self) -> bool:
        return self._open_start is not None

    @property
    def speaking_time(self) -> float:
        if self._open_start is None:
            return self._closed_speech
        return self._closed_speech + self._open_last_voiced - self._open_start

    def apply_frame(self, frame: VadFrame) -> float | None:
        """Advance by one VAD frame; return the length of the pause it ends, if it ends one."""
        pause = None
        if frame.started_at is not None:
            if self.last_end is not None and frame.started_at - self.last_end >= self._config.min_pause_s:
                pause = frame.started_at - self.last_end
            self._open_start = frame.started_at
            self._open_last_voiced = frame.end
        elif self._open_start is not None and frame.voiced:
            self._open_last_voiced = frame.end
        if frame.ended_at is not None and self._open_start is not None:
            self.close_segment(frame.ended_at)
        self._progress = frame.end
        return pause

    def close_segment(self, end: float) -> None:
        assert self._open_start is not None
        self._recent.append(_Segment(self._open_start, end, self._closed_speech))
        self._closed_speech += end - self._open_start
        self.last_end = end
        self._open_start = None

    def add_nuclei(self, nuclei: list[Nucleus], final: bool = False) -> None:
        """Count the nuclei that fall inside speech; keep those that a later onset or resumption could still
        cover; drop the rest. With `final`, nothing more is coming, so undecided nuclei are dropped."""
        self._pending += nuclei
        undecided: list[Nucleus] = []
        for nucleus in self._pending:
            position = self._speech_position(nucleus.t)
            if position is not None:
                self.syllables += 1
                self._positions.append(position)
            elif not final and not self._ruled_out(nucleus.t):
                undecided.append(nucleus)
        self._pending = undecided

    def speech_rate(self) -> float | None:
        """Syllables per minute over the latest `rate_window_s` of speaking time, once there is enough of it."""
        total = self.speaking_time
        if total < self._config.min_speech_for_rate_s:
            return None
        window_start = total - self._config.rate_window_s
        while self._positions and self._positions[0] < window_start:
            self._positions.popleft()
        return len(self._positions) / (min(total, self._config.rate_window_s) / 60.0)

    def _speech_position(self, t: float) -> float | None:
        """Where media time `t` sits on the speaking-time axis, or None if it is not inside speech."""
        if self._open_start is not None and self._open_start - _TIME_EPS <= t <= self._open_last_voiced + _TIME_EPS:
            return self._closed_speech + t - self._open_start
        for segment in reversed(self._recent):
            if segment.start - _TIME_EPS <= t <= segment.end + _TIME_EPS:
                return segment.speech_before + t - segment.start
        return None

    def _ruled_out(self, t: float) -> bool:
        if self._open_start is not None:
            # Before the open segment and in no closed one: silence. After its last voiced frame: speech may resume.
            return t < self._open_start
        return t < self._progress - self._onset_lookback


def _dbfs(sum_squares: float, n: int) -> float:
    if n == 0 or sum_squares <= 0.0:
        return SILENCE_DBFS
    return max(10.0 * math.log10(sum_squares / n / 32768.0**2), SILENCE_DBFS)


class VoiceSession:
    """One interview's voice metrics. Feed `AudioChunk`s in media-time order from one thread at a time."""

    def __init__(self, config: VoiceAnalyzerConfig, session_id: str = "") -> None:
        self.config = config
        self.session_id = session_id
        vad_config = config.vad()
        self._vad = StreamingVad(vad_config)
        self._syllables = SyllableDetector(config.syllables())
        self._ledger = _SpeechLedger(config, vad_config)
        self._interval = max(1, round(config.emit_interval_s * config.sample_rate))
        self._until_emit = self._interval  # samples left in the current emit interval
        self._sum_squares = 0.0
        self._count = 0
        self._frames: deque[VadFrame] = deque()  # computed but not yet applied to the ledger
        self._nuclei: deque[Nucleus] = deque()
        self._origin: float | None = None
        self._end = 0.0
        self._last_arrival = 0.0
        self._closed = False

    def process(self, chunk: AudioChunk) -> list[Observation]:
        """Analyse one chunk: the pause events it reveals and a snapshot at each emit boundary inside it."""
        if self._closed:
            raise RuntimeError("voice session is closed")
        if chunk.sample_rate != self.config.sample_rate:
            raise ValueError(f"expected {self.config.sample_rate} Hz audio, got {chunk.sample_rate} Hz")
        pcm = np.asarray(chunk.pcm)
        if pcm.dtype != np.int16:
            raise ValueError(f"expected int16 samples, got {pcm.dtype}")
        pcm = pcm.reshape(-1)
        if self._origin is None:
            self._origin = chunk.t
        self._last_arrival = chunk.arrival
        self._end = chunk.t + len(pcm) / self.config.sample_rate
        self._frames.extend(self._vad.process(pcm, chunk.t))
        self._nuclei.extend(self._syllables.process(pcm, chunk.t))

        out: list[Observation] = []
        squares = pcm.astype(np.float64) ** 2
        i = 0
        while len(pcm) - i >= self._until_emit:
            j = i + self._until_emit
            self._sum_squares += float(squares[i:j].sum())
            self._count += j - i
            boundary = chunk.t + j / self.config.sample_rate
            out += self._advance(boundary, chunk.arrival)
            out += self._snapshot(boundary, chunk.arrival)
            self._sum_squares, self._count, self._until_emit = 0.0, 0, self._interval
            i = j
        self._sum_squares += float(squares[i:].sum())
        self._count += len(pcm) - i
        self._until_emit -= len(pcm) - i
        # Frames and nuclei past the last boundary are final too; applying them now reports a pause without
        # waiting for the next boundary.
        out += self._advance(float("inf"), chunk.arrival)
        return out

    def close(self) -> list[Observation]:
        """End of stream: close an open segment, count the last nuclei, report final totals."""
        if self._closed:
            return []
        self._closed = True
        end = self._vad.flush()
        out = self._advance(float("inf"), self._last_arrival)
        if end is not None and self._ledger.speaking:
            self._ledger.close_segment(end)
        self._ledger.add_nuclei(self._syllables.flush(), final=True)
        ledger, t, arrival = self._ledger, self._end, self._last_arrival
        final = {"final": True}
        out.append(self._metric("speaking_time", round(ledger.speaking_time, 3), t, arrival, final))
        out.append(self._metric("syllables", ledger.syllables, t, arrival, final))
        if ledger.speaking_time >= self.config.min_speech_for_rate_s:
            rate = ledger.syllables / (ledger.speaking_time / 60.0)
            out.append(self._metric("speech_rate", round(rate, 1), t, arrival, final))
        return out

    def _advance(self, until: float, arrival: float) -> list[Observation]:
        """Apply the VAD frames and nuclei complete by media time `until`; return the pauses they end."""
        out: list[Observation] = []
        nuclei: list[Nucleus] = []
        while self._frames and self._frames[0].end <= until + _TIME_EPS:
            frame = self._frames.popleft()
            pause = self._ledger.apply_frame(frame)
            if pause is not None:
                detail = {"start": round(frame.started_at - pause, 3), "end": round(frame.started_at, 3)}
                out.append(
                    Observation(ObservationType.EVENT, "pause", round(pause, 2), frame.started_at, arrival, detail)
                )
        while self._nuclei and self._nuclei[0].confirmed_at <= until + _TIME_EPS:
            nuclei.append(self._nuclei.popleft())
        self._ledger.add_nuclei(nuclei)
        return out

    def _snapshot(self, t: float, arrival: float) -> list[Observation]:
        ledger = self._ledger
        if ledger.speaking:
            silence = 0.0
        else:
            # Before any speech, the silence so far is the whole session.
            since = ledger.last_end if ledger.last_end is not None else self._origin
            silence = max(0.0, t - since) if since is not None else 0.0
        out = [
            self._metric("speaking", 1.0 if ledger.speaking else 0.0, t, arrival),
            self._metric("speaking_time", round(ledger.speaking_time, 3), t, arrival),
            self._metric("silence_s", round(silence, 3), t, arrival),
            self._metric("syllables", ledger.syllables, t, arrival),
        ]
        rate = ledger.speech_rate()
        if rate is not None:
            out.append(self._metric("speech_rate", round(rate, 1), t, arrival))
        out.append(self._metric("loudness_db", round(_dbfs(self._sum_squares, self._count), 1), t, arrival))
        return out

    @staticmethod
    def _metric(
        name: str, value: float | int, t: float, arrival: float, detail: dict[str, Any] | None = None
    ) -> Observation:
        return Observation(ObservationType.METRIC, name, value, t, arrival, detail)


class VoiceAnalyzer:
    """Voice metrics for audio tracks. Holds no model: webrtcvad state and detectors are per session."""

    media: ClassVar[str] = "audio"

    def __init__(self, config: VoiceAnalyzerConfig | None = None) -> None:
        self.config = config or VoiceAnalyzerConfig()

    def warm_up(self) -> None:
        """Run a throwaway session over a second of tone so first-call costs (imports, FFT plans) are paid now."""
        session = self.open("warm-up")
        n = self.config.sample_rate
        tone = (3000 * np.sin(2 * np.pi * 200 * np.arange(n) / n)).astype(np.int16)
        session.process(AudioChunk(t=0.0, arrival=0.0, pcm=tone, sample_rate=n))
        session.close()

    def open(self, session_id: str) -> VoiceSession:
        return VoiceSession(self.config, session_id)

    def close(self) -> None:
        """Nothing to release; present for the Analyzer protocol."""
