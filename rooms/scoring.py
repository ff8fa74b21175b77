"""Scoring dimensions: a deployment's configuration (a TOML file) turns descriptive measures into 0-100 scores.

Each dimension is a weighted mean of measure scores, each measure score a plain rule (a band or a ramp) over one
descriptive measure. The configuration is hashed in a canonical form (`config_hash`), and every score carries that
hash, so a report states exactly which configuration made it and can be recomputed later.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from rooms.measures import (
    ANSWER_LATENCY,
    EYE_CONTACT,
    FACE_PRESENCE,
    FILLER_RATE,
    FILLER_WORDS,
    LONGEST_PAUSE,
    LOOK_AWAY_COUNT,
    LOOK_AWAYS_PER_MIN,
    MEAN_PAUSE,
    PAUSE_COUNT,
    PAUSES_PER_MIN,
    PITCH_VARIATION,
    REPORT_METRICS,
    SPEAKING_TIME,
    SPEECH_RATE,
    TALK_SHARE,
    WORDS_PER_MINUTE,
)

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "scoring_default.toml"


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    label: str
    unit: str
    derivation: str  # how the measure comes from the report's metrics, in words


def _info(name: str, derivation: str) -> MeasureInfo:
    """Label and unit from the measures catalogue (one place for them), the derivation from here."""
    return MeasureInfo(REPORT_METRICS[name].label, REPORT_METRICS[name].unit, derivation)


# The measures a dimension may use: descriptive quantities only (shares, rates, lengths, counts), never an
# inference about personality or emotion.
MEASURES: dict[str, MeasureInfo] = {
    EYE_CONTACT: _info(EYE_CONTACT, "share of face frames with the gaze on the camera or screen"),
    FACE_PRESENCE: _info(FACE_PRESENCE, "share of analysed frames with a face in view"),
    LOOK_AWAYS_PER_MIN: _info(LOOK_AWAYS_PER_MIN, "look-aways longer than 3 s per minute of interview"),
    SPEECH_RATE: _info(SPEECH_RATE, "syllables per minute of speaking time"),
    PITCH_VARIATION: _info(PITCH_VARIATION, "spread of the voice's pitch over speech"),
    TALK_SHARE: _info(TALK_SHARE, "speaking time over the interview's duration"),
    WORDS_PER_MINUTE: _info(WORDS_PER_MINUTE, "recognised words per minute of speaking"),
    # Pauses: silences of 1 s or more between stretches of speech, leaving out those in which a question was
    # marked (the question being asked is turn-taking, not a pause in the answer).
    PAUSES_PER_MIN: _info(PAUSES_PER_MIN, "pauses of 1 s or more within answers, per minute of speaking"),
    MEAN_PAUSE: _info(MEAN_PAUSE, "average length of the pauses within answers"),
    LONGEST_PAUSE: _info(LONGEST_PAUSE, "the longest pause within an answer"),
    FILLER_RATE: _info(FILLER_RATE, "fillers per 100 recognised words"),
    ANSWER_LATENCY: _info(ANSWER_LATENCY, "mean time from a question's end to the first speech"),
}
# Below these amounts a rate says more about chance than about the interview, so it is not scored.
MIN_SPEECH_FOR_RATES_S = 10.0
MIN_WORDS_FOR_FILLER_RATE = 20
MIN_VIDEO_FOR_RATES_S = 10.0


@dataclass(frozen=True, slots=True)
class Rule:
    """Measure value -> score 0-100. `band`: 100 inside [low, high], linear to 0 at zero_low/zero_high.
    `ramp`: 0 at `zero`, 100 at `full`, linear and clamped (full < zero means lower is better)."""

    kind: str
    params: tuple[tuple[str, float], ...]

    def score(self, value: float) -> float:
        p = dict(self.params)
        if self.kind == "band":
            if p["low"] <= value <= p["high"]:
                return 100.0
            if value < p["low"]:
                return _clamp(100.0 * (value - p["zero_low"]) / (p["low"] - p["zero_low"]))
            return _clamp(100.0 * (p["zero_high"] - value) / (p["zero_high"] - p["high"]))
        return _clamp(100.0 * (value - p["zero"]) / (p["full"] - p["zero"]))

    def position(self, value: float) -> str | None:
        """For a band: whether the value is "below", "inside" or "above" it (None for a ramp)."""
        if self.kind != "band":
            return None
        p = dict(self.params)
        return "below" if value < p["low"] else "above" if value > p["high"] else "inside"

    def describe(self, unit: str) -> str:
        p = dict(self.params)

        def f(key: str) -> str:
            return _with_unit(p[key], unit)

        if self.kind == "band":
            return f"100 from {f('low')} to {f('high')}, linear to 0 at {f('zero_low')} and at {f('zero_high')}"
        direction = "lower is better" if p["full"] < p["zero"] else "higher is better"
        return f"0 at {f('zero')}, 100 at {f('full')}, linear between ({direction})"

    def canonical(self) -> dict[str, Any]:
        return {"rule": self.kind, **dict(self.params)}


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    measure: str
    weight: float
    rule: Rule


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    label: str
    description: str
    weight: float
    measures: tuple[MeasureSpec, ...]
    # The label and description in other languages, from `label_<lang>` / `description_<lang>` keys
    # (`label_zh = "沟通"`): {"zh": {"label": ..., "description": ...}}.
    translations: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def translations_dict(self) -> dict[str, dict[str, str]]:
        return {lang: dict(texts) for lang, texts in self.translations}


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    version: int
    dimensions: tuple[Dimension, ...]

    def canonical(self) -> dict[str, Any]:
        """A plain form independent of the file's layout, comments, key order and int/float spelling."""
        return {
            "version": self.version,
            "dimensions": [
                {
                    "id": d.id,
                    "label": d.label,
                    "description": d.description,
                    "weight": d.weight,
                    "measures": [{"measure": m.measure, "weight": m.weight, **m.rule.canonical()} for m in d.measures],
                    # Only when given: a configuration without translations keeps its hash.
                    **({"translations": d.translations_dict()} if d.translations else {}),
                }
                for d in self.dimensions
            ],
        }

    @property
    def config_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()


