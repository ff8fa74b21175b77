"""The closing report: a pure function of the room and its stored timeline.

Built only from what was stored, so a report can be regenerated at any time (after a crash, with a newer
version) and two runs over the same timeline give the same result. Every metric says what it was computed from.
Descriptive measures only, unless the deployment enabled emotion inference: then, and only then, a separate
`expression_classes` section appears.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any, TypeGuard

from rooms.consent import report_section as consent_section
from rooms.evidence import measure_evidence
from rooms.integrity import SIGNAL_NAMES, integrity_section
from rooms.measures import (
    ANSWER_LATENCY,
    AUDIO_GAPS,
    CONSENT,
    EXPRESSION_CLASS,
    EYE_CONTACT,
    FACE_COUNT,
    FACE_LOST,
    FACE_PRESENCE,
    FACE_PRESENT,
    FILLER_RATE,
    FILLER_WORDS,
    FILLERS,
    FINAL,
    FRAMES_DROPPED,
    LONGEST_LOOK_AWAY,
    LONGEST_PAUSE,
    LOOK_AWAY,
    LOOK_AWAY_COUNT,
    LOOK_BACK,
    MEAN_PAUSE,
    MULTIPLE_FACES,
    NODE_LOST,
    PAUSE,
    PAUSE_COUNT,
    PITCH_VARIATION,
    QUESTION_END,
    QUESTION_START,
    REPORT_METRICS,
    SMILE,
    SPEAKING,
    SPEAKING_TIME,
    SPEECH_RATE,
    SPEECH_RATE_ACOUSTIC,
    SYLLABLES,
    TALK_SHARE,
    TRANSCRIPT,
    TRANSCRIPT_COMPLETION,
    TRANSCRIPT_SYLLABLES,
    WORDS,
    WORDS_PER_MINUTE,
    TranscriptCompletion,
)
from rooms.model import Observation, ObservationType, Room
from rooms.narrative import highlights_and_suggestions, summary
from rooms.questions import SpanIndex, answer_pauses, question_segments, segment_to_dict
from rooms.scoring import ScoringConfig, load_scoring_config, measure_values, score_dimensions
from rooms.segments import session_segments
from rooms.timelines import report_timelines
from rooms.transcript_lines import CORRECTION, keyword_coverage
from rooms.transcript_lines import lines as transcript_lines

REPORT_VERSION = 3
# A face counts as smiling when MediaPipe's mouthSmile blendshapes average at least this (0-1 scale).
SMILE_THRESHOLD = 0.5
# Pauses at least this long are listed as moments worth a look in the report's events.
NOTABLE_PAUSE_S = 3.0
AUDIO_INTERVAL_S = 0.25  # the voice analyzer's emit interval
_NOTABLE_EVENTS = {
    FACE_LOST,
    MULTIPLE_FACES,
    LOOK_AWAY,
    PAUSE,
    QUESTION_START,
    QUESTION_END,
    NODE_LOST,  # the node running the analysis died; the session's next segment follows the gap
    *SIGNAL_NAMES,  # integrity signals: t is the start, value the length or score (rooms/integrity.py)
}


@dataclass(frozen=True, slots=True)
class Metric:
    label: str
    value: float | None
    unit: str
    explanation: str
    computed_from: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": None if self.value is None else round(self.value, 4),
            "unit": self.unit,
            "explanation": self.explanation,
            "computed_from": self.computed_from,
        }


def build_report(
    room: Room,
    timeline: Sequence[Observation],
    generated_at: float,
    *,
    emotion_inference: bool = False,
    scoring: ScoringConfig | None = None,
    integrity_signals: Collection[str] | None = None,
    keywords: Mapping[int, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The report. `generated_at` should come from stored data (the room's end), so that rebuilding the report
    from the same timeline and scoring configuration gives the same JSON, byte for byte. `keywords`: the template's
    keywords per question index (assessors only), for each question's keyword coverage."""
    scoring = scoring or load_scoring_config()
    timeline = sorted(timeline, key=lambda o: o.t)  # stable: equal times keep their stored order
    series = _Series(timeline)
    duration_s = _duration(room, timeline)
    metrics = _metrics(series, duration_s)
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "room_id": room.id,
        "title": room.title,
        "candidate_name": room.candidate_name,
        "started_at": room.started_at,
        "ended_at": room.ended_at,
        "duration_s": round(duration_s, 3),
        "generated_at": generated_at,
        "metrics": {name: metric.to_dict() for name, metric in metrics.items()},
        "events": _notable_events(timeline),
        "transcript": _transcript(series),
        "analysis": _analysis(series, timeline, emotion_inference),
        # Stretches analysed on one node and the gaps between them (a node lost mid-interview).
        "session": session_segments(timeline),
    }
    if emotion_inference:
        report["expression_classes"] = _expression_classes(series)
    report["questions"] = _questions(timeline, duration_s, keywords or {})
    # For HR only, never scored (`integrity_signals`: the ones this deployment observes; None: all).
    report["integrity"] = integrity_section(timeline, integrity_signals)
    _add_scores(report, timeline, scoring)
    consent = consent_section(timeline)
    if consent is not None:  # the candidate's recorded choices; analysis False: "analysis declined"
        report[CONSENT] = consent
    return report


