"""Fakes for the in-process layers: an analysis engine whose analyzers load no model and answer at once."""

from __future__ import annotations

from typing import ClassVar

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


def fake_engine(settings: object) -> AnalysisEngine:
    """The engine factory `create_app` takes: fakes in place of the models, one thread per lane."""
    return AnalysisEngine([FakeFaceAnalyzer(), FakeVoiceAnalyzer()], threads=1)


def no_models(settings: object) -> AnalysisEngine:
    """An engine with no analyzers: the API, tokens and storage are real; nothing is loaded, nothing observed."""
    return AnalysisEngine([], threads=1)