_RULE_PARAMS = {"band": ("low", "high", "zero_low", "zero_high"), "ramp": ("zero", "full")}


def load_scoring_config(path: Path | None = None) -> ScoringConfig:
    """The configuration in `path` (the shipped default when None). Raises ValueError when it is not valid."""
    path = path or DEFAULT_CONFIG_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read scoring configuration {path}: {exc}") from exc
    return parse_scoring_config(data)


def parse_scoring_config(data: Mapping[str, Any]) -> ScoringConfig:
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("scoring 'version' must be an integer")
    raw_dimensions = data.get("dimensions")
    if not isinstance(raw_dimensions, list) or not raw_dimensions:
        raise ValueError("scoring configuration needs at least one [[dimensions]] table")
    dimensions = tuple(_parse_dimension(raw) for raw in raw_dimensions)
    ids = [d.id for d in dimensions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"dimension ids must be unique: {ids}")
    return ScoringConfig(version, dimensions)


def _parse_dimension(raw: Any) -> Dimension:
    if not isinstance(raw, Mapping):
        raise ValueError("each [[dimensions]] entry must be a table")
    dim_id = raw.get("id")
    if not isinstance(dim_id, str) or not dim_id.isidentifier():
        raise ValueError(f"dimension 'id' must be an identifier, got {dim_id!r}")
    measures = raw.get("measures")
    if not isinstance(measures, list) or not measures:
        raise ValueError(f"dimension {dim_id!r} needs at least one [[dimensions.measures]] entry")
    return Dimension(
        id=dim_id,
        label=str(raw.get("label") or dim_id.replace("_", " ").capitalize()),
        description=str(raw.get("description") or ""),
        weight=_positive(raw.get("weight", 1.0), f"{dim_id}.weight"),
        measures=tuple(_parse_measure(dim_id, m) for m in measures),
        translations=_translations(dim_id, raw),
    )


_TRANSLATED_KEY = re.compile(r"^(label|description)_([a-z]{2,3})$")


