"""Questions of an interview, from the script markers in its timeline, and the timeline of each answer.

Markers are EVENT observations `question_start` / `question_end` (value = label), written by the interviewer's
dashboard (detail {"label"}) or by a one-way script (detail {"index", "text", "label"}). A question's segment runs
from its start to the next question's start (or the interview's end), so it holds the question and its answer
whether `question_end` marks "answer expected" (live) or "answer over" (one-way). A practice question
(detail {"practice": true}) is not a question of the interview. A retake (the same index started again) replaces
the earlier attempt.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rooms.measures import (
    AUDIO_GAPS,
    FILLERS,
    FRAMES_DROPPED,
    PAUSE,
    QUESTION_END,
    QUESTION_START,
    SPEAKING_TIME,
    SYLLABLES,
    TRANSCRIPT_SYLLABLES,
    WORDS,
)
from rooms.model import Observation, ObservationType

QUESTION_START = QUESTION_START
QUESTION_END = QUESTION_END
# Running counters that restart at 0 in a new session segment; a span rebases them to its own start.
CUMULATIVE = {
    (ObservationType.METRIC, SPEAKING_TIME),
    (ObservationType.METRIC, SYLLABLES),
    (ObservationType.METRIC, WORDS),
    (ObservationType.METRIC, TRANSCRIPT_SYLLABLES),
    (ObservationType.METRIC, FILLERS),
    (ObservationType.HEALTH, FRAMES_DROPPED),
    (ObservationType.HEALTH, AUDIO_GAPS),
}


# A marker up to this long before a silence began still belongs to it (the click lands as speech ends).
TURN_MARGIN_S = 0.5


@dataclass(frozen=True, slots=True)
class QuestionSegment:
    index: int
    text: str | None
    label: str | None
    start_t: float
    end_t: float
    question_end_t: float | None
    attempts: int


def question_segments(timeline: Sequence[Observation], duration_s: float) -> list[QuestionSegment]:
    markers = sorted(
        (
            o
            for o in timeline
            if o.type is ObservationType.EVENT
            and o.name in (QUESTION_START, QUESTION_END)
            and not (o.detail or {}).get("practice")
        ),
        key=lambda o: o.t,
    )
    starts = [o for o in markers if o.name == QUESTION_START]
    # Only "question ended" marks (an interviewer who marks ends only): each answer runs from one to the next.
    boundaries = starts or [o for o in markers if o.name == QUESTION_END]
    end_of_interview = max(duration_s, max((o.t for o in timeline), default=0.0))
    segments: dict[int, QuestionSegment] = {}
    for ordinal, marker in enumerate(boundaries, start=1):
        detail = marker.detail or {}
        index = detail.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = ordinal
        end_t = boundaries[ordinal].t if ordinal < len(boundaries) else end_of_interview
        ends = [o.t for o in markers if o.name == QUESTION_END and marker.t <= o.t < end_t]
        label = detail.get("label") if isinstance(detail.get("label"), str) else None
        label = label or (marker.value if isinstance(marker.value, str) and marker.value else None)
        text = detail.get("text") if isinstance(detail.get("text"), str) else None
        previous = segments.get(index)
        segments[index] = QuestionSegment(
            index=index,
            text=text or label,
            label=label,
            start_t=round(marker.t, 3),
            end_t=round(max(end_t, marker.t), 3),
            question_end_t=round(ends[0], 3) if starts and ends else (round(marker.t, 3) if not starts else None),
            attempts=(previous.attempts + 1) if previous else 1,
        )
    return sorted(segments.values(), key=lambda s: (s.start_t, s.index))


class SpanIndex:
    """Cuts a timeline into spans, each with running counters rebased to the span's start.

    Built once per report (one pass over the timeline), so cutting one span per question costs only that span:
    a long interview with many questions stays linear.
    """

    def __init__(self, timeline: Sequence[Observation]) -> None:
        self._timeline = sorted(timeline, key=lambda o: o.t)
        self._times = [o.t for o in self._timeline]
        # Per observation, its counter's running total across restarts (None when it is not a counter).
        self._running: list[float | None] = []
        # Per counter, (times, running totals), for the baseline just before a span starts.
        self._counters: dict[tuple[ObservationType, str], tuple[list[float], list[float]]] = {}
        totals: dict[tuple[ObservationType, str], tuple[float, float | None]] = {}  # key -> (banked, last value)
        for o in self._timeline:
            key = (o.type, o.name)
            if key in CUMULATIVE and isinstance(o.value, int | float) and not isinstance(o.value, bool):
                banked, last = totals.get(key, (0.0, None))
                if last is not None and o.value < last:
                    banked += last  # the counter restarted: bank the previous run (as rooms.report.cumulative_total)
                totals[key] = (banked, float(o.value))
                running = banked + float(o.value)
                times, values = self._counters.setdefault(key, ([], []))
                times.append(o.t)
                values.append(running)
                self._running.append(running)
            else:
                self._running.append(None)
        self._states = [o for o in self._timeline if o.type is ObservationType.STATUS]

    def span(self, start: float, end: float) -> list[Observation]:
        """The observations in [start, end), counters rebased. States set before the span (STATUS) are kept;
        whole-session summaries (METRIC with detail final) are not."""
        baselines = {}
        for key, (times, values) in self._counters.items():
            i = bisect.bisect_left(times, start)
            baselines[key] = values[i - 1] if i > 0 else 0.0
        out = [o for o in self._states if o.t < start]  # a state (transcript on/off) holds from when it was set
        lo, hi = bisect.bisect_left(self._times, start), bisect.bisect_left(self._times, end)
        for o, running in zip(self._timeline[lo:hi], self._running[lo:hi], strict=True):
            if running is not None:
                out.append(_with_value(o, round(running - baselines[(o.type, o.name)], 3)))
            elif (o.detail or {}).get("final") and o.type is ObservationType.METRIC:
                continue  # whole-session summaries (overall rate, pitch variation) do not describe a span
            else:
                out.append(o)
        return out


def span_timeline(timeline: Sequence[Observation], start: float, end: float) -> list[Observation]:
    """One span of a timeline (see SpanIndex; build the index once when cutting several spans)."""
    return SpanIndex(timeline).span(start, end)


def answer_pauses(timeline: Sequence[Observation]) -> list[Observation]:
    """Pause events that are not turn-taking: a silence in which a question started or ended is the question
    being asked (or read), not a pause in the candidate's speech, so it is left out of pause measures."""
    script_marks = ("question_", "practice_", "answer_")
    marks = [o.t for o in timeline if o.type is ObservationType.EVENT and o.name.startswith(script_marks)]
    out = []
    for o in timeline:
        if o.type is not ObservationType.EVENT or o.name != PAUSE:
            continue
        if not isinstance(o.value, int | float) or isinstance(o.value, bool):
            continue
        start = (o.detail or {}).get("start")
        start = float(start) if isinstance(start, int | float) else o.t - float(o.value)
        if not any(start - TURN_MARGIN_S <= t <= o.t for t in marks):
            out.append(o)
    return out


def segment_to_dict(segment: QuestionSegment) -> dict[str, Any]:
    return {
        "index": segment.index,
        "text": segment.text,
        "label": segment.label,
        "start_t": segment.start_t,
        "end_t": segment.end_t,
        "question_end_t": segment.question_end_t,
        "duration_s": round(segment.end_t - segment.start_t, 3),
        "attempts": segment.attempts,
    }


def _with_value(o: Observation, value: float) -> Observation:
    return Observation(o.type, o.name, value, o.t, o.arrival, o.detail)
