"""Integrity signals end to end in a real headless Chromium: the candidate switches to another tab during a one-way
answer, and HR finds `tab_hidden` with its length in the report (events and Integrity section) and the replay."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium, join_interview
from tests.support.media_fixtures import CameraClip, SpeechClip
from tests.support.server_process import RunningServer, room_token, start_server, stop_server

pytestmark = pytest.mark.browser
SCALE = 0.1  # think 30 s -> 3 s, answer 150 s -> 15 s
TEMPLATE = {"title": "Analyst", "questions": [{"text": "Tell us about a dataset you cleaned.", "answer_s": 150}]}
HIDDEN_S = 2.5


def _wait(driver, condition: str, timeout: float = 30.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(f"return {condition};"))


@pytest.fixture(scope="module")
def integrity_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("integrity") / "data", "--script-time-scale", str(SCALE), "--no-transcript"
    )
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()


def test_hiding_the_page_during_an_answer_is_reported(
    integrity_server: RunningServer, camera_clip: CameraClip, speech_clip: SpeechClip
) -> None:
    server = integrity_server
    status, template = server.request("POST", "/api/templates", {**TEMPLATE, "practice": None})
    assert status == 201, template
    status, room = server.request(
        "POST", "/api/rooms", {"candidate_name": "Ada", "template_id": template["id"], "mode": "one_way"}
    )
    assert status == 201, room
    room_id, hr = room["id"], room_token(room["interviewer_url"])

    with chromium(camera_clip.y4m, speech_clip.wav) as driver:
        driver.get(server.base_url + room["candidate_url"])
        consent = driver.find_element(By.ID, "consent").text
        assert "hidden or out of focus" in consent  # the consent names the signals that are on
        join_interview(driver)
        _wait(driver, "window.__oneWay && window.__oneWay.check && window.__oneWay.check.ok", timeout=40)
        _wait(driver, "!document.getElementById('ow-start').disabled")
        driver.find_element(By.ID, "ow-start").click()
        _wait(driver, "window.__interview.state === 'connected'")
        _wait(driver, "!document.getElementById('ow-answer').hidden")
        driver.find_element(By.ID, "ow-answer").click()
        _wait(driver, "window.__oneWay.phase === 'answer'")
        time.sleep(1.0)
        # The candidate opens another tab, stays there, and comes back.
        interview_tab = driver.current_window_handle
        driver.switch_to.new_window("tab")
        assert _wait(driver, "true")
        time.sleep(HIDDEN_S)
        driver.close()
        driver.switch_to.window(interview_tab)
        _wait(driver, "document.visibilityState === 'visible'")
        time.sleep(2.5)  # the page reports within its flush interval
        _wait(driver, "!document.getElementById('ow-finish').hidden")
        driver.find_element(By.ID, "ow-finish").click()
        _wait(driver, "!document.getElementById('ow-done').hidden", timeout=20)
        report, _ = server.wait_for_report(room_id, hr, timeout_s=30)

        hidden = [e for e in report["events"] if e["name"] == "tab_hidden"]
        assert len(hidden) == 1, report["events"]
        assert HIDDEN_S - 0.5 <= hidden[0]["value"] <= HIDDEN_S + 3.0, hidden
        answer = report["questions"][0]
        assert answer["start_t"] <= hidden[0]["t"] <= answer["end_t"], (hidden, answer)
        signal = next(s for s in report["integrity"]["signals"] if s["name"] == "tab_hidden")
        assert signal["enabled"] and signal["count"] == 1 and signal["false_positive_rate"]
        assert all(e["name"] != "window_blur" for e in report["events"])  # a hidden page is not also a blur

        # The replay lists it as a flagged moment with its span, and seeks there from the report's link.
        status, replay = server.request("GET", f"/api/rooms/{room_id}/replay", token=hr)
        flag = next(f for f in replay["flags"] if f["kind"] == "tab_hidden")
        assert flag["start"] == pytest.approx(hidden[0]["t"], abs=0.01)
        assert flag["end"] - flag["start"] == pytest.approx(hidden[0]["value"], abs=0.05)
        driver.get(f"{server.base_url}/rooms/{room_id}/report?token={hr}")
        # One wording for the event everywhere (the catalogue's): the report's event list says what the replay says.
        assert "Interview page hidden for" in driver.page_source
        link = driver.find_element(By.CSS_SELECTOR, "#integrity-moments li[data-signal='tab_hidden'] a")
        link.click()
        _wait(driver, "document.getElementById('flags') && document.getElementById('flags').children.length > 0")
        texts = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#flags li")]
        assert any("Interview page hidden for" in text for text in texts), texts
