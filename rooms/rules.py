"""Report rules: a template's conditions on the closing report that set an outcome recommendation.

A rule compares one measure of the report with a number, e.g. `{"when": "overall >= 80", "then": "advance"}` or
`{"measure": "face_presence", "op": "<", "value": 0.7, "outcome": "needs_review"}`. Measures are looked up in the
report: `overall` (the overall score), a dimension name or `dimensions.<name>` (its score), a metric name or
`metrics.<name>` (its value; a group prefix such as `face.face_presence` is allowed), `integrity.flagged` or
`integrity.<signal>` (how many integrity events; such a rule may only route to needs_review). A value written with `%`
("< 70 %") is a percentage: for ratio metrics it is divided by 100.

The recommendation is advisory. When several rules fire, the most cautious outcome wins (needs_review, then
reject, hold, advance): a flag asking for a human look outranks an automatic "advance". A human decision, stored
separately, overrides it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rooms.errors import InvalidInput

INTEGRITY = "integrity"  # the report's integrity section (rooms/integrity.py): rules may only route to review on it

# Most cautious first: the first outcome in this order among the fired rules is the recommendation.
OUTCOMES = ("needs_review", "reject", "hold", "advance")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_MEASURE = r"[A-Za-z_][A-Za-z0-9_.]{0,80}"
_CONDITION = re.compile(rf"^\s*({_MEASURE})\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$")


@dataclass(frozen=True, slots=True)
class Rule:
    measure: str
    op: str
    value: float
    outcome: str
    percent: bool = False  # the value was written as a percentage
    label: str | None = None

    def __post_init__(self) -> None:
        # Integrity signals are observations for a person to look at: they may route to review, never decide.
        if self.measure.partition(".")[0] == INTEGRITY and self.outcome != "needs_review":
            raise InvalidInput(f"a rule on {self.measure} may only route to needs_review, not {self.outcome}")

    @property
    def text(self) -> str:
        value = f"{self.value:g}{' %' if self.percent else ''}"
        return f"{self.measure} {self.op} {value} -> {self.outcome}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "measure": self.measure,
            "op": self.op,
            "value": self.value,
            "outcome": self.outcome,
            "percent": self.percent,
        }
        if self.label:
            data["label"] = self.label
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "rule") -> Rule:
        if not isinstance(data, dict):
            raise InvalidInput(f"{where} must be an object")
        outcome = data.get("then", data.get("outcome"))
        if outcome not in OUTCOMES:
            raise InvalidInput(f"{where}: the outcome ('then') must be one of {', '.join(OUTCOMES)}")
        label = data.get("label")
        if label is not None and (not isinstance(label, str) or len(label) > 200):
            raise InvalidInput(f"{where}.label must be a string of at most 200 characters")
        if "when" in data:
            when = data["when"]
            match = _CONDITION.match(when) if isinstance(when, str) else None
            if match is None:
                raise InvalidInput(f"{where}.when must read like 'overall >= 80' or 'face_presence < 70 %'")
            measure, op, number, percent = match.groups()
            return cls(measure, op, float(number), outcome, bool(percent), label)
        measure, op, value = data.get("measure"), data.get("op"), data.get("value")
        if not isinstance(measure, str) or not re.fullmatch(_MEASURE, measure):
            raise InvalidInput(f"{where}.measure must name a report measure, e.g. 'overall' or 'face_presence'")
        if op not in OPERATORS:
            raise InvalidInput(f"{where}.op must be one of {', '.join(OPERATORS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{where}.value must be a number")
        return cls(measure, op, float(value), outcome, bool(data.get("percent", False)), label)


@dataclass(frozen=True, slots=True)
class MeasureValue:
    value: float | None
    unit: str | None
    found: bool


def lookup(report: dict[str, Any], measure: str) -> MeasureValue:
    """The report's value for a rule's measure name (see the module docstring for the names)."""
    dimensions = _mapping(report.get("dimensions"))
    metrics = _mapping(report.get("metrics"))
    if measure == "overall":
        return _overall(report)
    head, _, tail = measure.partition(".")
    if head == "dimensions" and tail:
        return _score(dimensions.get(tail))
    if head == "metrics" and tail:
        return _metric(metrics.get(tail))
    if head == INTEGRITY:
        return _integrity(report.get(INTEGRITY), tail or "flagged")
    if measure in dimensions:
        return _score(dimensions[measure])
    name = measure.rsplit(".", 1)[-1]  # "face.face_presence": a group prefix, for readability
    if name in metrics:
        return _metric(metrics[name])
    if name in dimensions:
        return _score(dimensions[name])
    return MeasureValue(None, None, False)


def evaluate(rules: Sequence[Rule], report: dict[str, Any]) -> dict[str, Any]:
    """`report["outcome"]`: the recommendation and which rules fired (with the values they saw)."""
    fired: list[dict[str, Any]] = []
    unevaluated: list[dict[str, Any]] = []
    for rule in rules:
        measured = lookup(report, rule.measure)
        if measured.value is None:
            reason = "no such measure in the report" if not measured.found else "the measure has no value"
            unevaluated.append({"rule": rule.text, "reason": reason})
            continue
        threshold = rule.value / 100.0 if rule.percent and measured.unit == "ratio" else rule.value
        if OPERATORS[rule.op](measured.value, threshold):
            entry = {"rule": rule.text, "measure": rule.measure, "value": round(measured.value, 4)}
            entry.update({"threshold": threshold, "outcome": rule.outcome})
            if rule.label:
                entry["label"] = rule.label
            fired.append(entry)
    outcomes = {f["outcome"] for f in fired}
    recommendation = next((o for o in OUTCOMES if o in outcomes), None)
    return {
        "recommendation": recommendation,
        "rules_fired": fired,
        "rules_not_evaluated": unevaluated,
        "rules_total": len(rules),
        "explanation": "Set by the template's rules on this report; advisory only. When several rules fire the "
        "most cautious outcome wins (needs_review, reject, hold, advance). A human decision overrides it.",
    }


def _integrity(section: Any, name: str) -> MeasureValue:
    """`integrity.flagged` (every signal's events) or `integrity.<signal>` (that signal's): a count; no value
    while the signal is off."""
    if not isinstance(section, dict):
        return MeasureValue(None, "count", False)
    signals = [s for s in section.get("signals") or [] if isinstance(s, dict)]
    if name == "flagged":
        return MeasureValue(float(sum(int(s.get("count") or 0) for s in signals if s.get("enabled"))), "count", True)
    signal = next((s for s in signals if s.get("name") == name), None)
    if signal is None:
        return MeasureValue(None, "count", False)
    return MeasureValue(float(signal.get("count") or 0) if signal.get("enabled") else None, "count", True)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _metric(entry: Any) -> MeasureValue:
    if not isinstance(entry, dict):
        return MeasureValue(_number(entry), None, entry is not None)
    return MeasureValue(_number(entry.get("value")), entry.get("unit"), True)


def _score(entry: Any) -> MeasureValue:
    if isinstance(entry, dict):
        return MeasureValue(_number(entry.get("score")), "score", True)
    return MeasureValue(_number(entry), "score", entry is not None)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _overall(report: dict[str, Any]) -> MeasureValue:
    # The overall score's home depends on the report version: a number or an object with "score".
    for holder in (report, _mapping(report.get("summary"))):
        for key in ("overall", "overall_score"):
            if key in holder:
                return _score(holder[key])
    return MeasureValue(None, "score", False)
