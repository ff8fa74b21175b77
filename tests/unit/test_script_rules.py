"""The one-way script's state machine and the report rules: pure functions, no server."""

from __future__ import annotations

import pytest

from rooms.errors import Conflict, InvalidInput
from rooms.rules import Rule, evaluate, lookup
from rooms.script import REVIEW_S, Action, Phase, Script, ScriptState
from rooms.templates import Template

SCALE = 0.1


def _template(**extra) -> Template:
    body = {
        "title": "Backend engineer",
        "questions": [
            {"text": "Tell us about a system you built.", "think_s": 30, "answer_s": 120, "keywords": ["latency"]},
            {"text": "How do you debug a slow query?", "think_s": 20, "answer_s": 60, "retakes": 1},
        ],
        **extra,
    }
    return Template.from_json(body, id="t1", created_at=1.0)


def test_full_script_with_practice_early_finish_retake_and_deadlines() -> None:
    script = Script(_template(), SCALE)
    state = ScriptState()
    assert script.allowed(state) == ["practice", "start"]

    state, marks = script.act(state, Action.PRACTICE, 100.0)
    assert state.phase is Phase.PRACTICE_THINK and marks == []  # practice is never on the timeline
    assert state.deadline == pytest.approx(100.0 + 15 * SCALE)
    state, marks = script.expire(state, 200.0)  # both practice countdowns ran out
    assert state.phase is Phase.INTRO and state.practice_done and marks == []
    assert script.allowed(state) == ["start"]  # one practice only

    state, marks = script.act(state, Action.START, 300.0)
    assert (state.phase, state.index, state.deadline) == (Phase.THINK, 0, pytest.approx(303.0))
    assert [(m.name, m.analyze) for m in marks] == [("question_start", True)]
    assert marks[0].detail == {
        "index": 0,
        "text": "Tell us about a system you built.",
        "label": "Question 1",
        "take": 1,
        "mode": "one_way",
    }
    state, marks = script.expire(state, 303.5)  # thinking time over: answering starts at the deadline itself
    assert state.phase is Phase.ANSWER and state.phase_started_at == pytest.approx(303.0)
    # The analyzers time answer latency from "question_end": for them the question is put when answering opens.
    assert [(m.name, m.at, m.analyze) for m in marks] == [("answer_start", pytest.approx(303.0), "question_end")]

    state, marks = script.act(state, Action.FINISH, 310.0)  # finished early
    assert [(m.name, m.detail["index"]) for m in marks] == [("question_end", 0), ("question_start", 1)]
    assert (state.phase, state.index, state.take) == (Phase.THINK, 1, 1)

    state, _ = script.act(state, Action.ANSWER, 311.0)  # starts answering before thinking time is up
    state, marks = script.expire(state, 311.0 + 60 * SCALE)
    assert state.phase is Phase.REVIEW and [m.name for m in marks] == ["question_end"]
    assert script.allowed(state) == ["keep", "retake"]
    state, marks = script.act(state, Action.RETAKE, 318.0)
    assert [m.name for m in marks] == ["take_discarded", "question_start"]
    assert (state.phase, state.take) == (Phase.THINK, 2) and marks[1].detail["take"] == 2
    state, _ = script.act(state, Action.ANSWER, 319.0)
    state, marks = script.act(state, Action.FINISH, 325.0)  # no retake left: done
    assert state.phase is Phase.DONE and state.finished_at == 325.0 and state.deadline is None
    assert [m.name for m in marks] == ["question_end"]


def test_review_times_out_into_keep_and_a_long_outage_replays_every_deadline() -> None:
    script = Script(_template(practice=None), SCALE)
    state, _ = script.act(ScriptState(), Action.START, 0.0)
    # Nobody came back for an hour: every countdown ran, each next phase starting at the previous deadline.
    state, marks = script.expire(state, 3600.0)
    assert state.phase is Phase.DONE
    q1_end = 30 * SCALE + 120 * SCALE
    q2_end = q1_end + 20 * SCALE + 60 * SCALE
    assert [(m.name, round(m.at, 3)) for m in marks] == [
        ("answer_start", 3.0),
        ("question_end", round(q1_end, 3)),
        ("question_start", round(q1_end, 3)),
        ("answer_start", round(q1_end + 2.0, 3)),
        ("question_end", round(q2_end, 3)),
    ]
    assert state.finished_at == pytest.approx(q2_end + REVIEW_S * SCALE)