def _translations(dim_id: str, raw: Mapping[str, Any]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """`label_zh`, `description_zh` (any two- or three-letter language code) -> sorted, hashable translations."""
    found: dict[str, dict[str, str]] = {}
    # The canonical form (embedded in reports) nests them: {"translations": {"zh": {"label": ...}}}.
    nested = raw.get("translations") or {}
    if not isinstance(nested, Mapping):
        raise ValueError(f"dimension {dim_id!r}: 'translations' must be a table")
    pairs = [(f"{field}_{lang}", text) for lang, texts in nested.items() for field, text in dict(texts).items()]
    for key, value in [*raw.items(), *pairs]:
        match = _TRANSLATED_KEY.match(str(key))
        if match is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"dimension {dim_id!r}: {key!r} must be a non-empty string")
        found.setdefault(match.group(2), {})[match.group(1)] = value.strip()
    return tuple((lang, tuple(sorted(texts.items()))) for lang, texts in sorted(found.items()))


def _parse_measure(dim_id: str, raw: Any) -> MeasureSpec:
    if not isinstance(raw, Mapping):
        raise ValueError(f"dimension {dim_id!r}: each measure must be a table")
    name = raw.get("measure")
    if name not in MEASURES:
        raise ValueError(f"dimension {dim_id!r}: unknown measure {name!r} (known: {', '.join(sorted(MEASURES))})")
    kind = raw.get("rule")
    if kind not in _RULE_PARAMS:
        raise ValueError(f"dimension {dim_id!r}, measure {name!r}: 'rule' must be 'band' or 'ramp'")
    params = tuple((key, _number(raw.get(key), f"{dim_id}.{name}.{key}")) for key in _RULE_PARAMS[kind])
    p = dict(params)
    if kind == "band" and not p["zero_low"] < p["low"] <= p["high"] < p["zero_high"]:
        raise ValueError(f"{dim_id}.{name}: a band needs zero_low < low <= high < zero_high")
    if kind == "ramp" and p["zero"] == p["full"]:
        raise ValueError(f"{dim_id}.{name}: a ramp needs zero != full")
    return MeasureSpec(name, _positive(raw.get("weight", 1.0), f"{dim_id}.{name}.weight"), Rule(kind, params))


def measure_values(
    metrics: Mapping[str, Mapping[str, Any]], duration_s: float, answer_pauses: Sequence[float] | None = None
) -> dict[str, float | None]:
    """The scoring measures, from a report's `metrics` (their stored, rounded values, so a stored report rescores
    identically). None where the interview gave too little to measure. `answer_pauses` (lengths) replaces the
    metrics' pauses when given: the pauses left after taking out silences in which a question was asked."""

    def value(name: str) -> float | None:
        v = (metrics.get(name) or {}).get("value")
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    speaking = value(SPEAKING_TIME) or 0.0
    pause_count = value(PAUSE_COUNT)
    mean_pause, longest_pause = value(MEAN_PAUSE), value(LONGEST_PAUSE)
    if answer_pauses is not None and pause_count is not None:
        pause_count = float(len(answer_pauses))
        mean_pause = round(fmean(answer_pauses), 4) if answer_pauses else None
        longest_pause = round(max(answer_pauses), 4) if answer_pauses else None
    look_aways = value(LOOK_AWAY_COUNT)
    words_per_min = value(WORDS_PER_MINUTE)
    fillers = value(FILLER_WORDS)
    words = words_per_min * speaking / 60.0 if words_per_min is not None else None
    enough_speech = speaking >= MIN_SPEECH_FOR_RATES_S
    no_pause = 0.0 if pause_count == 0 and enough_speech else None
    return {
        EYE_CONTACT: value(EYE_CONTACT),
        FACE_PRESENCE: value(FACE_PRESENCE),
        LOOK_AWAYS_PER_MIN: look_aways / duration_s * 60.0
        if look_aways is not None and duration_s >= MIN_VIDEO_FOR_RATES_S
        else None,
        SPEECH_RATE: value(SPEECH_RATE),
        PITCH_VARIATION: value(PITCH_VARIATION),
        TALK_SHARE: value(TALK_SHARE),
        WORDS_PER_MINUTE: words_per_min,
        PAUSES_PER_MIN: pause_count / speaking * 60.0 if pause_count is not None and enough_speech else None,
        # No pause in enough speech is a measured zero, not a missing value.
        MEAN_PAUSE: mean_pause if pause_count else no_pause,
        LONGEST_PAUSE: longest_pause if pause_count else no_pause,
        FILLER_RATE: fillers / words * 100.0
        if fillers is not None and words is not None and words >= MIN_WORDS_FOR_FILLER_RATE
        else None,
        ANSWER_LATENCY: value(ANSWER_LATENCY),
    }


