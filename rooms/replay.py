"""What the replay page draws: a stored timeline folded into compact chart series, flagged moments and transcript.

A pure function of the timeline, like the report: the browser gets a few hundred kilobytes however long the
interview was, instead of every raw observation (a 30-minute interview stores a few hundred thousand).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, overload

from rooms.integrity import SIGNAL_NAMES, event_end, is_integrity_event
from rooms.measures import (
    FACE_COUNT,
    FACE_FOUND,
    FACE_LOST,
    LOOK_AWAY,
    LOOK_BACK,
    MULTIPLE_FACES,
    PAUSE,
    QUESTION_END,
    QUESTION_START,
    TRANSCRIPT_COMPLETION,
    TranscriptCompletion,
    charted_names,
)
from rooms.model import Observation, ObservationType
from rooms.transcript_lines import lines as transcript_lines

# Chart series: the catalogue's charted measures (rooms/measures.py charted_names). Each is averaged per bucket
# (1/0 samples such as eye_contact become the share of the bucket's frames).
MAX_POINTS = 1500  # per series: enough for a wide screen, small enough for a phone
MIN_BUCKET_S = 0.5
# A bucket without a sample holds the series' previous value this long (eye contact skips blinks, audio and video
# interleave); a longer silence from the source is a real gap, drawn as a break.
HOLD_S = 2.0
LONG_PAUSE_S = 3.0  # pauses from this length are flagged; shorter ones are ordinary speech rhythm
FLAG_KINDS = (FACE_LOST, MULTIPLE_FACES, LOOK_AWAY, "long_pause", *SIGNAL_NAMES)


@dataclass(frozen=True, slots=True)
class Flag:
    """A moment worth a look: `start` is where the replay seeks to, `end` where it stopped (None if unknown)."""

    kind: str  # one of FLAG_KINDS
    start: float
    end: float | None
    # seconds for look_away / long_pause, the face count for multiple_faces; an integrity signal's value
    value: float | int | None


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    start: float
    end: float
    text: str
    t: float = 0.0  # the recognizer's final at this media time: what a correction names
    corrected: bool = False  # an interviewer corrected it; `original` is what was recognized
    original: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionSpan:
    index: int  # 1-based, in the order asked
    start: float
    end: float | None
    label: str


@dataclass(frozen=True, slots=True)
class Replay:
    duration_s: float
    bucket_s: float
    # "t" (bucket midpoints) then one column per series present in the timeline; None where there is no data.
    series: dict[str, list[float | None]] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    transcript: list[TranscriptLine] = field(default_factory=list)
    questions: list[QuestionSpan] = field(default_factory=list)
    # "pending" while the interview's last speech is still being transcribed, "incomplete" if it never will be.
    transcript_completion: str = TranscriptCompletion.COMPLETE

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def bucket_size(duration_s: float, max_points: int = MAX_POINTS) -> float:
    """The smallest multiple of MIN_BUCKET_S that keeps a series of `duration_s` within `max_points`."""
    steps = max(1, math.ceil(duration_s / max_points / MIN_BUCKET_S))
    return steps * MIN_BUCKET_S


def build_replay(timeline: Sequence[Observation], duration_s: float | None = None) -> Replay:
    """The replay of a timeline (observations in time order). `duration_s`: the interview's length, if known."""
    last_t = max((o.t for o in timeline), default=0.0)
    duration = max(duration_s or 0.0, last_t)
    bucket_s = bucket_size(duration)
    return Replay(
        duration_s=round(duration, 3),
        bucket_s=bucket_s,
        series=_series(timeline, duration, bucket_s),
        flags=_flags(timeline, duration),
        transcript=_transcript(timeline),
        questions=_questions(timeline),
        transcript_completion=_transcript_completion(timeline),
    )


def _transcript_completion(timeline: Sequence[Observation]) -> str:
    states = [o.value for o in timeline if o.type is ObservationType.STATUS and o.name == TRANSCRIPT_COMPLETION]
    return str(states[-1]) if states else TranscriptCompletion.COMPLETE


