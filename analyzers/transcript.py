"""Live transcript of the candidate's speech: final text with word times, words (or characters), syllables, fillers.

Method: a `SpeechGate` (analyzers/asr_gate.py) decides which 20 ms frames reach the recognizer and where an
utterance ends (>= 0.6 s without speech energy, or `max_utterance_s` ~15 s into a monologue, at its next quiet
frame); long silences are never decoded. Gated audio goes to the engine in fixed 0.1 s blocks counted on the
recognizer's clock, so the decoder sees the same input however the stream was chunked. The engine reports word
times on its clock (seconds of audio fed); a map of fed runs turns them back into media time.

Engines (analyzers/asr.py): Whisper base through faster-whisper (the default: Mandarin and English from the model
the carrier wheels ship, analyzers/asr_whisper.py) and Vosk (any Kaldi model folder an operator brings). "auto"
takes Vosk when a model folder is configured or installed for the interview's language, else Whisper.

Whisper decodes whole utterances and pays ~1 s of CPU per call whatever its length, so short utterances are
batched: after an utterance ends the session waits for the next one and decodes them together, unless
`batch_min_s` of speech is already waiting (then at once). How long it waits depends on whether speech recognition
keeps up: `batch_wait_live_s` (0.6 s) while the audio reaches it within `trailing_s` of its arrival, `batch_wait_s`
(1.5 s) once it trails (its decodes queue behind other interviews' on the shared child processes, or the CPU is
short): batching then saves the decodes that would make it trail further, and when it keeps up the CPU is there and
the final comes 0.9 s sooner. The final text thus comes end-of-speech + 0.6 s + the wait + the decode after the
candidate stops. A script marker (a new question) decodes what waits, so answers are not merged.

Language: the room's (or template's) `language` when the session opens ("zh", "en", "auto"), else the server's
setting. With "auto" Whisper detects it once from the first utterance and keeps it for the interview.

Observations:
- STATUS `transcript` once at start: "on" with detail {"engine", "language"} ("auto" until detected), or "off"
  with {"reason"} (and then nothing else from this analyzer). Once "auto" is resolved, STATUS `transcript` "on"
  again with the language transcribed and {"detected": True}.
- TRANSCRIPT `partial` (streaming engines only: Vosk): the open utterance's text so far, asked for every
  `partial_interval_s` of decoded audio, sent only when it changed; `t` = end of the audio decoded.
- TRANSCRIPT `final`: an utterance's text as the engine spelled it, `t` = its end, detail {"words": [{"w", "start",
  "end"}], "start", "end", "language", "units", "syllables"} in media time (units: words, or characters for
  Chinese: analyzers/transcript_text.py). Fillers stay in the text.
- EVENT `filler` (value = the filler as heard) at its start, detail {"end"}; then METRIC `words` (cumulative units
  in finals, fillers excluded; detail {"unit"}), METRIC `fillers` (cumulative) and METRIC `transcript_syllables`
  (cumulative syllables counted from the text) after each final.
- `close()` flushes the open utterance and repeats the three counters with detail {"final": True}.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from analyzers import asr_vosk, transcript_text
from analyzers.asr import ASR_SAMPLE_RATE, AsrEngine, Recognized, Recognizer
from analyzers.asr_gate import Feed, SpeechGate, SpeechGateConfig
from analyzers.asr_whisper import WhisperEngine, WhisperOptions, whisper_language
from analyzers.base import AudioChunk, Marker, SessionContext
from analyzers.model_files import ModelNotFoundError
from rooms.measures import DEFERRED_LANE, FILLER, FILLERS, FINAL, PARTIAL, TRANSCRIPT, TRANSCRIPT_SYLLABLES, WORDS
from rooms.model import Observation, ObservationType

ENGINES = ("auto", "whisper", "vosk")


@dataclass(frozen=True, slots=True)
class TranscriptConfig:
    """Settings of the transcript analyzer. `language` is the default when a room names none ("zh", "en",
    "auto"); `vosk_model_dirs` maps a language ("en", "zh") to a Kaldi model folder."""

    language: str = "auto"
    engine: str = "auto"
    vosk_model_dirs: Mapping[str, str] = field(default_factory=dict)
    whisper: WhisperOptions = field(default_factory=WhisperOptions)
    partial_interval_s: float = 0.5
    feed_block_s: float = 0.1
    batch_min_s: float = 8.0
    batch_wait_s: float = 1.5  # while trailing: fewer, longer decodes
    batch_wait_live_s: float = 0.6  # while keeping up: sooner finals (pauses up to 1.2 s still join two utterances)
    trailing_s: float = 1.0  # audio processed later than this after its arrival: speech recognition trails
    gate: SpeechGateConfig = field(default_factory=lambda: SpeechGateConfig(max_utterance_s=15.0))

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown transcript engine {self.engine!r}; choose one of {', '.join(ENGINES)}")


def whisper_missing_reason() -> str | None:
    """Why the Whisper engine cannot run here, or None if it can (checks the packages, loads nothing)."""
    import importlib.util

    from analyzers.whisper_model import find_source

    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper is not installed (pip install faster-whisper==1.2.1)"
    try:
        find_source()
    except ModelNotFoundError as error:
        return str(error)
    return None


def resolve_engine(config: TranscriptConfig, language: str) -> tuple[AsrEngine | None, str | None]:
    """The engine for `language` ("zh", "en", "auto", ...) and the configured choice, or None and the reason there
    is none. Loads nothing."""
    base = transcript_text.base_language(language)
    configured = config.vosk_model_dirs.get(language) or config.vosk_model_dirs.get(base)
    vosk_dir = Path(configured) if configured else asr_vosk.packaged_model_dir(base)
    vosk_reason = asr_vosk.missing_reason(vosk_dir) if base != "auto" else "vosk cannot detect the language"
    if config.engine == "vosk" or (config.engine == "auto" and vosk_reason is None and configured):
        if vosk_reason is not None:
            return None, f"vosk: {vosk_reason} ({base!r})"
        assert vosk_dir is not None
        return asr_vosk.VoskEngine(base, vosk_dir), None
    whisper_reason = whisper_missing_reason()
    if whisper_reason is not None:
        if config.engine == "auto" and vosk_reason is None:
            assert vosk_dir is not None
            return asr_vosk.VoskEngine(base, vosk_dir), None
        return None, f"whisper: {whisper_reason}"
    return WhisperEngine(language, config.whisper), None


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
    The recognizer is built on the first `process()`, in the caller's worker thread.
    """

    def __init__(
        self,
        engine: AsrEngine | None,
        config: TranscriptConfig,
        session_id: str = "",
        off_reason: str | None = None,
        language: str | None = None,
    ) -> None:
        self.config = config
        self.session_id = session_id
        self._engine = engine
        self._off_reason = off_reason or "no speech recognition engine"
        # Vosk knows one language; Whisper takes the interview's ("auto" until detected).
        requested = language or config.language
        self.language = engine.language if isinstance(engine, asr_vosk.VoskEngine) else requested
        if isinstance(engine, WhisperEngine):
            self.language = whisper_language(requested) or requested  # "zh-CN" is transcribed (and reported) as "zh"
        self._whole_utterances = bool(getattr(engine, "decodes_whole_utterances", False))
        self._recognizer: Recognizer | None = None
        self._gate = SpeechGate(config.gate)
        self._clock = _ClockMap()
        self._block = max(1, round(config.feed_block_s * ASR_SAMPLE_RATE))
        self._pending: list[np.ndarray] = []  # gated samples not yet handed to the recognizer
        self._pending_n = 0
        self._status_sent = False
        self._partial = ""
        self._partial_interval = max(1, round(config.partial_interval_s * ASR_SAMPLE_RATE))
        self._next_partial = self._partial_interval  # recognizer clock (samples) of the next partial ask
        self._utterance_fed = 0  # samples fed since the recognizer last finished
        self._decode_at: float | None = None  # media time at which waiting utterances are decoded
        self._trailing = False  # the last chunk reached us more than `trailing_s` after it arrived
        self._units = 0
        self._filler_count = 0
        self._syllables = 0
        self._end = 0.0
        self._arrival: float | None = None
        self._closed = False

    def process(self, chunk: AudioChunk) -> list[Observation]:
        """Gate and decode one chunk: finals of utterances it ends (or whose batching wait it passes)."""
        if self._closed:
            raise RuntimeError("transcript session is closed")
        if chunk.sample_rate != ASR_SAMPLE_RATE:
            raise ValueError(f"expected {ASR_SAMPLE_RATE} Hz audio, got {chunk.sample_rate} Hz")
        pcm = np.asarray(chunk.pcm)
        if pcm.dtype != np.int16:
            raise ValueError(f"expected int16 samples, got {pcm.dtype}")
        pcm = pcm.reshape(-1)
        self._arrival = chunk.arrival
        # The chunk's newest audio against the clock (the server's and the child's are the same machine's).
        self._trailing = time.time() - chunk.arrival > self.config.trailing_s
        self._end = chunk.t + len(pcm) / ASR_SAMPLE_RATE
        out = self._status(chunk.t, chunk.arrival)
        if self._engine is None:
            return out
        if self._recognizer is None:
            self._recognizer = self._engine.recognizer(self.language)
        for action in self._gate.push(pcm, chunk.t):
            out += self._feed(action) if isinstance(action, Feed) else self._utterance_end()
        if self._decode_at is not None and self._end >= self._decode_at and not self._gate.in_utterance:
            out += self._finish()
        return out

    def mark(self, marker: Marker) -> list[Observation]:
        """A script marker (a question starts or ends): decode what waits, so two answers are never one line."""
        if self._recognizer is None or self._decode_at is None or self._gate.in_utterance:
            return []
        return self._finish()

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
                out += self._feed(action) if isinstance(action, Feed) else self._utterance_end()
            out += self._finish()
            self._recognizer.close()
            self._recognizer = None
        out += self._counters({"final": True})
        return out

    def _status(self, t: float, arrival: float) -> list[Observation]:
        if self._status_sent:
            return []
        self._status_sent = True
        if self._engine is None:
            detail: dict[str, Any] = {"reason": self._off_reason}
            return [Observation(ObservationType.STATUS, TRANSCRIPT, "off", t, arrival, detail)]
        detail = {"engine": self._engine.name, "language": self.language}
        return [Observation(ObservationType.STATUS, TRANSCRIPT, "on", t, arrival, detail)]

    def _feed(self, feed: Feed) -> list[Observation]:
        """Queue gated samples and hand the recognizer every whole block (fixed blocks: Vosk's output depends on
        how its input is split)."""
        assert self._recognizer is not None
        self._decode_at = None  # speech resumed: the waiting utterance is decoded with this one
        self._clock.record(feed.t, len(feed.samples))
        self._pending.append(feed.samples)
        self._pending_n += len(feed.samples)
        self._utterance_fed += len(feed.samples)
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

    def _utterance_end(self) -> list[Observation]:
        """The gate ended an utterance: decode now (streaming engines; or enough speech waits), or wait a little
        for the next one to batch with (whole-utterance engines)."""
        if not self._whole_utterances or self._utterance_fed >= self.config.batch_min_s * ASR_SAMPLE_RATE:
            return self._finish()
        wait = self.config.batch_wait_s if self._trailing else self.config.batch_wait_live_s
        self._decode_at = self._end + wait
        return []

    def _finish(self) -> list[Observation]:
        """Decode what is queued and take the recognizer's final."""
        assert self._recognizer is not None
        self._decode_at = None
        out: list[Observation] = []
        if self._pending_n:
            for recognized in self._recognizer.accept(np.concatenate(self._pending)):
                out += self._final(recognized)
            self._pending, self._pending_n = [], 0
        last = self._recognizer.finish()
        if last is not None:
            out += self._final(last)
        self._utterance_fed = 0
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
        if self._whole_utterances or accepted < self._next_partial:
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
        out: list[Observation] = []
        if recognized.language and recognized.language != self.language:
            # "auto" resolved: from now on the interview is transcribed in this language.
            self.language = recognized.language
            assert self._engine is not None and self._arrival is not None
            detail = {"engine": self._engine.name, "language": self.language, "detected": True}
            t = self._clock.media_time(recognized.words[0].start)
            out.append(Observation(ObservationType.STATUS, TRANSCRIPT, "on", t, self._arrival, detail))
        words: list[dict[str, Any]] = [
            {
                "w": word.text,
                "start": round(self._clock.media_time(word.start), 3),
                "end": round(self._clock.media_time(word.end, is_end=True), 3),
            }
            for word in recognized.words
        ]
        start, end = words[0]["start"], words[-1]["end"]
        text = recognized.text
        fillers = transcript_text.find_fillers(text, self.language)
        filler_units = sum(transcript_text.units(f.text, self.language) for f in fillers)
        units = max(0, transcript_text.units(text, self.language) - filler_units)
        syllables = transcript_text.syllables(text) - sum(transcript_text.syllables(f.text) for f in fillers)
        self._partial = ""
        detail = {
            "words": words,
            "start": start,
            "end": end,
            "language": self.language,
            "units": units,
            "syllables": syllables,
        }
        out.append(self._obs(ObservationType.TRANSCRIPT, FINAL, text, end, detail))
        for filler in fillers:
            at, until = _span_times(text, filler, words, start, end)
            out.append(self._obs(ObservationType.EVENT, FILLER, filler.text, at, {"end": until}))
        self._units += units
        self._filler_count += len(fillers)
        self._syllables += max(0, syllables)
        out += self._counters({}, end)
        return out

    def _counters(self, extra: dict[str, Any], t: float | None = None) -> list[Observation]:
        t = self._end if t is None else t
        unit = {"unit": transcript_text.unit_name(self.language)}
        return [
            self._obs(ObservationType.METRIC, WORDS, self._units, t, {**extra, **unit}),
            self._obs(ObservationType.METRIC, FILLERS, self._filler_count, t, extra or None),
            self._obs(ObservationType.METRIC, TRANSCRIPT_SYLLABLES, self._syllables, t, extra or None),
        ]

    def _obs(
        self, kind: ObservationType, name: str, value: Any, t: float, detail: dict[str, Any] | None = None
    ) -> Observation:
        assert self._arrival is not None
        return Observation(kind, name, value, t, self._arrival, detail)


