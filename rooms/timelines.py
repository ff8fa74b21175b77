"""The report's main timelines, reduced to fixed time buckets so the report can chart them without the raw stream.

Each series is one value per bucket (a share of frames or of audio intervals, or a mean), None where nothing was
measured in the bucket. Bucket sizes come from a fixed list, so the same timeline always gives the same buckets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from rooms.measures import EYE_CONTACT, FACE_PRESENT, OBSERVATIONS, PAUSE, SPEAKING, SPEECH_RATE
from rooms.model import Observation, ObservationType

MAX_BUCKETS = 120
_BUCKET_SIZES_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
# How each series charted in the report reduces a bucket; label and unit are the catalogue's (rooms/measures.py).
_REDUCTIONS = {
    FACE_PRESENT: "share of analysed frames with a face",
    EYE_CONTACT: "share of face frames with the gaze on the camera or screen",
    SPEAKING: "share of audio intervals with speech",
    SPEECH_RATE: "mean of the live rate (last 20 s of speech)",
}
# Series charted in the report: metric name -> (label, unit, how a bucket is reduced).
SERIES = {
    name: (OBSERVATIONS[name].label, OBSERVATIONS[name].unit, reduction) for name, reduction in _REDUCTIONS.items()
}


def bucket_size(duration_s: float) -> int:
    for size in _BUCKET_SIZES_S:
        if duration_s / size <= MAX_BUCKETS:
            return size
    return _BUCKET_SIZES_S[-1]


def report_timelines(timeline: Sequence[Observation], duration_s: float) -> dict[str, Any]:
    end = max(duration_s, max((o.t for o in timeline), default=0.0))
    size = bucket_size(end)
    count = max(1, math.ceil(end / size)) if end > 0 else 0
    buckets: dict[str, list[list[float]]] = {name: [[] for _ in range(count)] for name in SERIES}
    for o in timeline:
        if o.type is not ObservationType.METRIC or o.name not in SERIES or (o.detail or {}).get("final"):
            continue
        if not isinstance(o.value, int | float) or isinstance(o.value, bool):
            continue
        i = min(count - 1, max(0, int(o.t // size)))
        buckets[o.name][i].append(float(o.value))
    series = {
        name: {
            "label": label,
            "unit": unit,
            "reduction": reduction,
            "values": [round(fmean(values), 3) if values else None for values in buckets[name]],
        }
        for name, (label, unit, reduction) in SERIES.items()
    }
    pauses = [
        {"t": round(o.t, 2), "length_s": round(float(o.value), 2)}
        for o in timeline
        if o.type is ObservationType.EVENT and o.name == PAUSE and isinstance(o.value, int | float)
    ]
    return {"bucket_s": size, "buckets": count, "end_s": round(end, 3), "series": series, "pauses": pauses}