def _is_summary(o: Observation) -> bool:
    # close() repeats cumulative metrics with detail {"final": True}: a total, not a sample at that moment.
    return bool(o.detail and o.detail.get("final"))


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _series(timeline: Sequence[Observation], duration: float, bucket_s: float) -> dict[str, list[float | None]]:
    n = max(1, math.ceil(duration / bucket_s))
    names = charted_names()
    sums: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for o in timeline:
        if o.type is not ObservationType.METRIC or o.name not in names or _is_summary(o):
            continue
        value = _number(o.value)
        if value is None or o.t < 0:
            continue
        if o.name not in sums:
            sums[o.name] = [0.0] * n
            counts[o.name] = [0] * n
        i = min(n - 1, int(o.t // bucket_s))
        sums[o.name][i] += value
        counts[o.name][i] += 1

    hold = max(1, round(HOLD_S / bucket_s))
    columns: dict[str, list[float | None]] = {"t": [round((i + 0.5) * bucket_s, 3) for i in range(n)]}
    for name in names:
        if name not in sums:
            continue
        column: list[float | None] = []
        last: float | None = None
        since = hold + 1
        for total, count in zip(sums[name], counts[name], strict=True):
            if count:
                last, since = round(total / count, 3), 0
            else:
                since += 1
            column.append(last if since <= hold else None)
        columns[name] = column
    return columns


def _detail(o: Observation, key: str) -> float | None:
    return _number(o.detail.get(key)) if o.detail else None


def _flags(timeline: Sequence[Observation], duration: float) -> list[Flag]:
    """Flagged moments in time order. A face that never came back (or company that never left) lasts until the
    end; a look-away that never ended has no known end (the analyzer closes it with look_back at the end)."""
    events = [o for o in timeline if o.type is ObservationType.EVENT]
    face_counts = [(o.t, o.value) for o in timeline if o.type is ObservationType.METRIC and o.name == FACE_COUNT]
    flags: list[Flag] = []
    for i, o in enumerate(events):
        if is_integrity_event(o):  # tab hidden, voice without a moving mouth, ...: start, end, length or score
            flags.append(Flag(o.name, _r(o.t), _r(event_end(o)), _r(_number(o.value))))
        elif o.name == FACE_LOST:
            # Reported once the face has been gone a while: the moment to see is when it was last in view.
            start = _detail(o, "last_seen_t")
            back = next((e.t for e in events[i + 1 :] if e.name == FACE_FOUND), duration)
            flags.append(Flag(FACE_LOST, _r(o.t if start is None else start), _r(back), None))
        elif o.name == MULTIPLE_FACES:
            alone = next((t for t, n in face_counts if t > o.t and isinstance(n, int) and n <= 1), duration)
            flags.append(Flag(MULTIPLE_FACES, _r(o.t), _r(alone), _number(o.value)))
        elif o.name == LOOK_AWAY:
            # Announced once the stretch passes its threshold; look_back (same start) later gives its full length.
            start = _detail(o, "start")
            start = o.t if start is None else start
            look_back = next((e for e in events[i + 1 :] if e.name == LOOK_BACK), None)
            length = _number(look_back.value) if look_back is not None else _number(o.value)
            end = start + length if look_back is not None and length is not None else None
            flags.append(Flag(LOOK_AWAY, _r(start), _r(end), _r(length)))
        elif o.name == PAUSE:
            length = _number(o.value)
            if length is None or length < LONG_PAUSE_S:
                continue
            start = _detail(o, "start")
            flags.append(Flag("long_pause", _r(o.t - length if start is None else start), _r(o.t), _r(length)))
    flags.sort(key=lambda f: (f.start, f.kind))
    return flags


def _transcript(timeline: Sequence[Observation]) -> list[TranscriptLine]:
    """Final lines with interviewers' corrections applied (rooms/transcript_lines.py)."""
    lines = []
    for line in transcript_lines(timeline):
        text = str(line["text"]).strip()
        if not text:
            continue
        t = float(line["t"])
        start = t if line["start"] is None else float(line["start"])
        end = t if line["end"] is None else float(line["end"])
        corrected = bool(line.get("corrected"))
        original = line.get("original") if corrected else None
        lines.append(TranscriptLine(_r(start), _r(end), text, t, corrected, original))
    lines.sort(key=lambda line: line.start)
    return lines


def _questions(timeline: Sequence[Observation]) -> list[QuestionSpan]:
    spans: list[QuestionSpan] = []
    open_start: tuple[float, str] | None = None
    for o in timeline:
        if o.type is not ObservationType.EVENT or o.name not in (QUESTION_START, QUESTION_END):
            continue
        if o.detail and o.detail.get("practice"):
            continue  # a one-way interview's practice question is not part of the interview
        label = _question_label(o)
        if o.name == QUESTION_START:
            if open_start is not None:
                spans.append(QuestionSpan(len(spans) + 1, _r(open_start[0]), _r(o.t), open_start[1]))
            open_start = (o.t, label)
        else:
            start, start_label = open_start if open_start is not None else (o.t, "")
            spans.append(QuestionSpan(len(spans) + 1, _r(start), _r(o.t), start_label or label))
            open_start = None
    if open_start is not None:
        spans.append(QuestionSpan(len(spans) + 1, _r(open_start[0]), None, open_start[1]))
    return spans


def _question_label(o: Observation) -> str:
    for source in (o.detail or {}).get("text"), (o.detail or {}).get("label"), o.value:
        if isinstance(source, str) and source.strip():
            return source.strip()
    return ""


@overload
def _r(value: float) -> float: ...
@overload
def _r(value: float | None) -> float | None: ...
def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