def _span_times(
    text: str, filler: transcript_text.Filler, words: list[dict[str, Any]], start: float, end: float
) -> tuple[float, float]:
    """Media times of a filler found in `text`: the words whose characters cover it (the engine's words, spelled
    as in the text), else a share of the line by character position."""
    position = 0
    first: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    for word in words:
        found = text.find(word["w"], position)
        if found < 0:
            continue
        word_end = found + len(word["w"])
        if word_end > filler.start and found < filler.end:
            first = first or word
            last = word
        position = word_end
    if first is not None and last is not None:
        return float(first["start"]), float(last["end"])
    share = (end - start) / max(1, len(text))
    return start + filler.start * share, start + filler.end * share


class TranscriptAnalyzer:
    """Speech-to-text for audio tracks. Holds the engines (their models are shared by all sessions)."""

    lane: ClassVar[str] = DEFERRED_LANE
    max_rate_hz: ClassVar[float | None] = None

    def __init__(self, config: TranscriptConfig | None = None) -> None:
        self.config = config or TranscriptConfig()
        self._engines: dict[tuple[str, str], AsrEngine] = {}
        self._failed: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._engine, self._reason = self._engine_for(self.config.language)

    def _engine_for(self, language: str) -> tuple[AsrEngine | None, str | None]:
        """The shared engine for a language: one Whisper model serves every language; Vosk one folder each."""
        engine, reason = resolve_engine(self.config, language)
        if engine is None:
            return None, reason
        key = (engine.name, engine.language if engine.name == "vosk" else "")
        with self._lock:
            if key in self._failed:
                return None, self._failed[key]
            return self._engines.setdefault(key, engine), None

    @property
    def available(self) -> bool:
        """Whether a model exists for the configured language (and loaded, once `warm_up` has tried)."""
        return self._engine is not None

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    @property
    def engine(self) -> AsrEngine | None:
        """The default language's engine (shared read-only state only), or None when unavailable."""
        return self._engine

    @property
    def engine_name(self) -> str | None:
        return self._engine.name if self._engine is not None else None

    def warm_up(self) -> None:
        """Load the default engine's shared model now (seconds). A model that fails to load (a wrong hash among
        them) turns the transcript off with the error as the reason, rather than failing every session later."""
        if self._engine is not None:
            self._load(self._engine)

    def _load(self, engine: AsrEngine) -> bool:
        try:
            engine.load()
            return True
        except Exception as error:  # noqa: BLE001 - any load failure means the same thing: no transcript
            engine.close()
            reason = f"{engine.name} failed to load: {error}"
            key = (engine.name, engine.language if engine.name == "vosk" else "")
            with self._lock:
                self._failed[key] = reason
                self._engines.pop(key, None)
            if engine is self._engine:
                self._engine, self._reason = None, reason
            return False

    def open(self, session_id: str, context: SessionContext | None = None) -> TranscriptSession:
        """A session in the room's language (`context.language`), else the configured one."""
        language = (context.language if context is not None else "") or self.config.language
        engine, reason = self._engine_for(language)
        if engine is not None and not self._load(engine):
            failed = (engine.name, engine.language if engine.name == "vosk" else "")
            engine, reason = None, self._failed.get(failed)
        if isinstance(engine, WhisperEngine) and whisper_language(language) is None:
            engine, reason = None, f"whisper has no model for language {language!r} (configure a vosk model folder)"
        return TranscriptSession(engine, self.config, session_id, reason, language)

    def close(self) -> None:
        with self._lock:
            engines = list(self._engines.values())
            self._engines.clear()
        for engine in engines:
            engine.close()