def score_dimensions(
    config: ScoringConfig, values: Mapping[str, float | None], evidence: Mapping[str, list[dict[str, Any]]]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per-dimension scores with how they were computed and the evidence they rest on, and the overall score."""
    config_hash = config.config_hash
    dimensions: dict[str, dict[str, Any]] = {}
    for dim in config.dimensions:
        entries: list[dict[str, Any]] = []
        for spec in dim.measures:
            info = MEASURES[spec.measure]
            v = values.get(spec.measure)
            entry = {
                "measure": spec.measure,
                "label": info.label,
                "unit": info.unit,
                "derivation": info.derivation,
                "value": None if v is None else round(v, 4),
                "weight": spec.weight,
                "rule": spec.rule.describe(info.unit),
                "score": None if v is None else round(spec.rule.score(v), 1),
                "band_position": None if v is None else spec.rule.position(v),
            }
            entries.append(entry)
        used = [e for e in entries if e["score"] is not None]
        score = _weighted_mean([(e["score"], e["weight"]) for e in used])
        dimensions[dim.id] = {
            "label": dim.label,
            "description": dim.description,
            **({"translations": dim.translations_dict()} if dim.translations else {}),
            "score": score,
            "weight": dim.weight,
            "config_hash": config_hash,
            "computed_from": {
                "measures": entries,
                "not_measured": [e["measure"] for e in entries if e["score"] is None],
                "formula": _formula(used, score),
            },
            "evidence": _dimension_evidence(dim, evidence),
        }
    scored_ids = [(k, (d["score"], d["weight"])) for k, d in dimensions.items() if d["score"] is not None]
    scored = [pair for _, pair in scored_ids]
    overall_score = _weighted_mean(scored)
    overall = {
        "score": overall_score,
        "config_hash": config_hash,
        "formula": (
            "weighted mean of the scored dimensions: ("
            + " + ".join(f"{_num(w)} × {_num(s)} ({k})" for k, (s, w) in scored_ids)
            + f") / {_num(sum(w for _, w in scored))} = {_num(overall_score)}"
            if overall_score is not None
            else "no dimension could be scored"
        ),
        "dimensions_scored": [k for k, d in dimensions.items() if d["score"] is not None],
        "dimensions_not_scored": [k for k, d in dimensions.items() if d["score"] is None],
    }
    return dimensions, overall


# At most this many pieces of evidence per dimension: the strongest of each measure first, then the rest.
MAX_EVIDENCE = 6


def _dimension_evidence(dim: Dimension, evidence: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    per_measure = [list(evidence.get(spec.measure, [])) for spec in dim.measures]
    chosen: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    while len(chosen) < MAX_EVIDENCE and any(per_measure):
        for items in per_measure:  # round robin, so every measure of the dimension shows its strongest moment
            if items and len(chosen) < MAX_EVIDENCE:
                item = items.pop(0)
                key = (item["measure"], item["t"], item.get("end"))
                if key not in seen:
                    seen.add(key)
                    chosen.append(item)
    return sorted(chosen, key=lambda e: (e["t"], e["measure"]))


def _formula(used: list[dict[str, Any]], score: float | None) -> str:
    if score is None:
        return "not scored: none of its measures could be measured in this interview"
    terms = " + ".join(f"{_num(e['weight'])} × {_num(e['score'])} ({e['measure']})" for e in used)
    return f"weighted mean of the measure scores: ({terms}) / {_num(sum(e['weight'] for e in used))} = {_num(score)}"


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for _, w in pairs)
    return round(sum(s * w for s, w in pairs) / total, 1) if pairs and total > 0 else None


def _clamp(score: float) -> float:
    return max(0.0, min(100.0, score))


def _number(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{where} must be a number")
    return float(value)


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number <= 0:
        raise ValueError(f"{where} must be positive")
    return number


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _with_unit(value: float, unit: str) -> str:
    if unit == "ratio":
        return f"{_num(value * 100)} %"
    return f"{_num(value)} {unit}"
