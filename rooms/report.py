"""The closing report: a pure function of the room and its stored timeline.

Built only from what was stored, so a report can be regenerated at any time (after a crash, with a newer
version) and two runs over the same timeline give the same result. Every metric says what it was computed from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from rooms.model import Observation, ObservationType, Room

REPORT_VERSION = 1
# A face counts as smiling when MediaPipe's mouthSmile blendshapes average at least this (0-1 scale).
SMILE_THRESHOLD = 0.5
# Pauses at least this long are listed as moments worth a look in the report's events.
NOTABLE_PAUSE_S = 3.0


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
    room: Room, timeline: Sequence[Observation], generated_at: float, *, emotion_inference: bool = False
) -> dict[str, Any]:
    series = _Series(timeline)
    duration_s = _duration(room, timeline)

    face_present = series.values("face_present")
    eye_contact = series.values("eye_contact")
    smiles = series.values("smile")
    multi = [1.0 if c > 1 else 0.0 for c in series.values("face_count")]
    speaking_time = cumulative_total(series.values("speaking_time"))
    syllables = cumulative_total(series.values("syllables"))
    pauses = [float(o.value) for o in series.events("pause") if isinstance(o.value, int | float)]
    audio_samples = len(series.values("speaking"))

    metrics = {
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
            "Share of face-in-view frames in which the gaze, estimated from head pose plus iris position, "
            "pointed at the camera or the screen around it; frames with closed eyes (blinks) are left out.",
            f"{len(eye_contact)} frames with a face and open eyes",
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
        "speaking_time": Metric(
            "Speaking time",
            speaking_time if audio_samples else None,
            "s",
            "Seconds of audio that voice activity detection (webrtcvad with an energy gate and smoothing) "
            "marked as speech.",
            f"{audio_samples} audio intervals of 0.25 s",
        ),
        "talk_share": Metric(
            "Share of time speaking",
            speaking_time / duration_s if audio_samples and duration_s > 0 else None,
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
            float(len(pauses)) if audio_samples else None,
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
    }

    frames_analyzed = len(face_present)
    video_span = series.span("face_present")
    return {
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
        "analysis": {
            "frames_analyzed": frames_analyzed,
            "frames_dropped": int(cumulative_total(series.values("frames_dropped", ObservationType.HEALTH))),
            "video_fps_mean": round(frames_analyzed / video_span, 2) if video_span > 0 else None,
            "audio_seconds": round(audio_samples * 0.25, 2),
            "audio_gaps": int(cumulative_total(series.values("audio_gaps", ObservationType.HEALTH))),
            "emotion_inference": emotion_inference,
            "observations": len(timeline),
        },
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

    def values(self, name: str, type_: ObservationType = ObservationType.METRIC) -> list[float]:
        return [float(o.value) for o in self._by_key.get((type_, name), ()) if isinstance(o.value, int | float)]

    def events(self, name: str) -> list[Observation]:
        return self._by_key.get((ObservationType.EVENT, name), [])

    def span(self, name: str) -> float:
        items = self._by_key.get((ObservationType.METRIC, name), [])
        return items[-1].t - items[0].t if len(items) > 1 else 0.0


def _share(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def _duration(room: Room, timeline: Sequence[Observation]) -> float:
    if room.started_at is not None and room.ended_at is not None:
        return max(0.0, room.ended_at - room.started_at)
    return max((o.t for o in timeline), default=0.0)


def _notable_events(timeline: Sequence[Observation]) -> list[dict[str, Any]]:
    notable = []
    for o in timeline:
        if o.type is not ObservationType.EVENT:
            continue
        if o.name == "pause" and not (isinstance(o.value, int | float) and o.value >= NOTABLE_PAUSE_S):
            continue
        if o.name == "face_found":
            continue
        notable.append({"t": round(o.t, 2), "name": o.name, "value": o.value})
    return notable
