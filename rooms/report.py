"""The closing report: a pure function of the room and its stored timeline.

Built only from what was stored, so a report can be regenerated at any time (after a crash, with a newer
version) and two runs over the same timeline give the same result. Every metric says what it was computed from.
Descriptive measures only, unless the deployment enabled emotion inference: then, and only then, a separate
`expression_classes` section appears.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from rooms.evidence import measure_evidence
from rooms.integrity import SIGNAL_NAMES, integrity_section
from rooms.model import Observation, ObservationType, Room
from rooms.narrative import highlights_and_suggestions, summary
from rooms.questions import SpanIndex, answer_pauses, question_segments, segment_to_dict
from rooms.scoring import ScoringConfig, load_scoring_config, measure_values, score_dimensions
from rooms.segments import session_segments
from rooms.timelines import report_timelines

REPORT_VERSION = 3
# A face counts as smiling when MediaPipe's mouthSmile blendshapes average at least this (0-1 scale).
SMILE_THRESHOLD = 0.5
# Pauses at least this long are listed as moments worth a look in the report's events.
NOTABLE_PAUSE_S = 3.0
AUDIO_INTERVAL_S = 0.25  # the voice analyzer's emit interval
_NOTABLE_EVENTS = {
    "face_lost",
    "multiple_faces",
    "look_away",
    "pause",
    "question_start",
    "question_end",
    "node_lost",  # the node running the analysis died; the session's next segment follows the gap
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
) -> dict[str, Any]:
    """The report. `generated_at` should come from stored data (the room's end), so that rebuilding the report
    from the same timeline and scoring configuration gives the same JSON, byte for byte."""
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
    report["questions"] = _questions(timeline, duration_s)
    # For HR only, never scored (`integrity_signals`: the ones this deployment observes; None: all).
    report["integrity"] = integrity_section(timeline, integrity_signals)
    _add_scores(report, timeline, scoring)
    return report


def _metrics(series: _Series, duration_s: float) -> dict[str, Metric]:
    return {**_face_metrics(series), **_voice_metrics(series, duration_s), **_transcript_metrics(series)}


def _questions(timeline: Sequence[Observation], duration_s: float) -> list[dict[str, Any]]:
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
        questions.append(
            {
                **segment_to_dict(segment),
                "transcript": transcript["lines"] if transcript["status"] == "on" else None,
                "metrics": {name: metric.to_dict() for name, metric in metrics.items()},
            }
        )
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
    face_present = series.values("face_present")
    eye_contact = series.values("eye_contact")
    smiles = series.values("smile")
    multi = [1.0 if c > 1 else 0.0 for c in series.values("face_count")]
    look_aways = [float(o.value) for o in series.events("look_back") if _is_number(o.value)]
    return {
        "face_presence": Metric(
            "Face in view",
            _share(face_present),
            "ratio",
            "Share of analyzed video frames in which MediaPipe FaceLandmarker found a face.",
            f"{len(face_present)} analyzed video frames",
        ),
        "eye_contact": Metric(
            "Eye contact",
            _share(eye_contact),
            "ratio",
            "Share of face-in-view frames in which the gaze, estimated from head pose plus iris position and "
            "calibrated on the candidate's first seconds, pointed at the camera or the screen around it; "
            "frames with closed eyes (blinks) are left out.",
            f"{len(eye_contact)} frames with a face and open eyes",
        ),
        "look_away_count": Metric(
            "Looked away (> 3 s)",
            float(len(series.events("look_away"))) if eye_contact else None,
            "count",
            "Stretches in which eye contact was lost for longer than 3 s.",
            f"{len(series.events('look_away'))} look-away events",
        ),
        "longest_look_away": Metric(
            "Longest look-away",
            max(look_aways) if look_aways else None,
            "s",
            "Length of the longest stretch without eye contact.",
            f"{len(look_aways)} completed look-away stretches",
        ),
        "smile": Metric(
            "Smiling",
            _share([1.0 if s >= SMILE_THRESHOLD else 0.0 for s in smiles]),
            "ratio",
            f"Share of face-in-view frames whose smile descriptor (mean of the mouthSmileLeft/Right "
            f"blendshapes) was at least {SMILE_THRESHOLD}. An observable facial movement, not an emotion.",
            f"{len(smiles)} frames with a face",
        ),
        "multiple_faces": Metric(
            "More than one face",
            _share(multi),
            "ratio",
            "Share of analyzed video frames in which more than one face was in view.",
            f"{len(multi)} analyzed video frames",
        ),
    }


def _voice_metrics(series: _Series, duration_s: float) -> dict[str, Metric]:
    audio_samples = len(series.values("speaking"))
    speaking_time = cumulative_total(series.values("speaking_time"))
    syllables = cumulative_total(series.values("syllables"))
    pauses = [float(o.value) for o in series.events("pause") if _is_number(o.value)]
    latencies = [float(o.value) for o in series.events("answer_latency") if _is_number(o.value)]
    pitch_variation = series.final_or_last("pitch_variation")
    heard = audio_samples > 0
    return {
        "speaking_time": Metric(
            "Speaking time",
            speaking_time if heard else None,
            "s",
            "Seconds of audio that voice activity detection (Silero VAD, or webrtcvad with an energy gate, "
            "smoothed) marked as speech.",
            f"{audio_samples} audio intervals of {AUDIO_INTERVAL_S} s",
        ),
        "talk_share": Metric(
            "Share of time speaking",
            speaking_time / duration_s if heard and duration_s > 0 else None,
            "ratio",
            "Speaking time divided by the interview's duration.",
            "speaking time and duration",
        ),
        "speech_rate": Metric(
            "Speech rate",
            syllables / speaking_time * 60.0 if speaking_time >= 1.0 else None,
            "syllables/min",
            "Syllable nuclei (peaks of voiced loudness) counted in speech, per minute of speaking time; "
            "language-independent (a Chinese character is one syllable).",
            f"{int(syllables)} syllables over {speaking_time:.1f} s of speech",
        ),
        "pause_count": Metric(
            "Pauses",
            float(len(pauses)) if heard else None,
            "count",
            "Silences of at least 1 s between two stretches of speech.",
            f"{len(pauses)} pause events",
        ),
        "mean_pause": Metric(
            "Mean pause",
            fmean(pauses) if pauses else None,
            "s",
            "Average length of those pauses.",
            f"{len(pauses)} pause events",
        ),
        "longest_pause": Metric(
            "Longest pause",
            max(pauses) if pauses else None,
            "s",
            "Length of the longest pause between two stretches of speech.",
            f"{len(pauses)} pause events",
        ),
        "answer_latency": Metric(
            "Answer latency",
            fmean(latencies) if latencies else None,
            "s",
            "Mean time from the end of a question (marked by the interviewer) to the candidate's first speech.",
            f"{len(latencies)} answered questions",
        ),
        "pitch_variation": Metric(
            "Pitch variation",
            pitch_variation,
            "semitones",
            "Standard deviation of the voice's fundamental frequency (YIN pitch tracking) over voiced speech: "
            "how much the intonation moves, not how it sounds.",
            "voiced speech frames" if pitch_variation is not None else "no voiced speech",
        ),
    }


def _transcript_metrics(series: _Series) -> dict[str, Metric]:
    state = series.status("transcript")
    words = cumulative_total(series.values("words"))
    fillers = cumulative_total(series.values("fillers"))
    speaking_time = cumulative_total(series.values("speaking_time"))
    on = state is not None and state.value == "on"
    off_reason = "transcript off" + (f": {state.detail.get('reason')}" if state and state.detail else "")
    return {
        "words_per_minute": Metric(
            "Words per minute",
            words / speaking_time * 60.0 if on and speaking_time >= 1.0 else None,
            "words/min",
            "Recognized words (fillers left out) per minute of speaking time.",
            f"{int(words)} words over {speaking_time:.1f} s of speech" if on else off_reason,
        ),
        "filler_words": Metric(
            "Filler words",
            fillers if on else None,
            "count",
            "Filler words (um, uh, er; 嗯, 那个, 就是 ...) found in the transcript.",
            f"{int(fillers)} fillers among {int(words)} words" if on else off_reason,
        ),
    }


def _transcript(series: _Series) -> dict[str, Any]:
    state = series.status("transcript")
    lines = [
        {
            "t": round(o.t, 2),
            "start": (o.detail or {}).get("start"),
            "end": (o.detail or {}).get("end"),
            "text": o.value,
        }
        for o in series.of(ObservationType.TRANSCRIPT, "final")
        if isinstance(o.value, str) and o.value
    ]
    return {
        "status": state.value if state is not None else "off",
        "detail": state.detail if state is not None else {"reason": "no transcript was produced"},
        "lines": lines,
    }


def _expression_classes(series: _Series) -> dict[str, Any]:
    labels = [o.value for o in series.of(ObservationType.METRIC, "expression_class") if isinstance(o.value, str)]
    counts = Counter(labels)
    return {
        "shares": {label: round(n / len(labels), 4) for label, n in sorted(counts.items())} if labels else {},
        "frames": len(labels),
        "explanation": "Share of classified frames per expression class from a facial-expression classifier "
        "(the fer model). Enabled by this deployment's policy; an inference about facial appearance, not a "
        "measurement of what the candidate felt.",
    }


def _analysis(series: _Series, timeline: Sequence[Observation], emotion_inference: bool) -> dict[str, Any]:
    frames_analyzed = len(series.values("face_present"))
    video_span = series.span("face_present")
    return {
        "frames_analyzed": frames_analyzed,
        "frames_dropped": int(cumulative_total(series.values("frames_dropped", type_=ObservationType.HEALTH))),
        "video_fps_mean": round(frames_analyzed / video_span, 2) if video_span > 0 else None,
        "audio_seconds": round(len(series.values("speaking")) * AUDIO_INTERVAL_S, 2),
        "audio_gaps": int(cumulative_total(series.values("audio_gaps", type_=ObservationType.HEALTH))),
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
        return [float(o.value) for o in self.of(type_, name) if _is_number(o.value)]  # type: ignore[arg-type]

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


def _is_number(value: object) -> bool:
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
        if o.name == "pause" and not (_is_number(o.value) and float(o.value) >= NOTABLE_PAUSE_S):  # type: ignore[arg-type]
            continue
        notable.append({"t": round(o.t, 2), "name": o.name, "value": o.value})
    return notable