def test_the_page_cannot_skip_or_extend() -> None:
    script = Script(_template(practice=None), SCALE)
    state = ScriptState()
    for action in (Action.PRACTICE, Action.FINISH, Action.ANSWER, Action.RETAKE, Action.KEEP):
        with pytest.raises(Conflict):
            script.act(state, action, 0.0)
    state, _ = script.act(state, Action.START, 0.0)
    with pytest.raises(Conflict):
        script.act(state, Action.START, 1.0)  # no restart: that would reset the clock
    with pytest.raises(Conflict):
        script.act(state, Action.KEEP, 1.0)  # no skipping a question while thinking


def test_candidate_view_hides_assessor_notes() -> None:
    template = _template(questions=[{"text": "Q", "keywords": ["secret"], "rubric": "look for X"}])
    script = Script(template, SCALE)
    state, _ = script.act(ScriptState(), Action.START, 0.0)
    view = script.view(state, 1.0)
    assert view["question"]["text"] == "Q" and view["index"] == 0 and view["count"] == 1
    assert "secret" not in repr(view) and "look for X" not in repr(view)
    assert view["remaining_s"] == pytest.approx(30 * SCALE - 1.0)


def test_state_round_trips() -> None:
    state = ScriptState(Phase.ANSWER, 1, 2, 12.5, 10.0, True, 1.0, None, 7)
    assert ScriptState.from_json(state.to_json()) == state


REPORT = {
    "overall": {"score": 84.0},
    "dimensions": {"communication": {"score": 72.0}},
    "metrics": {
        "face_presence": {"value": 0.62, "unit": "ratio"},
        "speech_rate": {"value": 210.0, "unit": "syllables/min"},
        "answer_latency": {"value": None, "unit": "s"},
    },
}


@pytest.mark.parametrize(
    ("rule", "fires"),
    [
        ({"when": "overall >= 80", "then": "advance"}, True),
        ({"when": "overall >= 90", "then": "advance"}, False),
        ({"when": "face_presence < 70 %", "then": "needs_review"}, True),
        ({"when": "face.face_presence < 60%", "then": "needs_review"}, False),
        ({"measure": "communication", "op": "<", "value": 75, "outcome": "hold"}, True),
        ({"measure": "dimensions.communication", "op": ">", "value": 75, "outcome": "advance"}, False),
        ({"measure": "metrics.speech_rate", "op": ">", "value": 200, "outcome": "hold"}, True),
    ],
)
def test_rule_conditions(rule: dict, fires: bool) -> None:
    outcome = evaluate([Rule.from_json(rule)], REPORT)
    assert bool(outcome["rules_fired"]) is fires


def test_most_cautious_outcome_wins_and_missing_measures_are_reported() -> None:
    rules = [
        Rule.from_json({"when": "overall >= 80", "then": "advance"}),
        Rule.from_json({"when": "face_presence < 70 %", "then": "needs_review", "label": "face often out of view"}),
        Rule.from_json({"when": "answer_latency > 5", "then": "hold"}),
        Rule.from_json({"when": "no_such_measure > 1", "then": "reject"}),
    ]
    outcome = evaluate(rules, REPORT)
    assert outcome["recommendation"] == "needs_review"
    assert [f["outcome"] for f in outcome["rules_fired"]] == ["advance", "needs_review"]
    assert outcome["rules_fired"][1]["value"] == 0.62 and outcome["rules_fired"][1]["threshold"] == 0.7
    assert [u["reason"] for u in outcome["rules_not_evaluated"]] == [
        "the measure has no value",
        "no such measure in the report",
    ]
    assert evaluate([], REPORT)["recommendation"] is None
    assert lookup({"overall": 55}, "overall").value == 55.0


@pytest.mark.parametrize(
    "rule",
    [
        "not an object",
        {"when": "overall >= 80"},
        {"when": "overall >= 80", "then": "hire"},
        {"when": "overall => 80", "then": "advance"},
        {"when": "__import__('os') > 1", "then": "advance"},
        {"measure": "overall", "op": "~", "value": 1, "outcome": "advance"},
        {"measure": "overall", "op": ">", "value": "80", "outcome": "advance"},
    ],
)
def test_bad_rules_are_invalid_input(rule: object) -> None:
    with pytest.raises(InvalidInput):
        Rule.from_json(rule)
