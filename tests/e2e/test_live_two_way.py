"""The live two-way interview: two headless Chromium instances (candidate and lead interviewer, each with its own
fake camera and microphone from different files) see and hear each other peer to peer, signaled through the
server, while the candidate's stream also reaches the analysis server. Plus the API around it: notes and
ratings, observers who may not end or mark, the signaling relay's limits, the human decision and the candidate's
status page."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium, join_interview
from tests.support.media_fixtures import CameraClip, SpeechClip
from tests.support.server_process import ADMIN_TOKEN, RunningServer, room_token

# Reads the call's peer connection stats: bytes and frames received, and the selected candidate pair's ports.
CALL_STATS_JS = """
const done = arguments[arguments.length - 1];
const pc = window.__call && window.__call.pc;
if (!pc) { done(null); return; }
pc.getStats().then((stats) => {
  const byId = {};
  stats.forEach((r) => { byId[r.id] = r; });
  const out = { audioBytes: 0, videoBytes: 0, framesDecoded: 0, pair: null };
  stats.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") out.audioBytes += r.bytesReceived || 0;
    if (r.type === "inbound-rtp" && r.kind === "video") {
      out.videoBytes += r.bytesReceived || 0;
      out.framesDecoded += r.framesDecoded || 0;
    }
    if (r.type === "transport" && r.selectedCandidatePairId) {
      const p = byId[r.selectedCandidatePairId];
      const l = p && byId[p.localCandidateId];
      const m = p && byId[p.remoteCandidateId];
      if (l && m) out.pair = { local: l.port, remote: m.port, address: l.address || l.ip };
    }
  });
  done(out);
}).catch((e) => done({ error: String(e) }));
"""


def _js(driver, script: str):
    return driver.execute_script(f"return {script};")


def _video(driver, element_id: str) -> dict:
    return driver.execute_script(
        "const v = document.getElementById(arguments[0]);"
        "return {w: v.videoWidth, h: v.videoHeight, t: v.currentTime, paused: v.paused};",
        element_id,
    )


@pytest.fixture(scope="module")
def interviewer_media(media_dir: Path) -> tuple[Path, Path]:
    """The interviewer's own camera and microphone: a test pattern and a 440 Hz tone, unlike the candidate's."""
    y4m, wav = media_dir / "interviewer.y4m", media_dir / "interviewer.wav"
    if not y4m.exists():
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-t", "4",
             "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(y4m)],
            check=True,
        )  # fmt: skip
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4",
             "-ac", "1", str(wav)],
            check=True,
        )  # fmt: skip
    return y4m, wav


@pytest.mark.browser
async def test_two_chromium_pages_hold_a_live_two_way_interview(
    server: RunningServer, camera_clip: CameraClip, speech_clip: SpeechClip, interviewer_media: tuple[Path, Path]
) -> None:
    started = time.monotonic()
    questions = [{"text": "Tell us about a system you built.", "think_s": 30, "answer_s": 120, "retakes": 0}]
    status, template = server.request("POST", "/api/templates", {"title": "Live script", "questions": questions})
    assert status == 201, template
    body = {"title": "Live two-way", "candidate_name": "Katherine Johnson", "template_id": template["id"]}
    status, room = server.request("POST", "/api/rooms", {**body, "mode": "live"})
    assert status == 201, room
    room_id, lead = room["id"], room_token(room["interviewer_url"])
    observations: list[dict] = []

    async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            observations.append(message.json())

    with chromium(camera_clip.y4m, speech_clip.wav) as candidate, chromium(*interviewer_media) as interviewer:
        async with aiohttp.ClientSession(server.base_url) as http:
            async with http.ws_connect(f"/api/rooms/{room_id}/live?token={lead}") as ws:
                listener = asyncio.create_task(listen(ws))
                await asyncio.to_thread(candidate.get, server.base_url + room["candidate_url"])
                await asyncio.to_thread(join_interview, candidate)
                await asyncio.to_thread(
                    WebDriverWait(candidate, 30).until,
                    lambda d: _js(d, "window.__interview && window.__interview.state") == "connected",
                )
                await asyncio.to_thread(interviewer.get, server.base_url + room["interviewer_url"])
                await asyncio.to_thread(interviewer.find_element(By.ID, "join-call").click)
                for driver in (candidate, interviewer):
                    await asyncio.to_thread(
                        WebDriverWait(driver, 40).until,
                        lambda d: _js(d, "window.__call && window.__call.state") == "connected",
                    )
                call_connected_s = time.monotonic() - started
                await asyncio.sleep(4.0)  # let media flow both ways
                first = {
                    "candidate": await asyncio.to_thread(_video, candidate, "interviewer-video"),
                    "interviewer": await asyncio.to_thread(_video, interviewer, "call-video"),
                }
                await asyncio.sleep(2.0)
                second = {
                    "candidate": await asyncio.to_thread(_video, candidate, "interviewer-video"),
                    "interviewer": await asyncio.to_thread(_video, interviewer, "call-video"),
                }
                stats = {
                    "candidate": await asyncio.to_thread(candidate.execute_async_script, CALL_STATS_JS),
                    "interviewer": await asyncio.to_thread(interviewer.execute_async_script, CALL_STATS_JS),
                }
                dashboard = await asyncio.to_thread(_js, interviewer, "window.__dashboard")
                # Once the call is up the lead's page drops the server relay it showed until then.
                relay_in_use = await asyncio.to_thread(
                    _js, interviewer, "document.getElementById('candidate-video').srcObject !== null"
                )
                analysis_pc = await asyncio.to_thread(
                    _js, candidate, "window.__interview.pc && window.__interview.pc.connectionState"
                )
                # "Next question" steps through the room's template.
                await asyncio.to_thread(interviewer.find_element(By.ID, "next-question").click)
                await asyncio.to_thread(
                    WebDriverWait(interviewer, 10).until,
                    lambda d: "Question started" in d.find_element(By.ID, "marker-status").text,
                )
                # An observer (a second tab of the candidate's browser) watches through the server relay, with no
                # call, no end button and no question controls.
                candidate_tab = candidate.current_window_handle
                await asyncio.to_thread(candidate.switch_to.new_window, "tab")
                await asyncio.to_thread(candidate.get, server.base_url + room["observer_url"])
                await asyncio.to_thread(
                    WebDriverWait(candidate, 30).until,
                    lambda d: _video(d, "candidate-video")["w"] > 0,
                )
                observer_view = await asyncio.to_thread(
                    _js,
                    candidate,
                    "{call: !!document.getElementById('join-call'), next: !!document.getElementById('next-question'),"
                    " endHidden: document.getElementById('end-interview').hidden,"
                    " role: document.getElementById('role-label').textContent}",
                )
                # Notes from the lead's page, stamped on media time; the observer's dashboard shows them live.
                await asyncio.to_thread(interviewer.find_element(By.ID, "note-text").send_keys, "Clear answer")
                await asyncio.to_thread(interviewer.find_element(By.ID, "add-note").click)
                await asyncio.to_thread(
                    WebDriverWait(interviewer, 10).until,
                    lambda d: "Clear answer" in d.find_element(By.ID, "notes").text,
                )
                await asyncio.to_thread(
                    WebDriverWait(candidate, 10).until,
                    lambda d: "Clear answer" in d.find_element(By.ID, "notes").text,
                )
                await asyncio.to_thread(candidate.close)
                await asyncio.to_thread(candidate.switch_to.window, candidate_tab)

                # The candidate reloads the page and joins again: the call comes back by itself (the new page
                # takes the candidate's seat and the lead's page calls it).
                await asyncio.to_thread(candidate.refresh)
                rejoin_started = time.monotonic()
                await asyncio.to_thread(join_interview, candidate)
                await asyncio.to_thread(
                    WebDriverWait(candidate, 40).until,
                    lambda d: _js(d, "window.__call && window.__call.state") == "connected",
                )
                new_pair = (await asyncio.to_thread(candidate.execute_async_script, CALL_STATS_JS))["pair"]
                await asyncio.to_thread(
                    WebDriverWait(interviewer, 20).until,
                    lambda d: (
                        (d.execute_async_script(CALL_STATS_JS) or {}).get("pair")
                        == {
                            **new_pair,
                            "local": new_pair["remote"],
                            "remote": new_pair["local"],
                        }
                    ),
                )
                rejoin_s = time.monotonic() - rejoin_started
                before = await asyncio.to_thread(_video, interviewer, "call-video")
                await asyncio.sleep(1.5)
                after_rejoin = await asyncio.to_thread(_video, interviewer, "call-video")
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

        status, _ = server.request("POST", f"/api/rooms/{room_id}/end", token=lead)
        assert status == 200
        # The candidate's page learns of the end (status poll), hangs up and shows where things stand.
        await asyncio.to_thread(
            WebDriverWait(candidate, 20).until,
            lambda d: d.find_element(By.ID, "application-status").is_displayed(),
        )
        stage_text = candidate.find_element(By.ID, "application-status-message").text
        call_after_end = _js(interviewer, "window.__call.state")

    print(
        f"\ncall connected {call_connected_s:.1f} s after start; videos {first} -> {second}; stats {stats}; "
        f"dashboard received {dashboard['received']}; call back {rejoin_s:.1f} s after the candidate's reload and"
        f" join; total {time.monotonic() - started:.1f} s"
    )
    for side in ("candidate", "interviewer"):
        assert second[side]["w"] > 0 and second[side]["h"] > 0, (side, second)
        assert second[side]["t"] > first[side]["t"] + 1.0, (side, first, second)  # playing, not frozen
        assert stats[side]["audioBytes"] > 1000, (side, stats)
        assert stats[side]["framesDecoded"] > 30, (side, stats)
    # Peer to peer: each browser's selected pair ends at the other browser's own port, not at the server.
    assert stats["candidate"]["pair"]["local"] == stats["interviewer"]["pair"]["remote"], stats
    assert stats["interviewer"]["pair"]["local"] == stats["candidate"]["pair"]["remote"], stats
    # Each side receives the other's media, not its own: sizes differ (640x360 candidate, 320x240 interviewer).
    assert (second["interviewer"]["w"], second["interviewer"]["h"]) != (320, 240)
    assert (second["candidate"]["w"], second["candidate"]["h"]) == (320, 240)
    # Meanwhile the candidate's separate stream reached the analysis server and the dashboard got live measures.
    assert analysis_pc == "connected"
    assert relay_in_use is False
    assert after_rejoin["t"] > before["t"] + 0.5 and after_rejoin["w"] > 0, (before, after_rejoin)
    assert new_pair["local"] != stats["candidate"]["pair"]["local"]  # really a new connection
    assert observer_view == {"call": False, "next": False, "endHidden": True, "role": "observer"}, observer_view
    names = {o["name"] for o in observations if o["type"] == "metric"}
    assert {"face_present", "speaking"} <= names, names
    assert dashboard["received"] > 20, dashboard
    assert call_after_end == "ended"
    asked = [o for o in observations if o["name"] == "question_start"]
    assert len(asked) == 1 and asked[0]["detail"]["index"] == 0, asked
    assert asked[0]["detail"]["text"] == questions[0]["text"]
    assert "submitted" in stage_text.lower()
    status, notes = server.request("GET", f"/api/rooms/{room_id}/notes", token=lead)
    assert status == 200 and [n["text"] for n in notes["notes"]] == ["Clear answer"]
    assert notes["notes"][0]["t"] > 0 and notes["notes"][0]["author"] == "lead"


# --- API: notes, observers, signaling relay, decision and candidate status -----------------------------------


def test_notes_are_stamped_listed_and_join_the_report(server: RunningServer) -> None:
    room = server.create_room()
    room_id, lead, observer, candidate = (
        room["id"],
        room_token(room["interviewer_url"]),
        room_token(room["observer_url"]),
        room_token(room["candidate_url"]),
    )
    path = f"/api/rooms/{room_id}/notes"
    status, note = server.request("POST", path, {"text": "Strong intro", "rating": 4}, token=lead)
    assert status == 201, note
    assert note["t"] == 0.0 and note["rating"] == 4 and note["author"] == "lead"  # not started yet: t = 0
    status, note = server.request("POST", path, {"text": "Agree", "author": "Sam"}, token=observer)
    assert status == 201 and note["author"] == "Sam (observer)" and note["rating"] is None
    for body, expected in (
        ({"text": ""}, "text"),
        ({"text": "x", "rating": 6}, "rating"),
        ({"text": "x", "rating": True}, "rating"),
        ({"text": "x" * 2001}, "text"),
    ):
        status, error = server.request("POST", path, body, token=lead)
        assert status == 400 and expected in error["error"], (body, error)
    status, error = server.request("POST", path, raw=b"{not json", token=lead)
    assert status == 400 and "error" in error
    status, error = server.request("POST", path, {"text": "hi"}, token=candidate)
    assert status == 403 and "error" in error  # a candidate never sees or writes notes
    status, error = server.request("GET", path, token=candidate)
    assert status == 403
    status, listed = server.request("GET", path, token=observer)
    assert status == 200 and [n["text"] for n in listed["notes"]] == ["Strong intro", "Agree"]

    assert server.request("POST", f"/api/rooms/{room_id}/end", token=lead)[0] == 200
    report, _ = server.wait_for_report(room_id, lead)
    assert [n["text"] for n in report["notes"]] == ["Strong intro", "Agree"]
    assert report["ratings"] == {"count": 1, "mean": 4.0, "scale": [1, 5]}
    status, page = server.request("GET", f"/rooms/{room_id}/report?token={lead}", token=None)
    assert status == 200 and "Strong intro" in page and "Sam (observer)" in page


def test_observers_watch_and_note_but_cannot_end_or_mark(server: RunningServer) -> None:
    room = server.create_room()
    room_id, observer, lead = room["id"], room_token(room["observer_url"]), room_token(room["interviewer_url"])
    for method, path, body in (
        ("POST", f"/api/rooms/{room_id}/end", None),
        ("POST", f"/api/rooms/{room_id}/marks", {"name": "question_start"}),
        ("POST", f"/api/rooms/{room_id}/question", {"text": "Why us?"}),
    ):
        status, error = server.request(method, path, body, token=observer)
        assert status == 403 and "observer" in error["error"], (path, status, error)
    # The observer's dashboard has no end button, no markers and no call; the lead's has all three.
    status, page = server.request("GET", f"/rooms/{room_id}/dashboard?token={observer}", token=None)
    assert status == 200
    assert 'id="join-call"' not in page and 'id="mark-question-start"' not in page
    assert 'id="end-interview"' in page and "hidden>End interview" in page.replace("\n", "")
    status, page = server.request("GET", f"/rooms/{room_id}/dashboard?token={lead}", token=None)
    assert 'id="join-call"' in page and 'id="next-question"' in page and "hidden>End interview" not in page
    # The lead's "next question": a template index the room does not have is a 400; before the start, a 409.
    status, error = server.request("POST", f"/api/rooms/{room_id}/question", {"index": 0}, token=lead)
    assert status == 400 and "template" in error["error"]
    status, error = server.request("POST", f"/api/rooms/{room_id}/question", {"text": "Why us?"}, token=lead)
    assert status == 409 and "error" in error
    status, room_now = server.request("GET", f"/api/rooms/{room_id}", token=observer)
    assert status == 200 and room_now["status"] == "waiting"


async def test_signaling_relay_pairs_seats_validates_and_limits(server: RunningServer) -> None:
    room = server.create_room()
    room_id = room["id"]
    lead, observer, candidate = (room_token(room[k]) for k in ("interviewer_url", "observer_url", "candidate_url"))
    url = f"/api/rooms/{room_id}/signal?token="
    async with aiohttp.ClientSession(server.base_url) as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url + observer)
        assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url + "not-a-token")
        assert refused.value.status == 401

        async with http.ws_connect(url + lead) as lead_ws:
            assert await lead_ws.receive_json(timeout=5) == {"type": "peer", "present": False}
            async with http.ws_connect(url + candidate) as cand_ws:
                assert await cand_ws.receive_json(timeout=5) == {"type": "peer", "present": True}
                assert await lead_ws.receive_json(timeout=5) == {"type": "peer", "present": True}
                await lead_ws.send_json({"type": "offer", "call": 1, "sdp": "v=0\r\n", "extra": "dropped"})
                assert await cand_ws.receive_json(timeout=5) == {
                    "type": "offer",
                    "call": 1,
                    "sdp": "v=0\r\n",
                    "from": "interviewer",
                }
                candidate_msg = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0"}
                await cand_ws.send_json({"type": "ice", "call": 1, "candidate": candidate_msg})
                relayed = await lead_ws.receive_json(timeout=5)
                assert relayed["type"] == "ice" and relayed["candidate"]["candidate"] == candidate_msg["candidate"]
                for bad in ({"type": "shout"}, {"type": "offer", "sdp": 5}, {"type": "ice", "candidate": "x"}, [1]):
                    await cand_ws.send_str(json.dumps(bad))
                    assert (await cand_ws.receive_json(timeout=5))["type"] == "error", bad
                # A second candidate connection takes the seat; the first is told to go for good (4000).
                async with http.ws_connect(url + candidate) as cand_ws2:
                    assert (await cand_ws2.receive_json(timeout=5))["present"] is True
                    closing = await cand_ws.receive(timeout=5)
                    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
                    assert cand_ws.close_code == 4000
                    # Flooding is cut off (burst 60, then 10/s).
                    for _ in range(200):
                        try:
                            await cand_ws2.send_json({"type": "bye"})
                        except ConnectionResetError:
                            break
                    closed = await cand_ws2.receive(timeout=5)
                    while closed.type == aiohttp.WSMsgType.TEXT:
                        closed = await cand_ws2.receive(timeout=5)
                    assert cand_ws2.close_code == 1008
                # The lead hears the candidate leave.
                messages = []
                while True:
                    message = await lead_ws.receive_json(timeout=5)
                    messages.append(message)
                    if message.get("type") == "peer" and message["present"] is False:
                        break
        # Oversized messages close the socket (64 KiB cap).
        async with http.ws_connect(url + lead) as lead_ws:
            await lead_ws.receive_json(timeout=5)
            await lead_ws.send_str(json.dumps({"type": "offer", "call": 2, "sdp": "a" * 70000}))
            message = await lead_ws.receive(timeout=5)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    # Ended rooms take no calls.
    assert server.request("POST", f"/api/rooms/{room_id}/end", token=lead)[0] == 200
    async with aiohttp.ClientSession(server.base_url) as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url + candidate)
        assert refused.value.status == 409


def test_decision_overrides_recommendation_and_candidate_sees_only_shared_feedback(server: RunningServer) -> None:
    room = server.create_room()
    room_id, lead, candidate = room["id"], room_token(room["interviewer_url"]), room_token(room["candidate_url"])
    decision_path, status_path = f"/api/rooms/{room_id}/decision", f"/api/rooms/{room_id}/status"
    status, seen = server.request("GET", status_path, token=candidate)
    assert status == 200 and seen["stage"] == "waiting"
    body = {"decision": "advance", "note": "Good fit", "feedback": "Thank you, we enjoyed it.", "share_feedback": True}
    status, error = server.request("PUT", decision_path, body, token=ADMIN_TOKEN)
    assert status == 409 and "error" in error  # decided after the end, not before
    assert server.request("POST", f"/api/rooms/{room_id}/end", token=lead)[0] == 200
    server.wait_for_report(room_id, lead)

    status, seen = server.request("GET", status_path, token=candidate)
    assert status == 200 and seen["stage"] == "submitted" and "feedback" not in seen
    for token in (lead, candidate):
        status, error = server.request("PUT", decision_path, body, token=token)
        assert status == 403 and "error" in error  # only HR and the admin decide
    for bad in (
        {"decision": "maybe"},
        {"decision": "advance", "share_feedback": True},
        {"decision": "hold", "share_feedback": "yes"},
    ):
        status, error = server.request("PUT", decision_path, bad, token=ADMIN_TOKEN)
        assert status == 400 and "error" in error, bad

    status, decided = server.request("PUT", decision_path, {**body, "share_feedback": False}, token=ADMIN_TOKEN)
    assert status == 200 and decided["decision"] == "advance"
    status, seen = server.request("GET", status_path, token=candidate)
    assert seen["stage"] == "under_review" and "feedback" not in seen  # not shared: nothing of it shows

    status, decided = server.request("PUT", decision_path, body, token=ADMIN_TOKEN)
    assert status == 200 and decided["share_feedback"] is True
    status, seen = server.request("GET", status_path, token=candidate)
    assert seen["stage"] == "feedback" and seen["feedback"] == "Thank you, we enjoyed it."
    text = json.dumps(seen).lower()
    assert "score" not in text and "metric" not in text and "advance" not in text and "good fit" not in text
    # The candidate's link still opens no report.
    assert server.request("GET", f"/api/rooms/{room_id}/report", token=candidate)[0] == 403

    report, _ = server.wait_for_report(room_id, lead)
    automatic = report.get("outcome", {}).get("recommendation") if isinstance(report.get("outcome"), dict) else None
    assert report["decision"]["decision"] == "advance" and report["decision"]["overrides"] == automatic
    assert report["decision"]["note"] == "Good fit"
    status, page = server.request("GET", f"/rooms/{room_id}/report?token={lead}", token=None)
    assert status == 200 and 'id="decision"' in page and "Good fit" in page
    status, page = server.request("GET", f"/rooms/{room_id}/join?token={candidate}", token=None)
    assert status == 200 and 'id="application-status"' in page


def test_candidate_status_shares_scores_only_when_hr_enables_it() -> None:
    """Pure: what the candidate's status may carry, for every decision state (no server needed)."""
    from rooms.model import Room, RoomStatus
    from rooms.review import Decision, HumanDecision, candidate_status

    room = Room("r1", "Backend", "Ada", status=RoomStatus.ENDED, started_at=100.0, ended_at=400.0)
    report = {
        "overall": {"score": 72.5, "dimensions_scored": ["fluency"]},
        "dimensions": {"fluency": {"score": 64.0, "evidence": [{"t": 3.0}]}, "composure": {"score": None}},
        "metrics": {"eye_contact": {"value": 0.8}},
    }

    def decided(**flags: bool) -> HumanDecision:
        note, feedback = "internal note", "Thanks for your time."
        return HumanDecision("r1", Decision.REJECT, note, feedback, **flags, decided_by="hr", decided_at=1.0)

    hidden = candidate_status(room, decided(share_feedback=False, share_scores=False), report)
    assert hidden["stage"] == "under_review" and "scores" not in hidden and "feedback" not in hidden
    shared = candidate_status(room, decided(share_feedback=True, share_scores=True), report)
    assert shared["stage"] == "feedback" and shared["feedback"] == "Thanks for your time."
    # Only the summary numbers: no evidence, no measures, no dimension that was not scored, no decision label.
    assert shared["scores"] == {"overall": 72.5, "dimensions": {"fluency": 64.0}}
    assert "reject" not in json.dumps(shared) and "internal note" not in json.dumps(shared)