def _metric(name: str, value: float | None, computed_from: str, **explanation_values: object) -> Metric:
    """A report metric whose label, unit and explanation come from the measures catalogue."""
    measure = REPORT_METRICS[name]
    explanation = measure.description.format(**explanation_values) if explanation_values else measure.description
    return Metric(measure.label, value, measure.unit, explanation, computed_from)


def _metrics(series: _Series, duration_s: float) -> dict[str, Metric]:
    metrics = {**_face_metrics(series), **_voice_metrics(series, duration_s), **_transcript_metrics(series)}
    metrics.update(_speech_rate(series, metrics[SPEECH_RATE]))
    return metrics


def _speech_rate(series: _Series, acoustic: Metric) -> dict[str, Metric]:
    """Speech rate from the transcript's syllables when there is a transcript (on real read English the acoustic
    syllable-nuclei count finds ~85 of 100 syllables), else the acoustic estimate; both are reported, and
    `computed_from` says which one `speech_rate` used."""
    state = series.status(TRANSCRIPT)
    speaking_time = cumulative_total(series.values(SPEAKING_TIME))
    syllables = cumulative_total(series.values(TRANSCRIPT_SYLLABLES))
    acoustic_copy = Metric(
        REPORT_METRICS[SPEECH_RATE_ACOUSTIC].label,
        acoustic.value,
        acoustic.unit,
        acoustic.explanation,
        acoustic.computed_from,
    )
    if state is None or state.value != "on" or syllables <= 0 or speaking_time < 1.0:
        chosen = Metric(
            acoustic.label, acoustic.value, acoustic.unit, acoustic.explanation, "acoustic: " + acoustic.computed_from
        )
        return {SPEECH_RATE: chosen, SPEECH_RATE_ACOUSTIC: acoustic_copy}
    language = (state.detail or {}).get("language", "")
    return {
        # The catalogue's explanation is the acoustic method's; this one counts the transcript's syllables.
        SPEECH_RATE: Metric(
            REPORT_METRICS[SPEECH_RATE].label,
            syllables / speaking_time * 60.0,
            REPORT_METRICS[SPEECH_RATE].unit,
            "Syllables in the transcript (a Chinese character is one syllable; English words by the CMU "
            "Pronouncing Dictionary, fillers left out) per minute of speaking time.",
            f"transcript: {int(syllables)} syllables ({language}) over {speaking_time:.1f} s of speech",
        ),
        SPEECH_RATE_ACOUSTIC: acoustic_copy,
    }


