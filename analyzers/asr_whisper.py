"""Whisper base (multilingual) through faster-whisper as an `AsrEngine`: Mandarin and English out of the box.

The model (CTranslate2 int8, ~340 MB resident) is loaded once per process from the wheels that carry it
(analyzers/whisper_model.py: joined, hash-checked, `HF_HUB_OFFLINE`, never a hub download) and shared by every
recognizer in that process; the server runs it in the deferred lane's child processes.

Whisper decodes whole utterances, not streams: a recognizer keeps the audio it is fed and decodes it when the
caller ends the utterance (`finish()`), so there are no partials. Whisper pads every input to 30 s, so a call costs
about 1 s of CPU whatever its length (measured: RTF 0.10 on 15 s, 0.4 on 2-4 s); the caller batches speech into
utterances of several seconds (analyzers/transcript.py) and the gate caps them at ~15 s.

Bounding the output (Whisper loops on one phrase for 10-20 s of decoding on unintelligible input): the caller's gate
only feeds loud stretches; here faster-whisper's own Silero VAD drops non-speech inside the utterance, one
temperature (no fallback re-decodes), segments with no_speech_prob > 0.6 and a low log-probability are dropped,
segments whose text compresses too well (a loop) are dropped, and `max_new_tokens` caps each segment.

Language: "zh" and "en" decode in that language; "auto" detects once from the first utterance (zh or en, whichever
Whisper finds likelier; ~1 s once) and keeps it for the rest of the interview. Mandarin comes out in simplified
characters with punctuation: a simplified-Chinese `initial_prompt` steers Whisper away from traditional characters
(which it otherwise mostly writes) and OpenCC converts any that remain. English keeps Whisper's casing and
punctuation. English words inside Mandarin speech stay as spoken.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analyzers.asr import ASR_SAMPLE_RATE, Recognized, RecognizedWord

DETECTABLE = ("zh", "en")  # "auto" chooses among these: the languages our users interview in
PROMPTS = {
    # Simplified characters and full-width punctuation in the prompt make Whisper write them.
    "zh": "以下是普通话的面试回答，使用简体中文和标点符号。",
}


@dataclass(frozen=True, slots=True)
class WhisperOptions:
    """Decoding settings; the defaults are the measured ones (docs/transcript.md)."""

    compute_type: str = "int8"
    cpu_threads: int = 1  # one core per child process; the server runs as many children as it has cores
    beam_size: int = 1  # greedy: beam 5 costs ~2x for no gain measured on real speech
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    max_new_tokens: int = 180  # ~15 s of fast Mandarin is ~110 tokens
    vad_filter: bool = True
    vad_min_silence_ms: int = 500
    cache_dir: str = ""  # where the joined model.bin is kept ("" = a per-user folder in the temp dir)
    extra: dict[str, Any] = field(default_factory=dict)


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese (OpenCC's t2s table); other scripts pass through unchanged."""
    return str(_converter().convert(text))


@functools.cache
def _converter() -> Any:
    """OpenCC's read-only conversion table, built once per process (~10 ms)."""
    import opencc

    return opencc.OpenCC("t2s")


def whisper_language(language: str) -> str | None:
    """The Whisper code for a room's language ("zh-CN" -> "zh"; "auto" stays), or None if Whisper lacks it."""
    if language == "auto":
        return language
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    base = language.replace("_", "-").split("-")[0].lower()
    return base if base in _LANGUAGE_CODES else None


