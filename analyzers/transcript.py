"""Live transcript of the candidate's speech: partial and final text with word times, word and filler counts.

Method: a `SpeechGate` (analyzers/asr_gate.py) decides which 20 ms frames reach the recognizer and where an
utterance ends (>= 0.6 s without speech energy, or the engine's own endpointer, whichever comes first); long
silences are never decoded. Gated audio goes to the engine in fixed 0.1 s blocks counted on the recognizer's clock,
so the decoder sees the same input however the stream was chunked. The engine reports word times on its clock
(seconds of audio fed); a map of fed runs turns them back into media time.

Engines (analyzers/asr.py): PocketSphinx (English from the model inside its wheel) and Vosk (any Kaldi model
folder). "auto" takes Vosk when a model folder is configured or installed for the language, else PocketSphinx for
English. With no model for the language, the session only reports that the transcript is off.

Observations:
- STATUS `transcript` once at start: "on" with detail {"engine", "language"}, or "off" with {"reason"} (and then
  nothing else from this analyzer).
- TRANSCRIPT `partial`: the open utterance's text so far, asked for every `partial_interval_s` of decoded audio
  (so at most that often in media time), sent only when it changed; `t` = end of the audio decoded.
- TRANSCRIPT `final`: an utterance's text (words joined by spaces), `t` = its end, detail {"words": [{"w", "start",
  "end"}], "start", "end"} in media time. Noise and silence tokens are dropped; fillers stay in the text.
- EVENT `filler` (value = the filler's words as heard) at its start, detail {"end"}; then METRIC `words` (cumulative
  words in finals, fillers excluded) and METRIC `fillers` (cumulative) after each final.
- `close()` flushes the open utterance and repeats `words` and `fillers` with detail {"final": True}.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from analyzers import asr_pocketsphinx, asr_vosk
from analyzers.asr import ASR_SAMPLE_RATE, AsrEngine, Recognized, Recognizer
from analyzers.asr_gate import Feed, SpeechGate, SpeechGateConfig
from analyzers.base import AudioChunk, Marker
from rooms.measures import FILLER, FILLERS, FINAL, PARTIAL, TRANSCRIPT, WORDS
from rooms.model import Observation, ObservationType

ENGINES = ("auto", "pocketsphinx", "vosk")


def default_fillers() -> dict[str, tuple[str, ...]]:
    """Hesitation words per language. "you know", "like" and Korean 어/음 are left out: as plain words they are
    too often real content, and the recognizer gives no prosody to tell them apart. 那个 and 就是 carry the same
    risk in Chinese but are the commonest fillers there. PocketSphinx also writes "ah" for some unclear sounds
    (synthetic "um"/"uh" among them), so English counts lean high on unclear audio."""
    return {
        "en": ("um", "uh", "er", "erm", "ah", "hmm", "mm", "uhm"),
        "zh": ("嗯", "呃", "那个", "就是"),
    }


@dataclass(frozen=True, slots=True)
class TranscriptConfig:
    """Settings of the transcript analyzer. `vosk_model_dirs` maps a language ("en", "zh") to a model folder."""

    language: str = "en"
    engine: str = "auto"
    vosk_model_dirs: Mapping[str, str] = field(default_factory=dict)
    fillers: Mapping[str, Sequence[str]] = field(default_factory=default_fillers)
    partial_interval_s: float = 0.5
    feed_block_s: float = 0.1
    gate: SpeechGateConfig = field(default_factory=SpeechGateConfig)
    pocketsphinx_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown transcript engine {self.engine!r}; choose one of {', '.join(ENGINES)}")

    @property
    def base_language(self) -> str:
        """The primary language subtag: "en-US" -> "en"."""
        return self.language.replace("_", "-").split("-")[0].lower()


def resolve_engine(config: TranscriptConfig) -> tuple[AsrEngine | None, str | None]:
    """The engine for the configured language and choice, or None and the reason there is none. Loads nothing."""
    language = config.base_language
    configured = config.vosk_model_dirs.get(config.language) or config.vosk_model_dirs.get(language)
    vosk_dir = Path(configured) if configured else asr_vosk.packaged_model_dir(language)
    vosk_reason = asr_vosk.missing_reason(vosk_dir)
    sphinx_reason = asr_pocketsphinx.missing_reason(language)
    use_vosk = config.engine == "vosk" or (config.engine == "auto" and vosk_reason is None)
    if use_vosk:
        if vosk_reason is not None:
            return None, f"vosk: {vosk_reason} ({language!r})"
        assert vosk_dir is not None
        return asr_vosk.VoskEngine(language, vosk_dir), None
    if sphinx_reason is not None:
        if config.engine == "auto":
            return None, f"no speech model for {language!r}: {sphinx_reason}; vosk: {vosk_reason}"
        return None, sphinx_reason
    return asr_pocketsphinx.PocketsphinxEngine(language, dict(config.pocketsphinx_options)), None


def find_fillers(words: Sequence[str], fillers: Iterable[str]) -> list[tuple[int, int]]:
    """Spans [start, end) of `words` that are fillers: case-insensitive whole-word matches of each filler phrase,
    scanning left to right and preferring the longest phrase at each position, without overlaps."""
    phrases = sorted({tuple(f.lower().split()) for f in fillers if f.strip()}, key=len, reverse=True)
    lowered = [word.lower() for word in words]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lowered):
        for phrase in phrases:
            if tuple(lowered[i : i + len(phrase)]) == phrase:
                spans.append((i, i + len(phrase)))
                i += len(phrase)
                break
        else:
            i += 1
    return spans


class _ClockMap:
    """Maps the recognizer's clock (samples fed) to media time, run by run: the gate skips silences, so the clock
    runs slower than media time and jumps nowhere."""

    def __init__(self) -> None:
        self.fed = 0  # samples fed so far: the clock's reading
        self._starts: list[int] = []  # clock at the start of each run
        self._runs: list[tuple[float, int]] = []  # (media time of the run's first sample, its length)

    def record(self, t: float, n: int) -> None:
        if self._runs:
            last_t, last_n = self._runs[-1]
            if abs(last_t + last_n / ASR_SAMPLE_RATE - t) < 1e-6:
                self._runs[-1] = (last_t, last_n + n)
                self.fed += n
                return
        self._starts.append(self.fed)
        self._runs.append((t, n))
        self.fed += n

    def media_time(self, clock_s: float, is_end: bool = False) -> float:
        """Media time of a clock reading; a reading on a run boundary is the previous run's end if `is_end`."""
        if not self._runs:
            return 0.0
        sample = clock_s * ASR_SAMPLE_RATE
        i = (bisect.bisect_left if is_end else bisect.bisect_right)(self._starts, sample) - 1
        i = min(max(i, 0), len(self._runs) - 1)
        t, n = self._runs[i]
        return t + min(max(sample - self._starts[i], 0.0), n) / ASR_SAMPLE_RATE

    def forget_before(self, clock_samples: int) -> None:
        """Drop runs that end before `clock_samples`: every word up to there has been reported."""
        keep = bisect.bisect_right(self._starts, clock_samples) - 1
        if keep > 0:
            del self._starts[:keep], self._runs[:keep]