def _questions(
    timeline: Sequence[Observation], duration_s: float, keywords: Mapping[int, Sequence[str]]
) -> list[dict[str, Any]]:
    """Per question: its segment, what was said in it, and the report's metrics computed over that span only."""
    segments = question_segments(timeline, duration_s)
    if not segments:
        return []
    index = SpanIndex(timeline)
    questions = []
    for segment in segments:
        span = index.span(segment.start_t, segment.end_t)
        span_series = _Series(span)
        metrics = _metrics(span_series, segment.end_t - segment.start_t)
        transcript = _transcript(span_series)
        on = transcript["status"] == "on"
        entry = {
            **segment_to_dict(segment),
            "transcript": transcript["lines"] if on else None,
            "metrics": {name: metric.to_dict() for name, metric in metrics.items()},
        }
        if keywords.get(segment.index):
            entry["keyword_coverage"] = keyword_coverage(keywords[segment.index], transcript["lines"]) if on else None
        questions.append(entry)
    return questions


def _add_scores(report: dict[str, Any], timeline: Sequence[Observation], scoring: ScoringConfig) -> None:
    """Dimensions, overall score, highlights, suggestions, summary and chart series, from the stored metrics."""
    pauses = [float(o.value) for o in answer_pauses(timeline)]  # type: ignore[arg-type]
    values = measure_values(report["metrics"], report["duration_s"], pauses)
    dimensions, overall = score_dimensions(scoring, values, measure_evidence(timeline))
    highlights, suggestions = highlights_and_suggestions(dimensions)
    report["config_hash"] = scoring.config_hash
    report["scoring"] = {"config_hash": scoring.config_hash, "config": scoring.canonical()}
    report["overall"] = overall
    report["dimensions"] = dimensions
    report["highlights"] = highlights
    report["suggestions"] = suggestions
    report["summary"] = summary(report, dimensions, overall)
    report["timelines"] = report_timelines(timeline, report["duration_s"])


def _face_metrics(series: _Series) -> dict[str, Metric]:
    face_present = series.values(FACE_PRESENT)
    eye_contact = series.values(EYE_CONTACT)
    smiles = series.values(SMILE)
    multi = [1.0 if c > 1 else 0.0 for c in series.values(FACE_COUNT)]
    look_aways = [float(o.value) for o in series.events(LOOK_BACK) if _is_number(o.value)]
    return {
        FACE_PRESENCE: _metric(FACE_PRESENCE, _share(face_present), f"{len(face_present)} analyzed video frames"),
        EYE_CONTACT: _metric(EYE_CONTACT, _share(eye_contact), f"{len(eye_contact)} frames with a face and open eyes"),
        LOOK_AWAY_COUNT: _metric(
            LOOK_AWAY_COUNT,
            float(len(series.events(LOOK_AWAY))) if eye_contact else None,
            f"{len(series.events('look_away'))} look-away events",
        ),
        LONGEST_LOOK_AWAY: _metric(
            LONGEST_LOOK_AWAY,
            max(look_aways) if look_aways else None,
            f"{len(look_aways)} completed look-away stretches",
        ),
        SMILE: _metric(
            SMILE,
            _share([1.0 if s >= SMILE_THRESHOLD else 0.0 for s in smiles]),
            f"{len(smiles)} frames with a face",
            threshold=SMILE_THRESHOLD,
        ),
        MULTIPLE_FACES: _metric(MULTIPLE_FACES, _share(multi), f"{len(multi)} analyzed video frames"),
    }


