"""When an interview ends while speech recognition still decodes its last speech, the report does not wait for it
beyond `--report-transcript-wait`: it says the transcript is still being completed, and once the last speech is
decoded the report is rebuilt with it and announced again (report.ready). A deletion meanwhile waits for that tail,
so nothing of it is written back after the delete; a restart that lost the tail leaves the report saying so.

App in process with fake analyzers; the deferred lane's fake takes 1.5 s to decode the last speech at the end (as
Whisper on a busy child process); a real WebRTC offer opens the session, a paced 48 kHz track feeds it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCPeerConnection

from realtime.engine import AnalysisEngine
from rooms.model import Observation, ObservationType
from rooms.outbox import EventType
from server.app import create_app
from server.keys import INTERVIEWS, STORE
from tests.support.app import Api, api_settings
from tests.support.fakes import FakeFaceAnalyzer, FakeVoiceAnalyzer, PacedAudioTrack, SlowTranscriptAnalyzer

WAIT_S = 0.4
FLUSH_S = 1.5


def slow_transcript_engine(settings: object) -> AnalysisEngine:
    return AnalysisEngine([FakeFaceAnalyzer(), FakeVoiceAnalyzer(), SlowTranscriptAnalyzer(FLUSH_S)], threads=1)


@pytest.fixture
async def api(aiohttp_client, tmp_path: Path) -> Api:
    settings = api_settings(tmp_path / "data", report_transcript_wait_s=WAIT_S)
    return Api(await aiohttp_client(create_app(settings, engine_factory=slow_transcript_engine)), tmp_path / "data")


async def _live_room_with_speech(api: Api) -> dict:
    room = await api.create_room()
    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    status, answer = await api.request("POST", f"/api/rooms/{room['id']}/offer", {"type": "offer", "sdp": sdp})
    assert status == 200, answer
    # The session is open; its pipeline hears a second of speech (the peer itself never connects here).
    api.client.app[INTERVIEWS].sessions[room["id"]].pipeline.attach(PacedAudioTrack(seconds=1.0))
    await asyncio.sleep(1.2)
    return room


def _record_reports(api: Api) -> list[dict[str, Any]]:
    ready: list[dict[str, Any]] = []

    async def listener(event_type: EventType, data: dict[str, Any]) -> None:
        if event_type is EventType.REPORT_READY:
            ready.append({**data, "at": time.monotonic()})

    api.client.app[INTERVIEWS].listeners.append(listener)
    return ready


async def _until(condition, timeout_s: float = 8.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_the_report_does_not_wait_for_the_transcript_tail_and_is_rebuilt_with_it(api: Api) -> None:
    room = await _live_room_with_speech(api)
    ready = _record_reports(api)
    ended = time.monotonic()
    status, body = await api.request("POST", f"/api/rooms/{room['id']}/end")
    assert status == 200, body
    await _until(lambda: len(ready) >= 1)
    assert ready[0]["at"] - ended < WAIT_S + 1.0, f"first report after {ready[0]['at'] - ended:.2f} s"
    assert ready[0]["transcript"] == "pending"
    status, first = await api.request("GET", f"/api/rooms/{room['id']}/report")
    assert status == 200, first
    assert first["transcript"]["status"] == "on" and first["transcript"]["lines"] == []
    assert first["transcript"]["completion"] == "pending"
    status, page = await api.request("GET", f"/rooms/{room['id']}/report?lang=zh-CN")
    assert status == 200 and "文字记录仍在完成中" in page
    status, replay = await api.request("GET", f"/api/rooms/{room['id']}/replay")
    assert status == 200 and replay["transcript_completion"] == "pending" and replay["transcript"] == []

    await _until(lambda: len(ready) >= 2)
    assert ready[1]["at"] - ended >= FLUSH_S
    assert ready[1]["transcript"] == "complete"
    assert ready[1]["generated_at"] == ready[0]["generated_at"]  # the same timeline rebuilds the same report
    status, second = await api.request("GET", f"/api/rooms/{room['id']}/report")
    assert status == 200, second
    assert [line["text"] for line in second["transcript"]["lines"]] == ["my last answer"]
    assert second["transcript"]["completion"] == "complete"
    status, page = await api.request("GET", f"/rooms/{room['id']}/report")
    assert status == 200 and "still being completed" not in page and "my last answer" in page
    status, replay = await api.request("GET", f"/api/rooms/{room['id']}/replay")
    assert replay["transcript_completion"] == "complete" and replay["transcript"][0]["text"] == "my last answer"
    await asyncio.sleep(0.3)
    assert len(ready) == 2  # announced twice, no more


async def test_a_deletion_during_the_tail_waits_for_it_and_leaves_nothing_behind(api: Api) -> None:
    room = await _live_room_with_speech(api)
    status, _ = await api.request("POST", f"/api/rooms/{room['id']}/end")
    assert status == 200
    asked = time.monotonic()
    status, body = await api.request("DELETE", f"/api/rooms/{room['id']}")
    assert status == 204, body
    assert time.monotonic() - asked >= FLUSH_S - WAIT_S - 0.2  # it waited for the tail
    await asyncio.sleep(FLUSH_S + 0.5)  # past the moment the tail would have been written
    store = api.client.app[STORE]
    assert await store.timeline(room["id"]) == []
    assert await store.get_report(room["id"]) is None
    status, _ = await api.request("GET", f"/api/rooms/{room['id']}/report")
    assert status == 404


async def test_a_restart_that_lost_the_tail_keeps_what_was_stored_and_says_the_transcript_is_incomplete(
    api: Api,
) -> None:
    """The server was killed while the tail decoded: the timeline holds the transcript up to then and "pending",
    the stored report says a fuller version follows. At the next start (recover) the report says instead that the
    transcript ends early, and keeps every stored line."""
    room = await api.create_room()
    store = api.client.app[STORE]
    detail = {"words": [], "start": 2.0, "end": 4.0, "language": "en", "units": 4, "syllables": 5}
    await store.append_observations(
        room["id"],
        [
            Observation(ObservationType.STATUS, "transcript", "on", 0.5, 1000.5, {"engine": "fake", "language": "en"}),
            Observation(ObservationType.TRANSCRIPT, "final", "decoded before the end", 4.0, 1004.0, detail),
            Observation(ObservationType.STATUS, "transcript_completion", "pending", 9.0, 1009.0),
        ],
    )
    ready = _record_reports(api)
    status, _ = await api.request("POST", f"/api/rooms/{room['id']}/end")
    assert status == 200
    await _until(lambda: len(ready) >= 1)
    assert ready[0]["transcript"] == "pending"

    await api.client.app[INTERVIEWS].recover()  # what a restarted server runs first
    status, report = await api.request("GET", f"/api/rooms/{room['id']}/report")
    assert status == 200, report
    assert report["transcript"]["completion"] == "incomplete"
    assert [line["text"] for line in report["transcript"]["lines"]] == ["decoded before the end"]
    assert [r["transcript"] for r in ready] == ["pending", "incomplete"]
    status, page = await api.request("GET", f"/rooms/{room['id']}/report")
    assert status == 200 and "The server stopped before the last speech was transcribed" in page
    await api.client.app[INTERVIEWS].recover()  # once only
    assert len(ready) == 2


async def test_a_shutdown_stores_the_tail_of_every_live_interview_before_it_stops(api: Api) -> None:
    """Stopping the server (after a drain, or with interviews left live for a reconnect) waits for each session's
    last speech, all at once: nothing already heard is lost, and the stop does not add up the rooms' waits."""
    rooms = [await _live_room_with_speech(api) for _ in range(2)]
    started = time.monotonic()
    await api.client.app[INTERVIEWS].close()
    assert time.monotonic() - started < 2 * FLUSH_S  # the two tails ran side by side
    store = api.client.app[STORE]
    for room in rooms:
        timeline = await store.timeline(room["id"])
        assert [o.value for o in timeline if o.name == "final"] == ["my last answer"]
        assert [o.value for o in timeline if o.name == "transcript_completion"] == ["pending", "complete"]
        status, live = await api.request("GET", f"/api/rooms/{room['id']}")
        assert live["status"] == "live"  # left live for a reconnect after the restart
