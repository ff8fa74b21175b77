"""The replay page: a recorded interview (bot candidate -> end -> joined recording) replays in headless Chromium,
seeks from the transcript, the flagged moments and the charts, and fits a phone screen. (The pure folding of a
timeline into what the page draws: tests/unit/test_replay_series.py.)"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from realtime.ice import restricted_host_addresses
from tests.support.bot import candidate_bot
from tests.support.browser import chromium
from tests.support.server_process import RunningServer, room_token

# Every test here streams from bots on this host: ICE offers loopback only.
pytestmark = pytest.mark.usefixtures("loopback_ice")

STREAM_S = 14.0


def _js(driver, script: str):
    return driver.execute_script(f"return {script};")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _wait_for_recording(server: RunningServer, room_id: str, token: str, timeout_s: float = 60.0) -> float:
    """Seconds until GET /recording answers a range request with 206 (the joined file is there)."""
    start = time.monotonic()
    url = f"{server.base_url}/api/rooms/{room_id}/recording?token={token}"
    while time.monotonic() - start < timeout_s:
        status, body, _ = _get(url, {"Range": "bytes=0-99"})
        if status == 206:
            assert len(body) == 100
            return time.monotonic() - start
        assert status in (202, 409, 503), (status, body[:200])
        time.sleep(0.25)
    raise AssertionError("recording not joined in time")


@pytest.fixture(scope="module")
def recorded_room(server: RunningServer, bot_media: Path) -> dict:
    """A room with a bot interview of STREAM_S seconds with one marked question, ended, its recording joined."""

    async def interview() -> dict:
        room = server.create_room(title="Replay test", candidate_name="Ada Lovelace")
        interviewer = room_token(room["interviewer_url"])
        offer_path = f"/api/rooms/{room['id']}/offer?token={room_token(room['candidate_url'])}"
        marks = f"/api/rooms/{room['id']}/marks"
        async with candidate_bot(server.base_url, offer_path, bot_media):
            await asyncio.sleep(STREAM_S / 2)
            status, _ = server.request("POST", marks, {"name": "question_start", "label": "Why us?"}, token=interviewer)
            assert status == 201
            await asyncio.sleep(1.0)
            status, _ = server.request("POST", marks, {"name": "question_end"}, token=interviewer)
            assert status == 201
            note = {"text": "Clear answer", "rating": 4}
            assert server.request("POST", f"/api/rooms/{room['id']}/notes", note, token=interviewer)[0] == 201
            await asyncio.sleep(STREAM_S / 2 - 1.0)
        status, _ = server.request("POST", f"/api/rooms/{room['id']}/end", token=interviewer)
        assert status == 200
        return room

    # Set here: this module-scoped fixture runs before the function-scoped loopback_ice.
    with restricted_host_addresses(["127.0.0.1"]):
        room = asyncio.run(interview())
    interviewer = room_token(room["interviewer_url"])
    server.wait_for_report(room["id"], interviewer)
    joined_s = _wait_for_recording(server, room["id"], interviewer)
    print(f"\nrecording joined {joined_s:.2f} s after the report")
    return room


def test_replay_access(server: RunningServer, recorded_room: dict) -> None:
    room_id = recorded_room["id"]
    candidate = room_token(recorded_room["candidate_url"])
    interviewer = room_token(recorded_room["interviewer_url"])
    # The candidate never sees the measures: neither the page nor its data.
    status, body, _ = _get(f"{server.base_url}/rooms/{room_id}/replay?token={candidate}")
    assert status == 403 and b"does not open this page" in body
    status, body = server.request("GET", f"/api/rooms/{room_id}/replay", token=candidate)
    assert status == 403 and "error" in body
    status, body = server.request("GET", "/api/rooms/nosuchroom/replay")
    assert status == 404 and "error" in body
    status, _, _ = _get(f"{server.base_url}/rooms/{room_id}/replay")
    assert status == 401
    # A live room has nothing to replay yet.
    waiting = server.create_room(title="Not yet")
    status, body, _ = _get(server.base_url + waiting["interviewer_url"].replace("/dashboard", "/replay"))
    assert status == 409
    # The data the page draws: bucketed series, flags, the marked question.
    status, data = server.request("GET", f"/api/rooms/{room_id}/replay", token=interviewer)
    assert status == 200, data
    assert data["duration_s"] >= STREAM_S - 1
    assert {"t", "face_present", "eye_contact", "speaking"} <= set(data["series"])
    assert len(data["series"]["t"]) == len(data["series"]["face_present"])
    assert [q["label"] for q in data["questions"]] == ["Why us?"]
    assert [(n["text"], n["rating"]) for n in data["notes"]] == [("Clear answer", 4)]
    # The report and the dashboard link to the replay.
    status, body, _ = _get(server.base_url + recorded_room["report_url"])
    assert status == 200 and f"/rooms/{room_id}/replay?token=".encode() in body
    status, body, _ = _get(server.base_url + recorded_room["interviewer_url"])
    assert status == 200 and b'id="replay-link"' in body


@pytest.mark.browser
def test_recording_replays_and_seeks_in_chromium(server: RunningServer, recorded_room: dict) -> None:
    room_id = recorded_room["id"]
    report_url = recorded_room["report_url"]
    started = time.monotonic()
    with chromium() as driver:
        # HR and interviewers reach the replay from the closing report.
        driver.get(server.base_url + report_url)
        driver.find_element(By.ID, "replay-link").click()
        assert f"/rooms/{room_id}/replay" in driver.current_url
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: _js(d, "window.__replay && window.__replay.data") == "ready")
        wait.until(lambda d: _js(d, "window.__replay.player") in ("ready", "missing", "error", "denied"))
        assert _js(driver, "window.__replay.player") == "ready", driver.find_element(By.ID, "player-state").text
        # The video element knows the recording's length.
        wait.until(lambda d: _js(d, "document.getElementById('recording').readyState") >= 1)
        duration = _js(driver, "document.getElementById('recording').duration")
        print(f"\nrecording duration in Chromium: {duration:.2f} s (streamed ~{STREAM_S:.0f} s)")
        assert 0 < duration < 1000 and duration == pytest.approx(STREAM_S, abs=4.0)
        status, data = server.request("GET", f"/api/rooms/{room_id}/replay", token=room_token(report_url))
        assert status == 200
        # The recording runs on the interview's clock (second 0 = its start), the same clock as the timelines.
        assert duration == pytest.approx(data["duration_s"], abs=1.5), data["duration_s"]
        charts = _js(driver, "document.querySelectorAll('.chart .u-over').length")
        assert charts >= 2
        # The charts span the interview; the recording's length takes over when it is the longer by > 0.5 s.
        span = duration if duration > data["duration_s"] + 0.5 else data["duration_s"]
        # The bot's camera clip has stretches without a face, and its speech is recognised.
        assert data["flags"] and data["transcript"], (data["flags"], data["transcript"])

        def video_t() -> float:
            return _js(driver, "document.getElementById('recording').currentTime")

        def cursor() -> tuple[float, float]:
            t, x = _js(driver, "(({t, x}) => [t, x])(document.querySelector('.replay-cursor').dataset)")
            return float(t), float(x)

        def settled(target: float) -> bool:
            return (
                abs(video_t() - target) < 0.3 and _js(driver, "document.getElementById('recording').seeking") is False
            )

        # A flagged moment or the marked question: selecting it plays from its start.
        question_start = data["questions"][0]["start"]
        driver.find_element(By.CSS_SELECTOR, "#questions .moments__seek").click()
        wait.until(lambda d: settled(question_start))
        t, x = cursor()
        assert t == pytest.approx(question_start, abs=0.3)
        # The cursor stands where that time is on the chart's x axis.
        plot_width = _js(driver, "document.querySelector('.chart .u-over').clientWidth")
        assert x / plot_width == pytest.approx(question_start / span, abs=0.03)
        assert _js(driver, "document.querySelector('#questions [aria-current=\"true\"]') !== null")
        # So does an interviewer's note, at the moment it was written.
        driver.find_element(By.CSS_SELECTOR, "#notes .moments__seek").click()
        wait.until(lambda d: settled(data["notes"][0]["t"]))

        first = driver.find_element(By.CSS_SELECTOR, "#flags .moments__seek")
        target = min(data["flags"][0]["start"], duration - 0.1)
        first.click()
        wait.until(lambda d: settled(target))
        assert _js(driver, "document.querySelector('#flags [aria-current=\"true\"]') !== null")

        # A transcript line seeks the same way, and is marked as the line being played.
        line = driver.find_elements(By.CSS_SELECTOR, "#transcript .transcript__seek")[-1]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", line)
        line.click()
        wait.until(lambda d: settled(data["transcript"][-1]["start"]))
        current = "document.querySelector('#transcript [aria-current=\"true\"] button').dataset.index"
        assert int(_js(driver, current)) == len(data["transcript"]) - 1
        # The transcript scrolls with playback: made short enough to scroll, it follows the video to each line.
        lines = data["transcript"]
        assert len(lines) >= 2, lines
        driver.execute_script("document.getElementById('transcript').style.maxHeight = '3em'")
        scroll_top = "document.getElementById('transcript').scrollTop"
        for index in (0, len(lines) - 1, 0):
            driver.execute_script(f"document.getElementById('recording').currentTime = {lines[index]['start'] + 0.05}")
            wait.until(lambda d, index=index: int(_js(d, current)) == index)
            wait.until(lambda d, index=index: (_js(d, scroll_top) > 0) == (index > 0))

        # An interviewer corrects a line: the replay marks it, and the rebuilt report uses the corrected text
        # while keeping what was recognized. (The report link above is read-only: it corrects nothing.)
        interviewer = room_token(recorded_room["interviewer_url"])
        driver.get(server.base_url + f"/rooms/{room_id}/replay?token={interviewer}")
        wait.until(lambda d: _js(d, "window.__replay && window.__replay.data") == "ready")
        wait.until(lambda d: _js(d, "document.querySelectorAll('#transcript .transcript__edit').length") > 0)
        driver.execute_script("document.getElementById('transcript').style.maxHeight = ''")
        edit = driver.find_elements(By.CSS_SELECTOR, "#transcript .transcript__edit")[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", edit)
        edit.click()
        box = driver.find_element(By.CSS_SELECTOR, "#transcript .transcript__editor textarea")
        box.clear()
        box.send_keys("Corrected by the interviewer.")
        driver.find_element(By.CSS_SELECTOR, "#transcript .transcript__editor button[type=submit]").click()
        wait.until(lambda d: _js(d, "!document.querySelector('#transcript .transcript__corrected').hidden"))
        status, report = server.request("GET", f"/api/rooms/{room_id}/report", token=room_token(report_url))
        assert status == 200
        first = report["transcript"]["lines"][0]
        assert first["text"] == "Corrected by the interviewer." and first["corrected"], first
        assert first["original"] == lines[0]["text"]

        # A click on a chart seeks to the time under the pointer: here three quarters of the way along.
        over = driver.find_element(By.CSS_SELECTOR, "#chart-face .u-over")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", over)
        width = over.size["width"]
        ActionChains(driver).move_to_element_with_offset(over, int(width * 0.75) - width // 2, 0).click().perform()
        expected = 0.75 * span
        wait.until(lambda d: abs(video_t() - min(expected, duration - 0.05)) < 0.6)

        # Playing moves the cursor with the video.
        driver.execute_script(
            "const v = document.getElementById('recording'); v.muted = true; v.currentTime = 1; v.play();"
        )
        wait.until(lambda d: video_t() > 2.0)
        t, _ = cursor()
        assert t == pytest.approx(video_t(), abs=0.5)
        driver.execute_script("document.getElementById('recording').pause()")

        # A phone screen: everything stacks, nothing scrolls sideways.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
        )
        driver.refresh()
        wait.until(lambda d: _js(d, "window.__replay && window.__replay.data") == "ready")
        wait.until(lambda d: _js(d, "document.getElementById('recording').readyState") >= 1)
        assert _js(driver, "window.innerWidth") == 390
        overflow = _js(driver, "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, overflow
        widest_chart = _js(
            driver,
            "Math.max(...[...document.querySelectorAll('.chart canvas')].map((c) => c.getBoundingClientRect().right))",
        )
        assert widest_chart <= 390
        video_box = _js(driver, "document.getElementById('recording').getBoundingClientRect().toJSON()")
        assert video_box["width"] > 300 and video_box["top"] < 844  # the video comes first, full width
        question = driver.find_element(By.CSS_SELECTOR, "#questions .moments__seek")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", question)
        question.click()
        wait.until(lambda d: settled(question_start))

        # An interview ended before any media came has no recording: the page says so and still opens.
        empty = server.create_room(title="No media")
        assert (
            server.request("POST", f"/api/rooms/{empty['id']}/end", token=room_token(empty["interviewer_url"]))[0]
            == 200
        )
        driver.get(server.base_url + empty["interviewer_url"].replace("/dashboard", "/replay"))
        wait.until(lambda d: _js(d, "window.__replay && window.__replay.data") == "ready")
        wait.until(lambda d: _js(d, "window.__replay.player") == "missing")
        assert "no recording" in driver.find_element(By.ID, "player-state").text.lower()
    print(f"replay in Chromium: {time.monotonic() - started:.1f} s")