class TranscriptSession:
    """One interview's transcript. Feed 16 kHz int16 `AudioChunk`s in media-time order from one thread at a time.

    With `engine` None the session is "off": it reports STATUS transcript "off" with `off_reason`, once.
    The recognizer is built on the first `process()` (PocketSphinx takes ~0.4 s), in the caller's worker thread.
    """

    def __init__(
        self, engine: AsrEngine | None, config: TranscriptConfig, session_id: str = "", off_reason: str | None = None
    ) -> None:
        self.config = config
        self.session_id = session_id
        self._engine = engine
        self._off_reason = off_reason or "no speech recognition engine"
        self._recognizer: Recognizer | None = None
        self._gate = SpeechGate(config.gate)
        self._clock = _ClockMap()
        self._block = max(1, round(config.feed_block_s * ASR_SAMPLE_RATE))
        self._pending: list[np.ndarray] = []  # gated samples not yet handed to the recognizer
        self._pending_n = 0
        self._fillers = tuple(config.fillers.get(config.base_language, ()))
        self._status_sent = False
        self._partial = ""
        self._partial_interval = max(1, round(config.partial_interval_s * ASR_SAMPLE_RATE))
        self._next_partial = self._partial_interval  # recognizer clock (samples) of the next partial ask
        self._words = 0
        self._filler_count = 0
        self._end = 0.0
        self._arrival: float | None = None
        self._closed = False

    def process(self, chunk: AudioChunk) -> list[Observation]:
        """Gate and decode one chunk: finals of utterances it ends, a partial if one is due."""
        if self._closed:
            raise RuntimeError("transcript session is closed")
        if chunk.sample_rate != ASR_SAMPLE_RATE:
            raise ValueError(f"expected {ASR_SAMPLE_RATE} Hz audio, got {chunk.sample_rate} Hz")
        pcm = np.asarray(chunk.pcm)
        if pcm.dtype != np.int16:
            raise ValueError(f"expected int16 samples, got {pcm.dtype}")
        pcm = pcm.reshape(-1)
        self._arrival = chunk.arrival
        self._end = chunk.t + len(pcm) / ASR_SAMPLE_RATE
        out = self._status(chunk.t, chunk.arrival)
        if self._engine is None:
            return out
        if self._recognizer is None:
            self._recognizer = self._engine.recognizer()
        for action in self._gate.push(pcm, chunk.t):
            out += self._feed(action) if isinstance(action, Feed) else self._finish()
        return out

    def mark(self, marker: Marker) -> list[Observation]:
        """Script markers do not change the transcript."""
        return []

    def close(self) -> list[Observation]:
        """End of stream: finish the open utterance, report the final totals."""
        if self._closed:
            return []
        self._closed = True
        if self._arrival is None:
            self._arrival = time.time()  # no audio ever came: report at close
        out = self._status(self._end, self._arrival)
        if self._engine is None:
            return out
        if self._recognizer is not None:
            for action in self._gate.flush():
                out += self._feed(action) if isinstance(action, Feed) else self._finish()
            out += self._finish()
            self._recognizer.close()
            self._recognizer = None
        final = {"final": True}
        out.append(self._obs(ObservationType.METRIC, WORDS, self._words, self._end, final))
        out.append(self._obs(ObservationType.METRIC, FILLERS, self._filler_count, self._end, final))
        return out

    def _status(self, t: float, arrival: float) -> list[Observation]:
        if self._status_sent:
            return []
        self._status_sent = True
        if self._engine is None:
            detail: dict[str, Any] = {"reason": self._off_reason}
            return [Observation(ObservationType.STATUS, TRANSCRIPT, "off", t, arrival, detail)]
        detail = {"engine": self._engine.name, "language": self.config.base_language}
        return [Observation(ObservationType.STATUS, TRANSCRIPT, "on", t, arrival, detail)]

    def _feed(self, feed: Feed) -> list[Observation]:
        """Queue gated samples and hand the recognizer every whole block (fixed blocks: Vosk's output depends on
        how its input is split)."""
        assert self._recognizer is not None
        self._clock.record(feed.t, len(feed.samples))
        self._pending.append(feed.samples)
        self._pending_n += len(feed.samples)
        out: list[Observation] = []
        if self._pending_n < self._block:
            return out
        queued = np.concatenate(self._pending)
        whole = len(queued) // self._block * self._block
        for start in range(0, whole, self._block):
            for recognized in self._recognizer.accept(queued[start : start + self._block]):
                out += self._final(recognized)
            out += self._maybe_partial(self._accepted_through(start + self._block, len(queued)))
        self._pending = [queued[whole:]] if whole < len(queued) else []
        self._pending_n = len(queued) - whole
        return out

    def _finish(self) -> list[Observation]:
        """The utterance is over: decode what is queued and take the recognizer's final."""
        assert self._recognizer is not None
        out: list[Observation] = []
        if self._pending_n:
            for recognized in self._recognizer.accept(np.concatenate(self._pending)):
                out += self._final(recognized)
            self._pending, self._pending_n = [], 0
        recognized = self._recognizer.finish()
        if recognized is not None:
            out += self._final(recognized)
        self._partial = ""
        self._next_partial = self._clock.fed + self._partial_interval
        self._clock.forget_before(self._clock.fed)
        return out

    def _accepted_through(self, end_in_queue: int, queued: int) -> int:
        """The recognizer clock (samples) once the queue has been accepted up to `end_in_queue` of `queued`."""
        return self._clock.fed - (queued - end_in_queue)

    def _maybe_partial(self, accepted: int) -> list[Observation]:
        """Ask for the partial when the recognizer clock passes the next due point: tied to the audio decoded, not
        to chunk arrival, so the recognizer sees the same calls however the stream was chunked."""
        assert self._recognizer is not None
        if accepted < self._next_partial:
            return []
        self._next_partial = accepted + self._partial_interval
        text = self._recognizer.partial()
        if not text or text == self._partial:
            return []
        self._partial = text
        t = self._clock.media_time(accepted / ASR_SAMPLE_RATE, is_end=True)
        return [self._obs(ObservationType.TRANSCRIPT, PARTIAL, text, t)]

    def _final(self, recognized: Recognized) -> list[Observation]:
        if not recognized.words:
            return []
        words = [
            {
                "w": word.text,
                "start": round(self._clock.media_time(word.start), 3),
                "end": round(self._clock.media_time(word.end, is_end=True), 3),
            }
            for word in recognized.words
        ]
        start, end = words[0]["start"], words[-1]["end"]
        self._partial = ""
        detail = {"words": words, "start": start, "end": end}
        out = [self._obs(ObservationType.TRANSCRIPT, FINAL, recognized.text, end, detail)]
        spans = find_fillers([word["w"] for word in words], self._fillers)
        for i, j in spans:
            phrase = " ".join(word["w"] for word in words[i:j])
            out.append(
                self._obs(ObservationType.EVENT, FILLER, phrase, words[i]["start"], {"end": words[j - 1]["end"]})
            )
        self._words += len(words) - sum(j - i for i, j in spans)
        self._filler_count += len(spans)
        out.append(self._obs(ObservationType.METRIC, WORDS, self._words, end))
        out.append(self._obs(ObservationType.METRIC, FILLERS, self._filler_count, end))
        return out

    def _obs(
        self, kind: ObservationType, name: str, value: Any, t: float, detail: dict[str, Any] | None = None
    ) -> Observation:
        assert self._arrival is not None
        return Observation(kind, name, value, t, self._arrival, detail)


