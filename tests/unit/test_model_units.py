"""Unit tests of the pure pieces: report, counters across restarts, bus, hand-offs, media clock, SDP edits."""

from __future__ import annotations

import asyncio
from fractions import Fraction

import pytest

from realtime.clock import TrackClock
from realtime.sdp import BITRATE_HINT, add_video_bitrate_hints
from realtime.slots import BoundedBuffer, LatestSlot
from rooms.bus import LocalBus
from rooms.model import Observation, ObservationType, Room, RoomStatus
from rooms.report import build_report, cumulative_total

M, E = ObservationType.METRIC, ObservationType.EVENT


def _timeline() -> list[Observation]:
    observations = []
    for i in range(100):
        t = i * 0.1
        observations.append(Observation(M, "face_present", 1.0 if i < 75 else 0.0, t, 1000 + t))
        if i < 75:
            observations.append(Observation(M, "eye_contact", 1.0 if i % 3 else 0.0, t, 1000 + t))
            observations.append(Observation(M, "smile", 0.8 if i < 15 else 0.1, t, 1000 + t))
    for i in range(40):
        t = i * 0.25
        observations.append(Observation(M, "speaking", 1.0, t, 1000 + t))
        observations.append(Observation(M, "speaking_time", min(t, 6.0), t, 1000 + t))
        observations.append(Observation(M, "syllables", int(min(t, 6.0) * 4), t, 1000 + t))
    observations.append(Observation(E, "pause", 1.5, 7.0, 1007.0))
    observations.append(Observation(E, "pause", 3.5, 9.0, 1009.0))
    return sorted(observations, key=lambda o: o.t)


def test_report_values_and_explanations() -> None:
    room = Room("r1", "Engineer", "Ada", RoomStatus.ENDED, 0.0, started_at=1000.0, ended_at=1010.0)
    report = build_report(room, _timeline(), generated_at=2000.0)
    metrics = report["metrics"]
    assert report["duration_s"] == 10.0
    assert metrics["face_presence"]["value"] == pytest.approx(0.75)
    assert metrics["eye_contact"]["value"] == pytest.approx(50 / 75, abs=1e-4)
    assert metrics["smile"]["value"] == pytest.approx(15 / 75, abs=1e-4)
    assert metrics["speaking_time"]["value"] == pytest.approx(6.0)
    assert metrics["speech_rate"]["value"] == pytest.approx(24 / 6.0 * 60)
    assert metrics["pause_count"]["value"] == 2 and metrics["longest_pause"]["value"] == 3.5
    assert [e["name"] for e in report["events"]] == ["pause"]  # only pauses of 3 s or more are notable
    for metric in metrics.values():
        assert metric["unit"] and metric["explanation"] and metric["computed_from"]


def test_report_is_a_pure_function_of_the_timeline() -> None:
    room = Room("r1", "Engineer", "Ada", RoomStatus.ENDED, 0.0, started_at=1000.0, ended_at=1010.0)
    assert build_report(room, _timeline(), 2000.0) == build_report(room, _timeline(), 2000.0)


def test_report_without_any_media_has_no_invented_values() -> None:
    room = Room("r1", "Engineer", "Ada", RoomStatus.ENDED, 0.0, started_at=1000.0, ended_at=1005.0)
    metrics = build_report(room, [], 2000.0)["metrics"]
    assert all(m["value"] is None for m in metrics.values())


def test_cumulative_total_survives_counter_restarts() -> None:
    assert cumulative_total([]) == 0
    assert cumulative_total([1, 2, 3]) == 3
    assert cumulative_total([1, 2, 3, 0.5, 1.5]) == 4.5  # a node restart began a new segment


def test_observation_values_are_plain_python() -> None:
    import numpy as np

    observation = Observation(M, "loudness_db", np.float32(-20.5), 1.0, 2.0)
    assert type(observation.value) is float
    assert Observation.from_record(observation.to_record()) == observation


async def test_bus_slow_subscriber_loses_only_its_own_oldest() -> None:
    bus = LocalBus()
    slow = bus.subscribe("room", max_pending=3)
    fast = bus.subscribe("room", max_pending=100)
    bus.publish("room", [Observation(M, "x", i, i, i) for i in range(10)])
    assert slow.dropped == 7 and fast.dropped == 0
    fast_items, slow_items = aiter(fast), aiter(slow)
    assert [(await anext(fast_items)).value for _ in range(10)] == list(range(10))
    assert [(await anext(slow_items)).value for _ in range(3)] == [7, 8, 9]
    slow.close()
    fast.close()
    assert bus.subscriber_count("room") == 0


async def test_latest_slot_keeps_newest_and_counts_drops() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert await slot.get() == 4 and slot.dropped == 4
    slot.close()
    assert await slot.get() is None


async def test_bounded_buffer_reports_gaps() -> None:
    buffer: BoundedBuffer[int] = BoundedBuffer(capacity=3)
    for i in range(5):
        buffer.put(i)
    assert await buffer.take_all() == [2, 3, 4]
    assert buffer.overflows == 1 and buffer.lost == 2
    waiter = asyncio.create_task(buffer.take_all())
    await asyncio.sleep(0)
    buffer.close()
    assert await waiter == []


def test_track_clock_shows_backlog_and_never_runs_ahead() -> None:
    clock = TrackClock(origin=100.0)
    base = Fraction(1, 90000)
    assert clock.media_time(0, base, 101.0) == pytest.approx(1.0)
    # A frame captured 1 s later that waited 2 s in a queue keeps its capture time: lag shows.
    assert clock.media_time(90000, base, 104.0) == pytest.approx(2.0)
    # The anchor frame came late; a timelier one re-anchors instead of claiming a future time.
    assert clock.media_time(180000, base, 102.5) == pytest.approx(2.5)


def test_bitrate_hints_reach_every_video_codec() -> None:
    sdp = "\r\n".join(
        [
            "v=0",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "a=rtpmap:111 opus/48000/2",
            "a=fmtp:111 minptime=10",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98",
            "a=rtpmap:96 VP8/90000",
            "a=rtpmap:97 rtx/90000",
            "a=fmtp:97 apt=96",
            "a=rtpmap:98 H264/90000",
            "a=fmtp:98 packetization-mode=1",
            "",
        ]
    )
    lines = add_video_bitrate_hints(sdp).split("\r\n")
    assert f"a=fmtp:96 {BITRATE_HINT}" in lines
    assert f"a=fmtp:98 packetization-mode=1;{BITRATE_HINT}" in lines
    assert "a=fmtp:97 apt=96" in lines and "a=fmtp:111 minptime=10" in lines
