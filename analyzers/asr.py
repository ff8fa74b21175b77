"""The small interface every speech recognition engine sits behind, and the words it hands back.

An `AsrEngine` is created once per process and holds whatever can be shared read-only (Whisper's or Vosk's model);
`recognizer(language)` makes the per-stream decoder, which is never shared between sessions. A `Recognizer` takes int16
mono audio and reports words on its own clock: seconds of audio accepted since it was created. Mapping that clock
to media time (it skips the silences the caller did not feed) is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

ASR_SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class RecognizedWord:
    """A word as the engine spelled it (alternate-pronunciation marks removed), on the recognizer's clock."""

    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Recognized:
    """An utterance the engine has settled: its words in order, noise and silence tokens already removed."""

    words: tuple[RecognizedWord, ...]
    # The engine's own spelling of the utterance (punctuation, casing, no spaces between Chinese characters);
    # "" when the engine gives only words, which are then joined by spaces.
    spelled: str = ""
    # The language the engine decoded in ("" = the one it was asked for).
    language: str = ""

    @property
    def text(self) -> str:
        return self.spelled or " ".join(word.text for word in self.words)


class Recognizer(Protocol):
    """One stream's decoder. Called from one thread at a time."""

    def accept(self, pcm: np.ndarray) -> list[Recognized]:
        """Decode int16 mono 16 kHz samples; return any utterance the engine's own endpointing closed."""
        ...

    def partial(self) -> str:
        """The current utterance's best guess so far ("" if none)."""
        ...

    def finish(self) -> Recognized | None:
        """End the current utterance now and return it (None if it holds no words). Decoding may continue."""
        ...

    def close(self) -> None: ...


class AsrEngine(Protocol):
    """A recognition engine for one language: shared assets, and a recognizer per stream."""

    name: str
    language: str

    def load(self) -> None:
        """Load the shared assets now (slow: seconds); `recognizer()` loads them itself if needed."""
        ...

    def recognizer(self, language: str | None = None) -> Recognizer:
        """A decoder for one stream; `language` is the interview's ("auto" = detect), None = the engine's own."""
        ...

    def close(self) -> None: ...


def is_noise_token(token: str) -> bool:
    """Engines mark silence, noise and unknown words with brackets: <sil>, <s>, [NOISE], [SPEECH], [unk], ++UM++."""
    return not token or token[0] in "<[+"