class TranscriptAnalyzer:
    """Speech-to-text for audio tracks. Holds the engine (Vosk's model is shared by all sessions)."""

    media: ClassVar[str] = "audio"

    def __init__(self, config: TranscriptConfig | None = None) -> None:
        self.config = config or TranscriptConfig()
        self._engine, self._reason = resolve_engine(self.config)

    @property
    def available(self) -> bool:
        """Whether a model exists for the configured language (and loaded, once `warm_up` has tried)."""
        return self._engine is not None

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    @property
    def engine(self) -> AsrEngine | None:
        """The engine sessions decode with (shared read-only state only), or None when unavailable."""
        return self._engine

    @property
    def engine_name(self) -> str | None:
        return self._engine.name if self._engine is not None else None

    def warm_up(self) -> None:
        """Load the engine's shared model now (Vosk: seconds). A model that fails to load turns the transcript off
        with the error as the reason, rather than failing every session later."""
        if self._engine is None:
            return
        engine = self._engine
        try:
            engine.load()
        except Exception as error:  # noqa: BLE001 - any load failure means the same thing: no transcript
            engine.close()
            self._engine, self._reason = None, f"{engine.name} failed to load: {error}"

    def open(self, session_id: str) -> TranscriptSession:
        return TranscriptSession(self._engine, self.config, session_id, self._reason)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
