"""Evidence for scores: the moments of the timeline a measure rests on, with the transcript passage around each.

Per measure, the most telling moments come first (the longest pauses, the longest look-aways, the slowest and
fastest stretches of speech), so a reader can go to those times in the interview and judge for themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeGuard

from rooms.measures import (
    ANSWER_LATENCY,
    EYE_CONTACT,
    FACE_FOUND,
    FACE_PRESENCE,
    FILLER,
    FILLER_RATE,
    FINAL,
    LONGEST_PAUSE,
    LOOK_AWAYS_PER_MIN,
    LOOK_BACK,
    MEAN_PAUSE,
    PAUSES_PER_MIN,
    PITCH_VARIATION,
    QUESTION_END,
    SPEAKING_TIME,
    SPEECH_RATE,
    TALK_SHARE,
    WORDS_PER_MINUTE,
)
from rooms.model import Observation, ObservationType
from rooms.questions import answer_pauses

# Per measure, at most this many moments (the report shows the strongest few per dimension).
PER_MEASURE = 3
# A transcript passage: the utterances within this many seconds of the moment, cut to this many characters.
PASSAGE_MARGIN_S = 2.0
PASSAGE_CHARS = 240


def transcript_lines(timeline: Sequence[Observation]) -> list[dict[str, Any]]:
    """Final utterances as {"start", "end", "text"} in media time, in time order."""
    lines = []
    for o in timeline:
        if o.type is ObservationType.TRANSCRIPT and o.name == FINAL and isinstance(o.value, str) and o.value:
            detail = o.detail or {}
            start = detail.get("start")
            end = detail.get("end")
            lines.append(
                {
                    "start": round(float(start if _is_number(start) else o.t), 2),
                    "end": round(float(end if _is_number(end) else o.t), 2),
                    "text": o.value,
                }
            )
    return sorted(lines, key=lambda line: (line["start"], line["end"]))


def passage(lines: Sequence[dict[str, Any]], start: float, end: float) -> str | None:
    """What was said around [start, end]: the utterances overlapping it, widened by a margin."""
    lo, hi = start - PASSAGE_MARGIN_S, end + PASSAGE_MARGIN_S
    texts = [line["text"] for line in lines if line["end"] >= lo and line["start"] <= hi]
    if not texts:
        return None
    text = " … ".join(texts)
    return text if len(text) <= PASSAGE_CHARS else text[: PASSAGE_CHARS - 1].rstrip() + "…"


def measure_evidence(timeline: Sequence[Observation]) -> dict[str, list[dict[str, Any]]]:
    """Per scoring measure (rooms/scoring.py MEASURES), its moments, strongest first."""
    lines = transcript_lines(timeline)

    def item(measure: str, start: float, end: float | None, note: str) -> dict[str, Any]:
        return {
            "measure": measure,
            "t": round(start, 2),
            "end": None if end is None else round(end, 2),
            "note": note,
            "transcript": passage(lines, start, end if end is not None else start),
        }

    events = _by_name(timeline, ObservationType.EVENT)
    # Silences in which a question was asked are turn-taking, not pauses (as in the pause measures).
    pauses = sorted(answer_pauses(timeline), key=lambda o: (-_number(o.value), o.t))
    pause_items = [
        item("pauses", _start(o, _number(o.value)), o.t, f"Pause of {_number(o.value):.1f} s within an answer")
        for o in pauses[:PER_MEASURE]
    ]
    look_backs = sorted(
        (o for o in events.get(LOOK_BACK, []) if _is_number(o.value)), key=lambda o: (-_number(o.value), o.t)
    )
    look_items = [
        item("look_aways", _start(o, _number(o.value)), o.t, f"Gaze away from the screen for {o.value:.1f} s")
        for o in look_backs[:PER_MEASURE]
    ]
    absences = sorted(
        (o for o in events.get(FACE_FOUND, []) if _is_number((o.detail or {}).get("absent_s"))),
        key=lambda o: (-float(o.detail["absent_s"]), o.t),  # type: ignore[index]
    )
    face_items = [
        item(
            FACE_PRESENCE,
            o.t - float(o.detail["absent_s"]),  # type: ignore[index]
            o.t,
            f"Face out of view for {float(o.detail['absent_s']):.1f} s",  # type: ignore[index]
        )
        for o in absences[:PER_MEASURE]
    ]
    latencies = sorted(
        (o for o in events.get(ANSWER_LATENCY, []) if _is_number(o.value)), key=lambda o: (-_number(o.value), o.t)
    )
    latency_items = [
        item(
            ANSWER_LATENCY,
            float((o.detail or {}).get(QUESTION_END, o.t - _number(o.value))),
            o.t,
            f"First speech {_number(o.value):.1f} s after the question ended",
        )
        for o in latencies[:PER_MEASURE]
    ]
    fillers = [o for o in events.get(FILLER, []) if isinstance(o.value, str)]
    filler_items = [item(FILLER_RATE, o.t, _end(o), f"Filler word “{o.value}”") for o in fillers[: PER_MEASURE * 2]]
    return {
        LONGEST_PAUSE: pause_items,
        MEAN_PAUSE: pause_items,
        PAUSES_PER_MIN: pause_items,
        LOOK_AWAYS_PER_MIN: look_items,
        EYE_CONTACT: look_items,
        FACE_PRESENCE: face_items,
        ANSWER_LATENCY: latency_items,
        FILLER_RATE: filler_items,
        SPEECH_RATE: _rate_extremes(timeline, item),
        WORDS_PER_MINUTE: [],
        PITCH_VARIATION: [],
        TALK_SHARE: [],
    }


# The live speech rate looks back over the voice analyzer's last 20 s of speaking time (analyzers/voice.py
# rate_window_s); rates from less speech than that are too noisy to point at.
RATE_WINDOW_S = 20.0


def _rate_extremes(timeline: Sequence[Observation], item: Any) -> list[dict[str, Any]]:
    """The fastest and the slowest stretch of speech, each as the media-time span of its 20 s of speaking."""
    speaking = [
        (o.t, _number(o.value))
        for o in timeline
        if o.type is ObservationType.METRIC and o.name == SPEAKING_TIME and _is_number(o.value)
    ]
    spoken_at = dict(speaking)
    rates = [
        o
        for o in timeline
        if o.type is ObservationType.METRIC
        and o.name == SPEECH_RATE
        and _is_number(o.value)
        and not (o.detail or {}).get("final")
        and spoken_at.get(o.t, 0.0) >= RATE_WINDOW_S
    ]
    if len(rates) < 2:
        return []

    def window_start(o: Observation) -> float:
        target = spoken_at[o.t] - RATE_WINDOW_S
        return next((t for t, spoken in speaking if spoken >= target), o.t)

    fastest = max(rates, key=lambda o: (float(o.value), -o.t))  # type: ignore[arg-type]
    slowest = min(rates, key=lambda o: (float(o.value), o.t))  # type: ignore[arg-type]
    out = [item(SPEECH_RATE, window_start(fastest), fastest.t, f"Fastest stretch: {fastest.value:.0f} syllables/min")]
    if slowest.value != fastest.value:
        note = f"Slowest stretch: {slowest.value:.0f} syllables/min"
        out.append(item(SPEECH_RATE, window_start(slowest), slowest.t, note))
    return out


def _by_name(timeline: Sequence[Observation], type_: ObservationType) -> dict[str, list[Observation]]:
    out: dict[str, list[Observation]] = {}
    for o in timeline:
        if o.type is type_:
            out.setdefault(o.name, []).append(o)
    return out


def _start(o: Observation, length: float) -> float:
    start = (o.detail or {}).get("start")
    return float(start) if _is_number(start) else o.t - length


def _end(o: Observation) -> float | None:
    end = (o.detail or {}).get("end")
    return float(end) if _is_number(end) else None


def _number(value: object) -> float:
    """An event's numeric value; the callers have kept only events whose value is a number."""
    assert _is_number(value), value
    return float(value)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