def _voice_metrics(series: _Series, duration_s: float) -> dict[str, Metric]:
    audio_samples = len(series.values(SPEAKING))
    speaking_time = cumulative_total(series.values(SPEAKING_TIME))
    syllables = cumulative_total(series.values(SYLLABLES))
    pauses = [float(o.value) for o in series.events(PAUSE) if _is_number(o.value)]
    latencies = [float(o.value) for o in series.events(ANSWER_LATENCY) if _is_number(o.value)]
    pitch_variation = series.final_or_last(PITCH_VARIATION)
    heard = audio_samples > 0
    return {
        SPEAKING_TIME: _metric(
            SPEAKING_TIME, speaking_time if heard else None, f"{audio_samples} audio intervals of {AUDIO_INTERVAL_S} s"
        ),
        TALK_SHARE: _metric(
            TALK_SHARE, speaking_time / duration_s if heard and duration_s > 0 else None, "speaking time and duration"
        ),
        SPEECH_RATE: _metric(
            SPEECH_RATE,
            syllables / speaking_time * 60.0 if speaking_time >= 1.0 else None,
            f"{int(syllables)} syllables over {speaking_time:.1f} s of speech",
        ),
        PAUSE_COUNT: _metric(PAUSE_COUNT, float(len(pauses)) if heard else None, f"{len(pauses)} pause events"),
        MEAN_PAUSE: _metric(MEAN_PAUSE, fmean(pauses) if pauses else None, f"{len(pauses)} pause events"),
        LONGEST_PAUSE: _metric(LONGEST_PAUSE, max(pauses) if pauses else None, f"{len(pauses)} pause events"),
        ANSWER_LATENCY: _metric(
            ANSWER_LATENCY, fmean(latencies) if latencies else None, f"{len(latencies)} answered questions"
        ),
        PITCH_VARIATION: _metric(
            PITCH_VARIATION,
            pitch_variation,
            "voiced speech frames" if pitch_variation is not None else "no voiced speech",
        ),
    }


def _transcript_metrics(series: _Series) -> dict[str, Metric]:
    state = series.status(TRANSCRIPT)
    words = cumulative_total(series.values(WORDS))
    fillers = cumulative_total(series.values(FILLERS))
    speaking_time = cumulative_total(series.values(SPEAKING_TIME))
    on = state is not None and state.value == "on"
    off_reason = "transcript off" + (f": {state.detail.get('reason')}" if state and state.detail else "")
    counted = series.of(ObservationType.METRIC, WORDS)
    # Chinese is counted in characters, English in words (analyzers/transcript_text.py).
    unit = str((counted[-1].detail or {}).get("unit", "words")) if counted else "words"
    return {
        WORDS_PER_MINUTE: Metric(
            "Words per minute" if unit == "words" else "Characters per minute",
            words / speaking_time * 60.0 if on and speaking_time >= 1.0 else None,
            f"{unit}/min",
            f"Recognized {unit} (fillers left out) per minute of speaking time.",
            f"{int(words)} {unit} over {speaking_time:.1f} s of speech" if on else off_reason,
        ),
        FILLER_WORDS: _metric(
            FILLER_WORDS,
            fillers if on else None,
            f"{int(fillers)} fillers among {int(words)} {unit}" if on else off_reason,
        ),
        FILLER_RATE: Metric(
            "Fillers per 100 " + unit,
            fillers / words * 100.0 if on and words >= 20 else None,
            f"per 100 {unit}",
            f"Filler words per 100 {unit} of the transcript (at least 20 {unit} needed).",
            f"{int(fillers)} fillers among {int(words)} {unit}" if on else off_reason,
        ),
    }


def _transcript(series: _Series) -> dict[str, Any]:
    state = series.status(TRANSCRIPT)
    lines = transcript_lines(
        [*series.of(ObservationType.TRANSCRIPT, FINAL), *series.of(ObservationType.TRANSCRIPT, CORRECTION)]
    )
    # "pending": the interview ended while speech recognition still had speech to decode; this version lacks it
    # and a rebuilt report follows. "incomplete": the server stopped before it was decoded.
    completion = series.status(TRANSCRIPT_COMPLETION)
    return {
        "status": state.value if state is not None else "off",
        "detail": state.detail if state is not None else {"reason": "no transcript was produced"},
        "lines": lines,
        "completion": completion.value if completion is not None else TranscriptCompletion.COMPLETE,
    }


