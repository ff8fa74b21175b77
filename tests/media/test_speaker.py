"""The speaker encoder (Resemblyzer's GE2E as ONNX) on real speech audio from espeak-ng: the candidate's own voice
stays the candidate's; another voice taking over an answer is flagged as `second_speaker` with its span."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analyzers.base import AudioChunk, Marker
from analyzers.speaker import RATE, SpeakerCheckConfig, SpeakerSession, VoiceEncoder, cosine
from tests.support.integrity_media import DUB_TEXTS, speech_track


def test_another_voice_within_an_answer_is_flagged(tmp_path: Path) -> None:
    encoder = VoiceEncoder()
    first = speech_track(14.0, 1, "en", tmp_path)
    own = speech_track(10.0, 2, "en", tmp_path, DUB_TEXTS)
    other = speech_track(10.0, 3, "en+f3", tmp_path)
    assert cosine(encoder.embed(first), encoder.embed(own)) > 0.85
    assert cosine(encoder.embed(first), encoder.embed(other)) < 0.8

    def run(answer: np.ndarray) -> list:
        session = SpeakerSession(encoder, SpeakerCheckConfig())
        events = session.mark(Marker("question_start", 0.0)) + session.process(AudioChunk(0.0, 0.0, first))
        events += session.mark(Marker("question_start", len(first) / RATE))
        events += session.process(AudioChunk(len(first) / RATE, 0.0, answer))
        return events + session.close()

    assert run(np.concatenate([own, own])) == []
    flagged = run(np.concatenate([own, other]))
    other_start = (len(first) + len(own)) / RATE
    assert flagged and all(e.name == "second_speaker" for e in flagged)
    assert flagged[0].t >= other_start - 1.0 and flagged[0].detail["similarity_min"] < 0.8, flagged
