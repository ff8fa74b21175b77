"""The segments of one interview session: stretches of analysis on one node, and the gaps between them.

A segment starts with a `segment` status observation (written when a node starts or takes over the room's media)
and a lost node leaves a `node_lost` event. Media time keeps its origin across segments, so a gap is simply
the stretch between the last analysed sample of one segment and the first of the next. Pure function of the
timeline, like the rest of the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rooms.measures import FACE_PRESENT, NODE_LOST, SEGMENT, SPEAKING
from rooms.model import Observation, ObservationType

# What counts as "analysis happened at t": the per-frame face metric and the audio analyzer's speaking flag.
_ANALYSIS = {FACE_PRESENT, SPEAKING}


def session_segments(timeline: Sequence[Observation]) -> dict[str, Any]:
    """{"segments": [{"index", "node", "start_t", "end_t", "first_analysis_t", "last_analysis_t"}],
    "gaps": [{"after_segment", "from_t", "to_t", "duration_s", "lost_node"}]}."""
    ordered = sorted(timeline, key=lambda o: o.t)
    segments: list[dict[str, Any]] = []
    lost: list[Observation] = []
    current: dict[str, Any] | None = None
    for o in ordered:
        if o.type is ObservationType.STATUS and o.name == SEGMENT:
            current = {
                "index": len(segments) + 1,
                "node": o.value,
                "start_t": round(o.t, 3),
                "end_t": round(o.t, 3),
                "first_analysis_t": None,
                "last_analysis_t": None,
            }
            segments.append(current)
            continue
        if o.type is ObservationType.EVENT and o.name == NODE_LOST:
            lost.append(o)
            continue
        if current is None:
            # A timeline from before segments were recorded (one node, no failover): one implicit segment.
            current = {
                "index": 1,
                "node": None,
                "start_t": round(o.t, 3),
                "end_t": round(o.t, 3),
                "first_analysis_t": None,
                "last_analysis_t": None,
            }
            segments.append(current)
        current["end_t"] = round(max(current["end_t"], o.t), 3)
        if o.type is ObservationType.METRIC and o.name in _ANALYSIS:
            if current["first_analysis_t"] is None:
                current["first_analysis_t"] = round(o.t, 3)
            current["last_analysis_t"] = round(o.t, 3)

    gaps = []
    for before, after in zip(segments, segments[1:], strict=False):
        from_t = before["last_analysis_t"] if before["last_analysis_t"] is not None else before["end_t"]
        to_t = after["first_analysis_t"] if after["first_analysis_t"] is not None else after["start_t"]
        lost_node = next((str(o.value) for o in lost if from_t <= o.t <= to_t), None)
        if lost_node is None and before["node"] is not None:
            lost_node = next((str(o.value) for o in lost if o.value == before["node"] and o.t <= to_t), None)
        gaps.append(
            {
                "after_segment": before["index"],
                "from_t": from_t,
                "to_t": to_t,
                "duration_s": round(max(0.0, to_t - from_t), 3),
                "lost_node": lost_node,
            }
        )
    return {"segments": segments, "gaps": gaps}
