"""The samples analyzers take and the shape every analyzer has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from rooms.model import Observation


@dataclass(frozen=True, slots=True)
class VideoSample:
    """One decoded video frame, ready for analysis.

    `t`: media time (seconds since the interview started, from the frame's own timestamp).
    `arrival`: wall-clock epoch seconds when the frame reached the server.
    `image`: RGB, uint8, shape (height, width, 3), C-contiguous.
    """

    t: float
    arrival: float
    image: np.ndarray


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A run of unbroken mono audio.

    `t`: media time of the first sample. `arrival`: wall-clock epoch seconds when its last frame arrived.
    `pcm`: int16 mono samples at `sample_rate` (16 kHz on the live path). Chunks from one session are
    contiguous unless the pipeline reports a gap; their length is any whole number of samples.
    """

    t: float
    arrival: float
    pcm: np.ndarray
    sample_rate: int = 16000


@dataclass(frozen=True, slots=True)
class Marker:
    """A moment the interview's structure defines, in media time: `question_start`, `question_end`.

    Analyzers that measure relative to the script (answer latency: from a question's end to speech) use them;
    the others ignore them.
    """

    name: str
    t: float


@dataclass(frozen=True, slots=True)
class SessionContext:
    """What an analyzer may need to know about the interview when its session opens.

    `language`: the room's (or its template's) interview language, "zh", "en", "auto" (detect) or another code;
    "" = the server's default.
    """

    language: str = ""


SampleT = TypeVar("SampleT", VideoSample, AudioChunk, contravariant=True)


class AnalyzerSession(Protocol[SampleT]):
    """Per-interview state. Called from one thread at a time, samples in media-time order."""

    def process(self, sample: SampleT) -> list[Observation]: ...

    def mark(self, marker: Marker) -> list[Observation]:
        """Take note of a script marker; return what it settles at once (usually nothing)."""
        ...

    def close(self) -> list[Observation]:
        """Flush: observations that only exist once the stream has ended (final totals, an open pause)."""
        ...


class Analyzer(Protocol[SampleT]):
    """Created once per process; holds the model. Opens one session per interview."""

    @property
    def lane(self) -> str:
        """The analysis lane that runs it: "video", "voice" or "deferred" (realtime/lanes.py)."""
        ...

    @property
    def max_rate_hz(self) -> float | None:
        """The highest sample rate it needs; None: every sample its lane takes."""
        ...

    def warm_up(self) -> None: ...

    def open(self, session_id: str, context: SessionContext | None = None) -> AnalyzerSession[SampleT]: ...

    def close(self) -> None: ...
