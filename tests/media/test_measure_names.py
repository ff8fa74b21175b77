"""Every observation the real analyzers emit is in the measures catalogue (rooms/measures.py), with the kind and
lane the catalogue gives it: a measure renamed or added without its entry fails here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzers.asr_whisper import WhisperOptions
from analyzers.base import AudioChunk, Marker
from analyzers.face import FaceAnalyzer, FaceAnalyzerConfig
from analyzers.transcript import TranscriptAnalyzer, TranscriptConfig
from analyzers.voice import VoiceAnalyzer
from rooms.measures import DEFERRED_LANE, OBSERVATIONS, QUESTION_END, VIDEO_LANE, VOICE_LANE, unknown_names
from rooms.model import Observation
from tests.support.face_media import feat_data_dir, run_session, video_samples
from tests.support.speech import SAMPLE_RATE, espeak_wav, splice


def _check(observations: list[Observation], lane: str) -> set[str]:
    names = {o.name for o in observations}
    assert not unknown_names(names), f"not in rooms/measures.py: {sorted(unknown_names(names))}"
    for o in observations:
        entry = OBSERVATIONS[o.name]
        assert entry.kind == o.type.value and entry.lane == lane, (o.name, o.type, entry)
    return names


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    folder = tmp_path_factory.mktemp("names")
    clip = espeak_wav("Tell me about a system you built um last year.", 160, folder / "a.wav")
    return splice([0.5, clip, 1.5, clip, 0.5]).pcm


def _feed(session, pcm: np.ndarray, markers: list[Marker]) -> list[Observation]:
    out: list[Observation] = []
    for marker in markers:
        out += session.mark(marker)
    for i in range(0, len(pcm), 320):
        out += session.process(AudioChunk(i / SAMPLE_RATE, 1000.0 + i / SAMPLE_RATE, pcm[i : i + 320]))
    return out + session.close()


def test_face_names(tmp_path: Path) -> None:
    analyzer = FaceAnalyzer(FaceAnalyzerConfig(emotion_inference=True, look_away_after_s=0.5))
    analyzer.warm_up()
    try:
        frames = run_session(analyzer.open("names"), video_samples(feat_data_dir() / "face_noface.mov", every=2))
    finally:
        analyzer.close()
    names = _check([o for frame in frames for o in frame], VIDEO_LANE)
    assert {"face_present", "eye_contact", "smile", "face_lost", "expression_class"} <= names


def test_voice_names(speech: np.ndarray) -> None:
    names = _check(_feed(VoiceAnalyzer().open("names"), speech, [Marker(QUESTION_END, 0.2)]), VOICE_LANE)
    assert {"speaking", "speech_rate", "pause", "answer_latency", "pitch_hz"} <= names


def test_transcript_names(speech: np.ndarray, tmp_path: Path) -> None:
    analyzer = TranscriptAnalyzer(TranscriptConfig(language="en", whisper=WhisperOptions(cache_dir=str(tmp_path))))
    analyzer.warm_up()
    assert analyzer.engine_name == "whisper", analyzer.unavailable_reason
    try:
        names = _check(_feed(analyzer.open("names"), speech, []), DEFERRED_LANE)
    finally:
        analyzer.close()
    assert {"transcript", "final", "words"} <= names