class WhisperRecognizer:
    """One interview's decoder: buffers an utterance, decodes it on `finish()`. `language` "auto" detects once."""

    def __init__(self, engine: WhisperEngine, language: str) -> None:
        self._engine = engine
        code = whisper_language(language)
        if code is None:
            raise ValueError(f"Whisper has no language {language!r}")
        self.language = code if code != "auto" else ""
        self._buffer: list[np.ndarray] = []
        self._accepted = 0  # samples accepted since creation: the recognizer's clock
        self._utterance_start: int | None = None

    def accept(self, pcm: np.ndarray) -> list[Recognized]:
        if self._utterance_start is None:
            self._utterance_start = self._accepted
        self._buffer.append(np.asarray(pcm, dtype=np.int16).reshape(-1))
        self._accepted += len(pcm)
        return []

    def partial(self) -> str:
        return ""  # Whisper decodes whole utterances; a partial would cost a full decode

    @property
    def buffered_s(self) -> float:
        """Seconds of audio waiting for `finish()`."""
        return 0.0 if self._utterance_start is None else (self._accepted - self._utterance_start) / ASR_SAMPLE_RATE

    def finish(self) -> Recognized | None:
        if self._utterance_start is None:
            return None
        origin = self._utterance_start / ASR_SAMPLE_RATE
        audio = np.concatenate(self._buffer).astype(np.float32) / 32768.0
        self._buffer, self._utterance_start = [], None
        if not self.language:
            self.language = self._engine.detect_language(audio)
        return self._engine.transcribe(audio, self.language, origin)

    def close(self) -> None:
        self._buffer, self._utterance_start = [], None


class WhisperEngine:
    """faster-whisper with Whisper base from the carrier wheels; one model per process, shared by recognizers."""

    name = "whisper"
    decodes_whole_utterances = True  # no partials; the caller batches utterances (one decode costs ~1 s)

    def __init__(self, language: str = "auto", options: WhisperOptions | None = None) -> None:
        self.language = language
        self.options = options or WhisperOptions()
        self._model: Any = None
        self._lock = threading.Lock()  # load once; decodes are serialized too (one core per child process)

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                self._model = self._load()

    def _load(self) -> Any:
        from analyzers.whisper_model import prepare_model_dir

        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder never touches the hub; this makes sure of it
        model_dir = prepare_model_dir(Path(self.options.cache_dir) if self.options.cache_dir else None)
        from faster_whisper import WhisperModel

        return WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=self.options.compute_type,
            cpu_threads=self.options.cpu_threads,
            num_workers=1,
            local_files_only=True,
        )

    def recognizer(self, language: str | None = None) -> WhisperRecognizer:
        self.load()
        return WhisperRecognizer(self, language or self.language)

    def detect_language(self, audio: np.ndarray) -> str:
        """The likelier of zh and en for this audio (Whisper's language token probabilities)."""
        with self._lock:
            _, _, probabilities = self._model.detect_language(audio)
        scores = dict(probabilities)
        return max(DETECTABLE, key=lambda code: scores.get(code, 0.0))

    def transcribe(self, audio: np.ndarray, language: str, origin: float = 0.0) -> Recognized | None:
        """Decode one utterance (float32 mono 16 kHz); word times are `origin` + seconds into it."""
        o = self.options
        with self._lock:
            segments, _ = self._model.transcribe(
                audio,
                language=language,
                beam_size=o.beam_size,
                temperature=0.0,
                condition_on_previous_text=False,
                initial_prompt=PROMPTS.get(language),
                word_timestamps=True,
                no_speech_threshold=o.no_speech_threshold,
                log_prob_threshold=o.log_prob_threshold,
                compression_ratio_threshold=o.compression_ratio_threshold,
                max_new_tokens=o.max_new_tokens,
                vad_filter=o.vad_filter,
                vad_parameters={"min_silence_duration_ms": o.vad_min_silence_ms},
                **o.extra,
            )
            kept = [s for s in segments if _plausible(s, o)]
        simplify = language == "zh"
        words: list[RecognizedWord] = []
        for segment in kept:
            for word in segment.words or ():
                text = word.word.strip()
                if text:
                    words.append(
                        RecognizedWord(
                            to_simplified(text) if simplify else text,
                            float(origin + word.start),
                            float(origin + word.end),
                        )
                    )
        if not words:
            return None
        text = "".join(segment.text for segment in kept).strip()
        return Recognized(tuple(words), to_simplified(text) if simplify else text, language)

    def close(self) -> None:
        with self._lock:
            self._model = None


def _plausible(segment: Any, options: WhisperOptions) -> bool:
    """faster-whisper keeps a segment that failed its thresholds when no temperature fallback is left: drop it."""
    if segment.compression_ratio > options.compression_ratio_threshold:
        return False  # a loop: the same phrase again and again compresses far better than speech
    return not (
        segment.no_speech_prob > options.no_speech_threshold and segment.avg_logprob < options.log_prob_threshold
    )
