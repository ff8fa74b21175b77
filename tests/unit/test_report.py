"""The closing report: dimensions and their configuration, per-question breakdown, determinism, HTML and PDF.

The tests run on a realistic timeline built by code (tests/support/report_timelines.py); the real pipeline's report
is checked in tests/e2e/test_report_pipeline.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import pytest

from rooms.model import Observation, ObservationType, Room, RoomStatus
from rooms.report import build_report
from rooms.scoring import DEFAULT_CONFIG_PATH, load_scoring_config, parse_scoring_config
from server.report_document import (
    pdf_static_url,
    render_report_html,
    report_context,
    template_environment,
)
from tests.support.report_timelines import STARTED_AT, UTTERANCES, interview_room, interview_timeline

E = ObservationType.EVENT
DEFAULT_DIMENSIONS = ["communication", "fluency", "responsiveness", "camera_presence"]


def _report(**kwargs: Any) -> dict[str, Any]:
    room = interview_room()
    timeline = interview_timeline(expression_classes=kwargs.pop("expression_classes", False))
    return build_report(room, timeline, room.ended_at, **kwargs)


def _env() -> jinja2.Environment:
    return template_environment()


def _html(report: dict[str, Any], *, pdf: bool) -> str:
    context = {
        "product_name": "Open Interview",
        "static_url": pdf_static_url() if pdf else "/static",
        **report_context(interview_room().to_public(), report, pdf=pdf, pdf_url=None if pdf else "/x.pdf"),
    }
    return render_report_html(_env(), context)


# --- scoring -------------------------------------------------------------------------------------------------


def test_dimensions_are_scored_from_descriptive_measures_with_their_evidence() -> None:
    report = _report()
    dims = report["dimensions"]
    assert list(dims) == DEFAULT_DIMENSIONS
    config_hash = load_scoring_config().config_hash
    assert report["config_hash"] == config_hash and report["overall"]["config_hash"] == config_hash
    for dim in dims.values():
        assert 0 <= dim["score"] <= 100 and dim["weight"] > 0 and dim["config_hash"] == config_hash
        assert dim["computed_from"]["formula"].startswith("weighted mean")
        for m in dim["computed_from"]["measures"]:
            assert m["rule"] and m["derivation"] and m["unit"]
    # The overall score is the weighted mean of the dimensions, as its formula says.
    expected = sum(d["score"] * d["weight"] for d in dims.values()) / sum(d["weight"] for d in dims.values())
    assert report["overall"]["score"] == pytest.approx(expected, abs=0.06)

    fluency = {m["measure"]: m for m in dims["fluency"]["computed_from"]["measures"]}
    # Six silences of 1 s or more, but the 22 s one holds question 2 being asked: turn-taking, not a pause.
    assert report["metrics"]["pause_count"]["value"] == 6
    speaking_s = report["metrics"]["speaking_time"]["value"]
    assert fluency["pauses_per_min"]["value"] == pytest.approx(5 / speaking_s * 60, abs=1e-3)
    responsiveness = {m["measure"]: m for m in dims["responsiveness"]["computed_from"]["measures"]}
    assert responsiveness["longest_pause"]["value"] == 5.0
    assert responsiveness["answer_latency"]["value"] == 3.0  # (2 s + 4 s) / 2
    assert responsiveness["answer_latency"]["score"] == pytest.approx(100 * (8 - 3) / (8 - 2), abs=0.05)
    # Filler rate: 2 fillers per 100 recognised words (fillers not counted as words).
    words = sum(1 for _, _, text in UTTERANCES for w in text.split() if w not in ("um", "uh"))
    assert fluency["filler_rate"]["value"] == pytest.approx(2 / words * 100, abs=1e-3)

    # Evidence: times and the transcript passage they rest on.
    pauses = [e for e in dims["fluency"]["evidence"] if e["measure"] == "pauses"]
    assert pauses and all(e["end"] > e["t"] for e in pauses)
    longest = max(pauses, key=lambda e: e["end"] - e["t"])
    assert (longest["t"], longest["end"]) == (104.0, 109.0)
    assert "deterministic clock" in longest["transcript"] and "lease per account" in longest["transcript"]
    latency = [e for e in dims["responsiveness"]["evidence"] if e["measure"] == "answer_latency"]
    assert [(e["t"], e["end"]) for e in latency] == [(4.0, 6.0), (70.0, 74.0)]
    camera = dims["camera_presence"]["evidence"]
    assert any(e["t"] == 40.0 and e["end"] == 46.0 for e in camera)  # the look-away
    assert any(e["measure"] == "face_presence" and e["end"] == 64.0 for e in camera)
    fillers = [e for e in dims["fluency"]["evidence"] if e["measure"] == "filler_rate"]
    assert {e["note"] for e in fillers} == {"Filler word “um”", "Filler word “uh”"}


def test_highlights_suggestions_and_summary_come_from_the_measures() -> None:
    report = _report()
    texts = [h["text"] for h in report["highlights"]] + [s["text"] for s in report["suggestions"]]
    assert texts, "a realistic interview gives some highlights or suggestions"
    for item in report["highlights"]:
        assert item["score"] >= 80
    for item in report["suggestions"]:
        assert item["score"] < 50 and "Scored against" in item["text"]
    assert any("Speech rate of" in t for t in texts)
    summary = report["summary"]
    assert "Ada Lovelace" in summary and "Backend engineer" in summary and "2 min 30 s" in summary
    assert f"{report['overall']['score']:.0f} of 100" in summary and report["config_hash"][:12] in summary
    banned = ("personality trait", "confident", "nervous", "anxious", "honest", "happy", "angry", "emotion:")
    assert not any(word in json.dumps(report).lower() for word in banned)


def test_dimension_without_data_is_not_scored_and_weights_renormalise() -> None:
    room = Room("r-silent", "Engineer", "Ada", RoomStatus.ENDED, 0.0, started_at=STARTED_AT, ended_at=STARTED_AT + 30)
    video_only = [o for o in interview_timeline() if o.name in ("face_present", "face_count", "eye_contact")]
    report = build_report(room, video_only, room.ended_at)
    dims = report["dimensions"]
    assert dims["camera_presence"]["score"] is not None
    for name in ("communication", "fluency", "responsiveness"):
        assert dims[name]["score"] is None and "not scored" in dims[name]["computed_from"]["formula"]
    assert report["overall"]["score"] == dims["camera_presence"]["score"]
    assert report["overall"]["dimensions_not_scored"] == ["communication", "fluency", "responsiveness"]
    empty = build_report(room, [], room.ended_at)
    assert empty["overall"]["score"] is None and all(d["score"] is None for d in empty["dimensions"].values())


def test_config_hash_names_the_configuration(tmp_path: Path) -> None:
    default = load_scoring_config()
    assert default.config_hash == load_scoring_config(DEFAULT_CONFIG_PATH).config_hash
    # Layout, comments, key order and 1 vs 1.0 do not change the configuration, so not its hash.
    text = DEFAULT_CONFIG_PATH.read_text()
    relaid = tmp_path / "relaid.toml"
    relaid.write_text("# a deployment's copy\n" + text.replace("weight = 2.0", "weight = 2").replace("  ", ""))
    assert load_scoring_config(relaid).config_hash == default.config_hash
    # A changed weight is another configuration: another hash, and another overall score.
    changed = tmp_path / "changed.toml"
    changed.write_text(text.replace("weight = 0.3\n", "weight = 0.9\n", 1))
    other = load_scoring_config(changed)
    assert other.config_hash != default.config_hash
    room = interview_room()
    timeline = interview_timeline()
    a = build_report(room, timeline, room.ended_at, scoring=default)
    b = build_report(room, timeline, room.ended_at, scoring=other)
    assert b["config_hash"] == other.config_hash and b["scoring"]["config"] == other.canonical()
    assert a["dimensions"]["camera_presence"]["weight"] == 0.3 and b["dimensions"]["camera_presence"]["weight"] == 0.9
    assert a["overall"]["score"] != b["overall"]["score"]
    # The report embeds the configuration, so the hash can be checked against it later.
    assert parse_scoring_config(a["scoring"]["config"]).config_hash == a["config_hash"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('measure = "eye_contact"', 'measure = "charisma"'), "unknown measure"),
        (lambda t: t.replace("low = 180.0", "low = 500.0"), "band needs"),
        (lambda t: t.replace("weight = 0.25", "weight = -1", 1), "positive"),
        (lambda t: t.replace('id = "fluency"', 'id = "communication"'), "unique"),
        (lambda t: t + "\n[[[broken", "cannot read"),
    ],
)
def test_invalid_scoring_config_is_refused(tmp_path: Path, edit: Any, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(edit(DEFAULT_CONFIG_PATH.read_text()))
    with pytest.raises(ValueError, match=message):
        load_scoring_config(path)


# --- questions -----------------------------------------------------------------------------------------------


def test_questions_use_index_and_text_and_skip_practice() -> None:
    report = _report()
    questions = report["questions"]
    assert [(q["index"], q["text"]) for q in questions] == [(1, "Tell me about yourself"), (2, "Describe a hard bug")]
    q1, q2 = questions
    assert (q1["start_t"], q1["end_t"], q1["question_end_t"]) == (3.5, 68.0, 4.0)
    assert (q2["start_t"], q2["end_t"]) == (68.0, 150.0)
    assert [line["start"] for line in q1["transcript"]] == [6.0, 19.4, 37.5]
    assert len(q2["transcript"]) == 4
    # Each question has the report's metrics, in the same shape, over its own span only.
    assert set(q1["metrics"]) == set(report["metrics"])
    for q in questions:
        for metric in q["metrics"].values():
            assert set(metric) == {"label", "value", "unit", "explanation", "computed_from"}
    total = report["metrics"]["speaking_time"]["value"]
    assert q1["metrics"]["speaking_time"]["value"] + q2["metrics"]["speaking_time"]["value"] == pytest.approx(total)
    assert q1["metrics"]["speaking_time"]["value"] == pytest.approx(12 + 13.6 + 14.5, abs=0.6)
    assert q1["metrics"]["answer_latency"]["value"] == 2.0 and q2["metrics"]["answer_latency"]["value"] == 4.0
    assert q1["metrics"]["filler_words"]["value"] == 1 and q2["metrics"]["filler_words"]["value"] == 1
    # The face left the view at 60-64 s, inside question 1.
    assert q1["metrics"]["face_presence"]["value"] < 1.0 and q2["metrics"]["face_presence"]["value"] == 1.0


def test_questions_fall_back_to_order_and_label() -> None:
    room = interview_room()
    base = [o for o in interview_timeline() if not o.name.startswith("question_")]
    marks = [
        Observation(E, "question_start", "Warm-up", 3.5, STARTED_AT + 3.5, {"label": "Warm-up"}),
        Observation(E, "question_end", None, 4.0, STARTED_AT + 4.0),
        Observation(E, "question_start", None, 68.0, STARTED_AT + 68.0),
    ]
    questions = build_report(room, sorted(base + marks, key=lambda o: o.t), room.ended_at)["questions"]
    assert [(q["index"], q["text"], q["label"]) for q in questions] == [(1, "Warm-up", "Warm-up"), (2, None, None)]
    # No questions marked: no breakdown.
    assert build_report(room, base, room.ended_at)["questions"] == []


def test_a_retake_replaces_the_earlier_attempt() -> None:
    room = interview_room()
    timeline = interview_timeline() + [
        Observation(E, "question_start", "About you", 20.0, STARTED_AT + 20, {"index": 1, "text": "About yourself"})
    ]
    questions = build_report(room, sorted(timeline, key=lambda o: o.t), room.ended_at)["questions"]
    assert [(q["index"], q["start_t"], q["attempts"]) for q in questions] == [(1, 20.0, 2), (2, 68.0, 1)]


# --- determinism ---------------------------------------------------------------------------------------------


def test_report_is_byte_identical_when_generated_twice_from_the_stored_timeline() -> None:
    room = interview_room()
    stored = [o.to_record() for o in interview_timeline()]
    first = build_report(room, [Observation.from_record(r) for r in stored], room.ended_at)
    second = build_report(room, [Observation.from_record(json.loads(json.dumps(r))) for r in stored], room.ended_at)
    assert json.dumps(first) == json.dumps(second)
    assert first["generated_at"] == room.ended_at  # from the stored end, not the clock
    # The rendered page and PDF markup are a function of the report too.
    assert _html(first, pdf=True) == _html(second, pdf=True)


# --- emotion policy ------------------------------------------------------------------------------------------


# --- page and PDF --------------------------------------------------------------------------------------------


def test_html_report_shows_dimensions_questions_and_charts() -> None:
    report = _report()
    html = _html(report, pdf=False)
    for dim in DEFAULT_DIMENSIONS:
        assert f'id="dimension-{dim}"' in html
    assert html.count("<svg") == 3 and "<script" not in html
    assert 'id="question-1"' in html and 'id="question-2"' in html and "Describe a hard bug" in html
    assert 'id="pdf-link"' in html and report["config_hash"][:12] in html
    assert "Pause of 5.0 s within an answer" in html
