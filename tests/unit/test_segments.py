"""The report's session segments: stretches analysed on one node, joined across a lost node with the gap marked."""

from __future__ import annotations

from rooms.model import Observation, ObservationType, Room, RoomStatus
from rooms.report import build_report
from rooms.segments import session_segments


def _metric(t: float, name: str = "face_present") -> Observation:
    return Observation(ObservationType.METRIC, name, 1.0, t, 1000.0 + t)


def _segment(t: float, node: str) -> Observation:
    return Observation(ObservationType.STATUS, "segment", node, t, 1000.0 + t, {"node": node})


def test_a_lost_node_splits_the_session_and_the_gap_is_measured() -> None:
    timeline = [
        _segment(0.1, "a"),
        *(_metric(0.5 + i * 0.1) for i in range(50)),  # 0.5 .. 5.4 on node a
        Observation(ObservationType.EVENT, "node_lost", "a", 5.4, 1010.0, {"node": "a"}),
        _segment(8.0, "b"),
        *(_metric(8.3 + i * 0.1, "speaking") for i in range(20)),
    ]
    result = session_segments(timeline)
    assert [(s["index"], s["node"]) for s in result["segments"]] == [(1, "a"), (2, "b")]
    assert result["segments"][0]["last_analysis_t"] == 5.4
    assert result["segments"][1]["first_analysis_t"] == 8.3
    assert result["gaps"] == [{"after_segment": 1, "from_t": 5.4, "to_t": 8.3, "duration_s": 2.9, "lost_node": "a"}]


def test_one_node_without_segment_records_is_one_segment_and_no_gap() -> None:
    result = session_segments([_metric(1.0), _metric(2.0)])
    assert len(result["segments"]) == 1 and result["segments"][0]["node"] is None and result["gaps"] == []
    assert session_segments([]) == {"segments": [], "gaps": []}


def test_the_report_carries_the_segments_and_the_lost_node_event() -> None:
    room = Room("r", "T", "C", RoomStatus.ENDED, created_at=1.0, started_at=1000.0, ended_at=1012.0)
    timeline = [
        _segment(0.1, "a"),
        _metric(1.0),
        Observation(ObservationType.EVENT, "node_lost", "a", 1.0, 1004.0, {"node": "a"}),
        _segment(4.0, "b"),
        _metric(4.5),
    ]
    report = build_report(room, timeline, 1012.0)
    assert report["session"]["gaps"][0]["duration_s"] == 3.5
    assert {"t": 1.0, "name": "node_lost", "value": "a"} in report["events"]
