"""The pure folding of a timeline into what the replay page draws (rooms/replay.py)."""

from __future__ import annotations

import pytest

from rooms.model import Observation, ObservationType
from rooms.replay import LONG_PAUSE_S, MAX_POINTS, build_replay

M, E, TR = ObservationType.METRIC, ObservationType.EVENT, ObservationType.TRANSCRIPT


def _obs(kind: ObservationType, name: str, value, t: float, detail: dict | None = None) -> Observation:
    return Observation(kind, name, value, t, 1_700_000_000.0 + t, detail)


def test_series_are_bucket_means_with_short_holds_and_real_gaps() -> None:
    timeline = [_obs(M, "eye_contact", v, t) for t, v in [(0.1, 1.0), (0.2, 0.0), (0.3, 1.0), (0.6, 1.0)]]
    timeline += [_obs(M, "eye_contact", 0.0, 6.1)]  # 5 s without samples before it: a real gap
    # close() repeats cumulative metrics as totals (detail final): not a sample at that moment.
    timeline += [_obs(M, "speech_rate", 180.0, 2.2), _obs(M, "speech_rate", 999.0, 6.4, {"final": True})]
    replay = build_replay(timeline, duration_s=7.0)
    series = replay.series
    assert replay.bucket_s == 0.5 and series["t"][:3] == [0.25, 0.75, 1.25]
    eye = series["eye_contact"]
    assert eye[0] == pytest.approx(2 / 3, abs=1e-3)  # the share of the bucket's frames
    assert eye[1] == 1.0
    assert eye[2:6] == [1.0] * 4  # held for 2 s (eye contact skips blinks)
    assert eye[6] is None and eye[11] is None  # then a break, not a line across the gap
    assert eye[12] == 0.0
    assert 999.0 not in series["speech_rate"] and series["speech_rate"][4] == 180.0
    assert "face_present" not in series  # only what the timeline holds


def test_long_interviews_stay_within_the_point_budget() -> None:
    timeline = [_obs(M, "face_present", 1.0, t / 10) for t in range(0, 2 * 3600 * 10, 7)]
    replay = build_replay(timeline, duration_s=2 * 3600)
    assert len(replay.series["t"]) <= MAX_POINTS
    assert replay.bucket_s % 0.5 == 0 and replay.series["face_present"][-1] == 1.0


def test_flagged_moments_start_where_they_began() -> None:
    timeline = [
        _obs(M, "face_count", 1, 0.5),
        _obs(E, "multiple_faces", 2, 1.0),
        _obs(M, "face_count", 2, 1.5),
        _obs(M, "face_count", 1, 2.5),
        # Announced once the face has been gone a while: the moment starts where it was last seen.
        _obs(E, "face_lost", None, 4.0, {"last_seen_t": 3.0}),
        _obs(E, "face_found", None, 5.5, {"absent_s": 2.5}),
        _obs(E, "look_away", 3.1, 10.1, {"start": 7.0}),
        _obs(E, "look_back", 4.5, 11.5, {"start": 7.0}),
        _obs(E, "pause", LONG_PAUSE_S + 1.0, 20.0, {"start": 16.0, "end": 20.0}),
        _obs(E, "pause", 1.2, 25.0, {"start": 23.8, "end": 25.0}),  # ordinary rhythm: not flagged
        _obs(E, "look_away", 3.2, 30.0, {"start": 26.8}),  # still looking away at the end
        _obs(E, "face_lost", None, 31.0, {"last_seen_t": 30.5}),  # and gone for good
    ]
    flags = [(f.kind, f.start, f.end, f.value) for f in build_replay(timeline, 32.0).flags]
    assert flags == [
        ("multiple_faces", 1.0, 2.5, 2),
        ("face_lost", 3.0, 5.5, None),
        ("look_away", 7.0, 11.5, 4.5),
        ("long_pause", 16.0, 20.0, LONG_PAUSE_S + 1.0),
        ("look_away", 26.8, None, 3.2),
        ("face_lost", 30.5, 32.0, None),
    ]


def test_transcript_lines_and_question_spans() -> None:
    timeline = [
        _obs(E, "question_start", "Tell me about you", 1.0, {"label": "Tell me about you"}),
        _obs(TR, "partial", "hel", 2.0),
        _obs(TR, "final", " hello there ", 3.0, {"start": 2.1, "end": 3.0}),
        _obs(E, "question_end", None, 4.0),
        _obs(TR, "final", "", 4.5),  # nothing recognised
        _obs(E, "question_start", None, 8.0, {"index": 2, "text": "Why us?", "label": "Q2"}),
        _obs(E, "question_start", None, 9.0, {"practice": True}),  # a one-way practice question: not listed
    ]
    replay = build_replay(timeline, 12.0)
    assert [(x.start, x.end, x.text) for x in replay.transcript] == [(2.1, 3.0, "hello there")]
    assert [(q.index, q.start, q.end, q.label) for q in replay.questions] == [
        (1, 1.0, 4.0, "Tell me about you"),
        (2, 8.0, None, "Why us?"),
    ]
    assert build_replay([], None).to_json()["duration_s"] == 0.0
