"""The report's speech rate: from the transcript's syllables when there is one, else acoustic; it says which."""

from __future__ import annotations

from rooms.model import Observation, ObservationType
from rooms.report import build_report
from tests.support.report_timelines import interview_room, interview_timeline

M, S = ObservationType.METRIC, ObservationType.STATUS


def _without_transcript_syllables(timeline: list[Observation]) -> list[Observation]:
    return [o for o in timeline if o.name != "transcript_syllables"]


def test_speech_rate_uses_transcript_syllables_and_keeps_the_acoustic_figure() -> None:
    timeline = interview_timeline()
    speaking = max(float(o.value) for o in timeline if o.name == "speaking_time")  # type: ignore[arg-type]
    end = max(o.t for o in timeline)
    words = [o for o in timeline if o.name == "words"]
    timeline += [
        Observation(M, "transcript_syllables", 300, end - 1.0, end - 1.0, None),
        Observation(M, "words", (words[-1].value if words else 0), end - 1.0, end - 1.0, {"unit": "words"}),
    ]
    report = build_report(interview_room(), timeline, 0.0)
    rate, acoustic = report["metrics"]["speech_rate"], report["metrics"]["speech_rate_acoustic"]
    assert rate["computed_from"].startswith("transcript: 300 syllables")
    assert abs(rate["value"] - 300 / speaking * 60.0) < 0.01
    assert acoustic["value"] is not None and acoustic["value"] != rate["value"]

    plain = build_report(interview_room(), _without_transcript_syllables(interview_timeline()), 0.0)
    assert plain["metrics"]["speech_rate"]["computed_from"].startswith("acoustic: ")
    assert plain["metrics"]["speech_rate"]["value"] == plain["metrics"]["speech_rate_acoustic"]["value"]


def test_chinese_counts_characters_and_fillers_per_hundred() -> None:
    timeline = [
        Observation(S, "transcript", "on", 0.0, 0.0, {"engine": "whisper", "language": "zh"}),
        Observation(M, "speaking_time", 60.0, 60.0, 60.0),
        Observation(M, "words", 200, 60.0, 60.0, {"unit": "characters"}),
        Observation(M, "fillers", 5, 60.0, 60.0),
    ]
    metrics = build_report(interview_room(), timeline, 0.0)["metrics"]
    assert metrics["words_per_minute"]["label"] == "Characters per minute"
    assert metrics["words_per_minute"]["unit"] == "characters/min" and metrics["words_per_minute"]["value"] == 200
    assert metrics["filler_rate"]["value"] == 2.5 and metrics["filler_rate"]["unit"] == "per 100 characters"
