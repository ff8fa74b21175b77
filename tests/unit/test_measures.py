"""The measures catalogue (rooms/measures.py) is complete and is the only place names are written."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from rooms import measures
from rooms.measures import OBSERVATIONS, REPORT, REPORT_METRICS, Measure, page_catalogue, unknown_names
from rooms.model import ObservationType
from rooms.scoring import MEASURES as SCORING_MEASURES
from tests.support.report_timelines import interview_room, interview_timeline

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for package in ("analyzers", "realtime", "rooms", "server") for p in sorted((ROOT / package).glob("*.py"))]
LANES = {measures.VIDEO_LANE, measures.VOICE_LANE, measures.DEFERRED_LANE, None}
CHARTS = {"presence", "voice", "sound", "expression", None}


def _constants() -> dict[str, str]:
    return {k: v for k, v in vars(measures).items() if k.isupper() and not k.startswith("_") and isinstance(v, str)}


def test_every_name_constant_has_an_entry_and_every_entry_a_constant() -> None:
    names = {v for k, v in _constants().items() if not k.endswith(("_LANE", "_CARD")) and k != "REPORT"}
    integrity = {name for name, m in OBSERVATIONS.items() if m.producer == "integrity"}  # named in rooms/integrity.py
    assert names | integrity == set(OBSERVATIONS) | set(REPORT_METRICS)


@pytest.mark.parametrize(
    "entry", [*OBSERVATIONS.values(), *REPORT_METRICS.values()], ids=lambda m: f"{m.kind}:{m.name}"
)
def test_entries_are_complete(entry: Measure) -> None:
    kinds = {t.value for t in ObservationType} | {REPORT}
    assert entry.kind in kinds and entry.label and entry.description and isinstance(entry.unit, str)
    assert entry.lane in LANES and entry.chart in CHARTS and entry.producer
    if entry.low is not None and entry.high is not None:
        assert entry.low < entry.high
    assert entry.label_key.endswith(f".{entry.name}.label") and entry.description_key != entry.label_key


def test_report_metrics_and_scoring_measures_come_from_the_catalogue() -> None:
    room = interview_room()
    from rooms.report import build_report

    report = build_report(room, interview_timeline(), room.ended_at)
    assert set(report["metrics"]) <= set(REPORT_METRICS)
    for name, metric in report["metrics"].items():
        assert metric["label"] == REPORT_METRICS[name].label and metric["unit"] == REPORT_METRICS[name].unit
    # Scoring may derive rates of its own (per minute, per 100 words); every other input is a report metric.
    derived = {"look_aways_per_min", "pauses_per_min", "filler_rate"}
    assert set(SCORING_MEASURES) - derived <= set(REPORT_METRICS)


def test_a_realistic_timeline_holds_only_catalogued_names() -> None:
    assert not unknown_names(o.name for o in interview_timeline(expression_classes=True))
    assert unknown_names(["face_present", "no_such_measure"]) == {"no_such_measure"}


def test_pages_receive_the_catalogue_as_json() -> None:
    page = json.loads(json.dumps(page_catalogue(), ensure_ascii=False))
    assert page["observations"]["eye_contact"]["chart"] == "presence"
    assert page["report"]["eye_contact"]["unit"] == "ratio"
    translated = page_catalogue(lambda key, english: f"[{key}]")
    assert translated["observations"]["speech_rate"]["label"] == "[measure.speech_rate.label]"


def _observation_names(path: Path) -> list[tuple[int, ast.expr]]:
    """The name argument of every `Observation(type, name, ...)` call in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Observation" and len(node.args) >= 2:
            found.append((node.lineno, node.args[1]))
    return found


def test_no_observation_is_named_by_a_bare_string() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{line} {ast.unparse(arg)}"
        for path in CODE
        for line, arg in _observation_names(path)
        if isinstance(arg, ast.Constant)
    ]
    assert not bare, "name observations with rooms.measures constants: " + ", ".join(bare)


def test_named_constants_in_observations_are_catalogued() -> None:
    for path in CODE:
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for line, arg in _observation_names(path):
            if isinstance(arg, ast.Name) and arg.id.isupper():
                value = getattr(module, arg.id, None)
                assert isinstance(value, str), f"{path.relative_to(ROOT)}:{line}: {arg.id} is not a module constant"
                assert not unknown_names([value]), (
                    f"{path.relative_to(ROOT)}:{line}: {value} is not in rooms/measures.py"
                )
