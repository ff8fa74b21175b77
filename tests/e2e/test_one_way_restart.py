"""A one-way interview outlives a server restart: the script's clock runs on while the server is down, the
restarted server catches up with every deadline that passed (markers dated at the deadlines), and the candidate
(an aiortc bot) reconnects and finishes at the current question."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.bot import candidate_bot
from tests.support.server_process import ADMIN_TOKEN, RunningServer, room_token, start_server, stop_server

# Every test here streams from bots on this host: ICE offers loopback only.
pytestmark = pytest.mark.usefixtures("loopback_ice")

SCALE = 0.1
TEMPLATE = {
    "title": "Restart test",
    "practice": None,
    "questions": [
        {"text": "First question", "think_s": 20, "answer_s": 60},  # 2 s + 6 s
        {"text": "Second question", "think_s": 20, "answer_s": 600},  # 2 s + 60 s: still open after the restart
    ],
}


async def _start_when_connected(server: RunningServer, path: str, token: str) -> dict:
    """The bot's connection reaches "connected" on the server a moment after the answer: retry start on 409."""
    for _ in range(100):
        status, view = await asyncio.to_thread(server.request, "GET", path, None, token)
        status, body = await asyncio.to_thread(
            server.request, "POST", path, {"action": "start", "seq": view["seq"]}, token
        )
        if status == 200:
            return body
        assert status == 409, body
        await asyncio.sleep(0.2)
    raise AssertionError("the server never saw the candidate connected")


async def test_one_way_script_survives_a_restart(tmp_path: Path, bot_media: Path) -> None:
    began = time.monotonic()
    data_dir = tmp_path / "data"
    server = start_server(data_dir, "--script-time-scale", str(SCALE))
    try:
        status, template = server.request("POST", "/api/templates", TEMPLATE)
        assert status == 201, template
        status, room = server.request(
            "POST", "/api/rooms", {"candidate_name": "Ada", "template_id": template["id"], "mode": "one_way"}
        )
        assert status == 201, room
        room_id, candidate = room["id"], room_token(room["candidate_url"])
        script = f"/api/rooms/{room_id}/script"
        offer = f"/api/rooms/{room_id}/offer?token={candidate}"
        async with candidate_bot(server.base_url, offer, bot_media):
            view = await _start_when_connected(server, script, candidate)
            assert (view["phase"], view["index"]) == ("think", 0)
            await asyncio.sleep(3.0)
            status, view = await asyncio.to_thread(server.request, "GET", script, None, candidate)
            assert (view["phase"], view["index"]) == ("answer", 0), view
    finally:
        stop_server(server)
    answer_deadline = view["deadline"]
    # Down until question 1's answer time has run out.
    await asyncio.sleep(max(0.0, answer_deadline - time.time() + 0.5))

    server = start_server(data_dir, "--script-time-scale", str(SCALE))
    try:
        status, view = server.request("GET", script, token=candidate)
        assert status == 200, view
        # Caught up: question 1 ended at its deadline and question 2 began at that very moment.
        assert view["index"] == 1 and view["phase"] in ("think", "answer"), view
        expected = answer_deadline + (2.0 if view["phase"] == "think" else 62.0)
        assert view["deadline"] == pytest.approx(expected, abs=0.01)
        async with candidate_bot(server.base_url, offer, bot_media):
            await asyncio.sleep(4.0)
            status, view = await asyncio.to_thread(server.request, "GET", script, None, candidate)
            if view["phase"] == "think":
                status, view = await asyncio.to_thread(
                    server.request, "POST", script, {"action": "answer", "seq": view["seq"]}, candidate
                )
                await asyncio.sleep(2.0)
            status, view = await asyncio.to_thread(
                server.request, "POST", script, {"action": "finish", "seq": view["seq"]}, candidate
            )
            assert status == 200 and view["phase"] == "done", view
        report, _ = server.wait_for_report(room_id, token=ADMIN_TOKEN, timeout_s=30)
        status, timeline = server.request("GET", f"/api/rooms/{room_id}/timeline")
    finally:
        stop_server(server)

    started_at = report["started_at"]
    ends = [o for o in timeline["observations"] if o["name"] == "question_end"]
    assert [o["detail"]["index"] for o in ends] == [0, 1]
    # Recorded after the restart, yet dated at the deadline that passed while the server was down.
    assert ends[0]["t"] == pytest.approx(answer_deadline - started_at, abs=0.01)
    assert {q["index"] for q in report["questions"]} == {0, 1}
    print(f"\none-way restart test: {time.monotonic() - began:.1f} s")
