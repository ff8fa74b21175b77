"""The integrity model: page reports parsed and stamped on media time, the report's section, the replay's flags."""

from __future__ import annotations

import pytest

from rooms.errors import InvalidInput
from rooms.integrity import SIGNAL_NAMES, integrity_section, page_observations, parse_page_events
from rooms.model import Observation, ObservationType
from rooms.replay import build_replay


def test_page_events_are_stamped_on_media_time_from_how_long_ago_they_started() -> None:
    events = parse_page_events(
        {
            "events": [
                {"name": "tab_hidden", "ago_s": 10.0, "duration_s": 4.0},
                {"name": "paste", "ago_s": 2.0, "chars": 5000, "text": "x" * 5000},
                {"name": "window_blur", "ago_s": 1.0, "duration_s": 0.5},
            ]
        }
    )
    started_at, now = 1000.0, 1100.0
    observations = page_observations(events, now, started_at, enabled=("tab_hidden", "paste"))
    assert [(o.name, o.t, o.value) for o in observations] == [("tab_hidden", 90.0, 4.0), ("paste", 98.0, 5000)]
    assert observations[0].detail["end"] == 94.0
    assert len(observations[1].detail["text"]) == 2000  # cut, its length kept


@pytest.mark.parametrize(
    "body",
    [{}, {"events": [1]}, {"events": [{"name": "tab_hidden", "ago_s": True, "duration_s": 1}]}],
)
def test_bad_page_events_are_refused(body: dict) -> None:
    with pytest.raises(InvalidInput):
        parse_page_events(body)


def test_report_section_lists_every_signal_with_its_evidence_and_replay_flags_each() -> None:
    timeline = [
        Observation(ObservationType.EVENT, "tab_hidden", 4.0, 90.0, 0.0, {"source": "page", "end": 94.0}),
        Observation(ObservationType.EVENT, "voice_mouth_mismatch", 3.0, 20.0, 0.0, {"mouth_moving": 0.0}),
    ]
    section = integrity_section(timeline, enabled=[n for n in SIGNAL_NAMES if n != "reading"])
    by_name = {s["name"]: s for s in section["signals"]}
    assert set(by_name) == set(SIGNAL_NAMES) and section["flagged"] == 2
    assert not by_name["reading"]["enabled"] and by_name["tab_hidden"]["enabled"]
    assert by_name["tab_hidden"]["events"] == [{"t": 90.0, "end": 94.0, "value": 4.0, "evidence": {"source": "page"}}]
    assert by_name["voice_mouth_mismatch"]["events"][0]["end"] == 23.0
    assert all(s["false_positive_rate"] for s in section["signals"])
    flags = build_replay(timeline, 100.0).flags
    assert [(f.kind, f.start, f.end, f.value) for f in flags] == [
        ("voice_mouth_mismatch", 20.0, 23.0, 3.0),
        ("tab_hidden", 90.0, 94.0, 4.0),
    ]


def test_rules_may_route_to_review_on_integrity_signals_and_nothing_else() -> None:
    from rooms.rules import Rule, evaluate

    timeline = [Observation(ObservationType.EVENT, "tab_hidden", 4.0, 90.0, 0.0, {"end": 94.0})]
    report = {"integrity": integrity_section(timeline, enabled=[n for n in SIGNAL_NAMES if n != "reading"])}
    rules = [
        Rule.from_json({"when": "integrity.flagged >= 1", "then": "needs_review"}),
        Rule.from_json({"when": "integrity.reading >= 1", "then": "needs_review"}),
    ]
    outcome = evaluate(rules, report)
    assert outcome["recommendation"] == "needs_review" and len(outcome["rules_fired"]) == 1
    assert outcome["rules_not_evaluated"][0]["rule"].startswith("integrity.reading")  # off: no value
    for then in ("reject", "hold", "advance"):
        with pytest.raises(InvalidInput):
            Rule.from_json({"when": "integrity.tab_hidden >= 1", "then": then})