def _expression_classes(series: _Series) -> dict[str, Any]:
    labels = [o.value for o in series.of(ObservationType.METRIC, EXPRESSION_CLASS) if isinstance(o.value, str)]
    counts = Counter(labels)
    return {
        "shares": {label: round(n / len(labels), 4) for label, n in sorted(counts.items())} if labels else {},
        "frames": len(labels),
        "explanation": "Share of classified frames per expression class from a facial-expression classifier "
        "(the fer model). Enabled by this deployment's policy; an inference about facial appearance, not a "
        "measurement of what the candidate felt.",
    }


def _analysis(series: _Series, timeline: Sequence[Observation], emotion_inference: bool) -> dict[str, Any]:
    frames_analyzed = len(series.values(FACE_PRESENT))
    video_span = series.span(FACE_PRESENT)
    return {
        "frames_analyzed": frames_analyzed,
        FRAMES_DROPPED: int(cumulative_total(series.values(FRAMES_DROPPED, type_=ObservationType.HEALTH))),
        "video_fps_mean": round(frames_analyzed / video_span, 2) if video_span > 0 else None,
        "audio_seconds": round(len(series.values(SPEAKING)) * AUDIO_INTERVAL_S, 2),
        AUDIO_GAPS: int(cumulative_total(series.values(AUDIO_GAPS, type_=ObservationType.HEALTH))),
        "emotion_inference": emotion_inference,
        "observations": len(timeline),
    }


def cumulative_total(values: Iterable[float]) -> float:
    """Total of a running counter that restarts from zero when a session segment restarts (a node restart).

    Sums the last value of each run; a run ends where the counter goes down.
    """
    total = 0.0
    last: float | None = None
    for value in values:
        if last is not None and value < last:
            total += last
        last = value
    return total + (last or 0.0)


class _Series:
    def __init__(self, timeline: Sequence[Observation]) -> None:
        self._by_key: dict[tuple[ObservationType, str], list[Observation]] = {}
        for observation in timeline:
            self._by_key.setdefault((observation.type, observation.name), []).append(observation)

    def of(self, type_: ObservationType, name: str) -> list[Observation]:
        return self._by_key.get((type_, name), [])

    def values(self, name: str, *, type_: ObservationType = ObservationType.METRIC) -> list[float]:
        return [float(o.value) for o in self.of(type_, name) if _is_number(o.value)]

    def final_or_last(self, name: str) -> float | None:
        items = [o for o in self.of(ObservationType.METRIC, name) if _is_number(o.value)]
        finals = [o for o in items if (o.detail or {}).get("final")]
        chosen = finals[-1] if finals else (items[-1] if items else None)
        return None if chosen is None else float(chosen.value)  # type: ignore[arg-type]

    def events(self, name: str) -> list[Observation]:
        return self.of(ObservationType.EVENT, name)

    def status(self, name: str) -> Observation | None:
        items = self.of(ObservationType.STATUS, name)
        return items[-1] if items else None

    def span(self, name: str) -> float:
        items = self.of(ObservationType.METRIC, name)
        return items[-1].t - items[0].t if len(items) > 1 else 0.0


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _share(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def _duration(room: Room, timeline: Sequence[Observation]) -> float:
    if room.started_at is not None and room.ended_at is not None:
        return max(0.0, room.ended_at - room.started_at)
    return max((o.t for o in timeline), default=0.0)


def _notable_events(timeline: Sequence[Observation]) -> list[dict[str, Any]]:
    notable = []
    for o in timeline:
        if o.type is not ObservationType.EVENT or o.name not in _NOTABLE_EVENTS:
            continue
        if o.name == PAUSE and not (_is_number(o.value) and float(o.value) >= NOTABLE_PAUSE_S):
            continue
        notable.append({"t": round(o.t, 2), "name": o.name, "value": o.value})
    return notable
