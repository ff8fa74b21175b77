"""The integrity checks on observation streams whose truth is known: voice with a still mouth, reading sweeps,
copied answers. (The real models' side is in bench/integrity.py and tests/e2e/test_integrity_bot.py.)"""

from __future__ import annotations

import numpy as np

from analyzers.mouth_voice import MouthVoiceCheck
from analyzers.reading import ReadingDetector
from rooms.model import Observation, ObservationType
from rooms.similarity import Answer, shingles, similarity, similarity_events


def _metric(name: str, value: float, t: float) -> Observation:
    return Observation(ObservationType.METRIC, name, value, t, 0.0)


def _stream(seconds: float, speaking, jaw) -> list[Observation]:
    """Face frames at 10 fps (jawOpen from `jaw(t)`) and voice snapshots every 0.25 s (`speaking(t)`), in order."""
    out = []
    for i in range(int(seconds * 10)):
        t = i / 10
        out += [_metric("face_count", 1, t), _metric("mouth_open", jaw(t), t)]
        if abs(t * 4 - round(t * 4)) < 1e-9:
            out += [_metric("speaking", speaking(t), t), _metric("loudness_db", -20.0 if speaking(t) else -90.0, t)]
    return out


def _run(check, observations: list[Observation]) -> list[Observation]:
    events = []
    for i in range(0, len(observations), 7):
        events += check.feed(observations[i : i + 7])
    return events + check.close()


def test_speech_over_a_still_mouth_is_flagged_and_talking_is_not() -> None:
    rng = np.random.default_rng(1)
    talking = {round(i / 10, 1): 0.05 + 0.12 * rng.random() for i in range(300)}
    speech = lambda t: 1.0 if 3 <= t < 20 else 0.0  # noqa: E731
    still = _run(MouthVoiceCheck(), _stream(25, speech, lambda t: 0.04))
    assert len(still) == 1 and still[0].name == "voice_mouth_mismatch"
    assert 2.5 <= still[0].t <= 3.5 and 15 <= still[0].value <= 18, still
    assert still[0].detail["kind"] == "voice_without_mouth"
    moving = _run(MouthVoiceCheck(), _stream(25, speech, lambda t: talking[round(t, 1)] if speech(t) else 0.04))
    assert [e for e in moving if e.detail["kind"] != "out_of_sync"] == []


def test_reading_sweeps_are_flagged_and_glances_are_not() -> None:
    rng = np.random.default_rng(2)
    reading, t = [], 0.0
    while t < 20:  # lines of 2 s, 16 degrees, in 0.1 s steps, each ended by a return in one frame
        reading += [_metric("gaze_yaw", -8 + 16 * i / 20 + rng.normal(0, 1), t + i / 10) for i in range(20)]
        t += 2.1
    events = _run(ReadingDetector(), reading)
    assert len(events) == 1 and events[0].value > 12 and events[0].detail["sweeps"] >= 6, events
    glances = [_metric("gaze_yaw", (15.0 if (i // 15) % 2 else 0.0) + rng.normal(0, 1), i / 10) for i in range(300)]
    assert _run(ReadingDetector(), glances) == []


def test_a_copied_answer_is_flagged_and_a_different_one_is_not() -> None:
    text = "I built a booking system for a chain of clinics so patients pick a slot online and the desk sees it"
    other = "At my last job I wrote the data pipeline that loads sales figures every night from forty shops"
    assert similarity(shingles(text), shingles(text.replace("clinics", "hospitals"))) > 0.6
    assert similarity(shingles(text), shingles(other)) < 0.05
    assert (
        similarity(
            shingles("我负责过一个仓库管理系统主要是入库出库和库存盘点"),
            shingles("我负责过一个仓库管理系统，主要是入库出库和盘点"),
        )
        > 0.5
    )
    mine = [Answer(0, 10.0, 70.0, text)]
    paste = Observation(ObservationType.EVENT, "paste", 99, 5.0, 0.0, {"chars": 99, "text": text})
    events = similarity_events(mine, [("room-b", [Answer(0, 0.0, 50.0, other)])], [paste], now=0.0)
    assert [(e.name, e.t, e.detail["source"], e.detail["end"]) for e in events] == [
        ("answer_similarity", 10.0, "paste", 70.0)
    ]
    copied = similarity_events(mine, [("room-b", [Answer(0, 0.0, 50.0, text)])], [], now=0.0)
    assert copied[0].detail["other_room"] == "room-b" and copied[0].value == 1.0
