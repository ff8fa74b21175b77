"""Fakes for the in-process layers: an analysis engine whose analyzers load no model and answer at once."""

from __future__ import annotations

import asyncio
import fractions
import time
from typing import ClassVar

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from analyzers.base import AudioChunk, Marker, SessionContext, VideoSample
from realtime.engine import AnalysisEngine
from rooms.model import Observation, ObservationType


class _FacePresenceSession:
    """A face is present when the frame is not black: enough to see observations flow without MediaPipe."""

    def process(self, sample: VideoSample) -> list[Observation]:
        present = 1.0 if sample.image.size and float(sample.image.mean()) > 8.0 else 0.0
        return [Observation(ObservationType.METRIC, "face_present", present, sample.t, sample.arrival)]

    def mark(self, marker: Marker) -> list[Observation]:
        return []

    def close(self) -> list[Observation]:
        return []


class FakeFaceAnalyzer:
    lane: ClassVar[str] = "video"
    max_rate_hz: ClassVar[float | None] = None

    def warm_up(self) -> None:
        pass

    def open(self, session_id: str, context: SessionContext | None = None) -> _FacePresenceSession:
        return _FacePresenceSession()

    def close(self) -> None:
        pass


class _SpeakingSession:
    """Speaking when the chunk is louder than a whisper, in the real analyzer's units."""

    def process(self, sample: AudioChunk) -> list[Observation]:
        loud = sample.pcm.size and float(abs(sample.pcm.astype("float32")).mean()) > 300.0
        return [Observation(ObservationType.METRIC, "speaking", 1.0 if loud else 0.0, sample.t, sample.arrival)]

    def mark(self, marker: Marker) -> list[Observation]:
        return []

    def close(self) -> list[Observation]:
        return []


class FakeVoiceAnalyzer:
    lane: ClassVar[str] = "voice"
    max_rate_hz: ClassVar[float | None] = None

    def warm_up(self) -> None:
        pass

    def open(self, session_id: str, context: SessionContext | None = None) -> _SpeakingSession:
        return _SpeakingSession()

    def close(self) -> None:
        pass


FRAME_SAMPLES = 960  # 20 ms at 48 kHz, as aiortc decodes Opus


class PacedAudioTrack(MediaStreamTrack):
    """Live-paced 48 kHz audio frames, like a decoded Opus track."""

    kind = "audio"

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._frames = int(seconds / 0.02)
        self._sent = 0
        self._start = time.monotonic()

    async def recv(self) -> av.AudioFrame:
        if self._sent >= self._frames:
            raise MediaStreamError
        due = self._start + self._sent * 0.02
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        pcm = (np.sin(np.arange(FRAME_SAMPLES * 2) / 7.0) * 3000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = 48000, self._sent * FRAME_SAMPLES, fractions.Fraction(1, 48000)
        self._sent += 1
        return frame


class _SlowTranscriptSession:
    """Speech recognition with a backlog: each chunk is heard, and the last speech takes `flush_s` to decode at the
    end (as Whisper decoding the last utterance on a busy child process), then comes as one final line."""

    def __init__(self, flush_s: float, text: str) -> None:
        self._flush_s = flush_s
        self._text = text
        self._end: float | None = None
        self._arrival = 0.0

    def process(self, sample: AudioChunk) -> list[Observation]:
        status = [] if self._end is not None else [self._status(sample.t, sample.arrival)]
        self._end = sample.t + len(sample.pcm) / sample.sample_rate
        self._arrival = sample.arrival
        return status

    def _status(self, t: float, arrival: float) -> Observation:
        detail = {"engine": "fake", "language": "en"}
        return Observation(ObservationType.STATUS, "transcript", "on", t, arrival, detail)

    def mark(self, marker: Marker) -> list[Observation]:
        return []

    def close(self) -> list[Observation]:
        if self._end is None:
            return []
        time.sleep(self._flush_s)
        end = self._end
        detail = {"words": [], "start": max(0.0, end - 1.0), "end": end, "language": "en", "units": 3, "syllables": 4}
        return [Observation(ObservationType.TRANSCRIPT, "final", self._text, end, self._arrival, detail)]


class SlowTranscriptAnalyzer:
    """The deferred lane's analyzer whose sessions take `flush_s` to flush their last speech."""

    lane: ClassVar[str] = "deferred"
    max_rate_hz: ClassVar[float | None] = None

    def __init__(self, flush_s: float, text: str = "my last answer") -> None:
        self.flush_s = flush_s
        self.text = text

    def warm_up(self) -> None:
        pass

    def open(self, session_id: str, context: SessionContext | None = None) -> _SlowTranscriptSession:
        return _SlowTranscriptSession(self.flush_s, self.text)

    def close(self) -> None:
        pass


def fake_engine(settings: object) -> AnalysisEngine:
    """The engine factory `create_app` takes: fakes in place of the models, one thread per lane."""
    return AnalysisEngine([FakeFaceAnalyzer(), FakeVoiceAnalyzer()], threads=1)


def no_models(settings: object) -> AnalysisEngine:
    """An engine with no analyzers: the API, tokens and storage are real; nothing is loaded, nothing observed."""
    return AnalysisEngine([], threads=1)
