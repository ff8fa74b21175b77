"""A one-way interview in a real headless Chromium, end to end: device check, practice, two questions with the
server's countdowns (shrunk by --script-time-scale), an early start, an early finish, a retake, a reload in the
middle that resumes at the current question with the clock still running, and a report segmented per question."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium, join_interview
from tests.support.media_fixtures import CameraClip, SpeechClip
from tests.support.server_process import ROOT, RunningServer, room_token, start_server, stop_server

pytestmark = pytest.mark.browser
SCALE = 0.1  # think 30 s -> 3 s, answer 120 s -> 12 s, practice 15/45 s -> 1.5/4.5 s
TEMPLATE = {
    "title": "Support engineer",
    "questions": [
        {"text": "Describe a hard problem you solved.", "think_s": 30, "answer_s": 120},
        {"text": "How would you explain latency to a customer?", "think_s": 30, "answer_s": 120, "retakes": 1},
    ],
    "rules": [{"when": "face_presence < 5 %", "then": "needs_review"}, {"when": "overall >= 0", "then": "advance"}],
}


def _js(driver, script: str):
    return driver.execute_script(f"return {script};")


def _wait(driver, condition: str, timeout: float = 30.0):
    """Wait until a JS expression is truthy; returns its value."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: _js(d, condition))


def _view(driver) -> dict:
    return _js(driver, "window.__oneWay && window.__oneWay.view") or {}


def _wait_step(driver, phase: str, index: int | None = None, timeout: float = 30.0) -> dict:
    condition = f"window.__oneWay && window.__oneWay.phase === '{phase}'"
    if index is not None:
        condition += f" && window.__oneWay.view.index === {index}"
    _wait(driver, condition, timeout)
    return _view(driver)


def _click(driver, element_id: str) -> None:
    _wait(
        driver,
        f"(() => {{ const b = document.getElementById('{element_id}'); return b && !b.hidden && !b.disabled; }})()",
    )
    driver.find_element(By.ID, element_id).click()


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("one-way") / "data", "--script-time-scale", str(SCALE))
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()


def test_one_way_interview_in_chromium(
    fast_server: RunningServer, camera_clip: CameraClip, speech_clip: SpeechClip
) -> None:
    began = time.monotonic()
    server = fast_server
    status, template = server.request("POST", "/api/templates", TEMPLATE)
    assert status == 201, template
    status, room = server.request(
        "POST", "/api/rooms", {"candidate_name": "Ada Lovelace", "template_id": template["id"], "mode": "one_way"}
    )
    assert status == 201, room
    room_id, interviewer = room["id"], room_token(room["interviewer_url"])
    timings: dict[str, float] = {}

    with chromium(camera_clip.y4m, speech_clip.wav) as driver:
        driver.get(server.base_url + room["candidate_url"])
        join_interview(driver)

        # Device check: a camera picture, a voice on the microphone, the server answering.
        check = _wait(driver, "window.__oneWay && window.__oneWay.check", timeout=40)
        assert check["ok"], check
        states = [
            driver.find_element(By.ID, f"ow-check-{n}").get_attribute("data-state")
            for n in ("camera", "microphone", "network")
        ]
        assert states == ["ok", "ok", "ok"]
        timings["device check"] = time.monotonic() - began

        # Practice: not scored, not even connected: the interview's timeline has not started.
        _click(driver, "ow-practice")
        practice = _wait_step(driver, "practice_think")
        assert practice["practice"] and practice["index"] is None
        assert driver.find_element(By.ID, "ow-progress").text == "Practice question"
        _wait_step(driver, "practice_answer")  # thinking time ran out on the server
        _click(driver, "ow-finish")
        _wait_step(driver, "intro")
        status, fetched = server.request("GET", f"/api/rooms/{room_id}")
        assert fetched["status"] == "waiting" and fetched["started_at"] is None

        # Question 1: the start connects camera and microphone, then the thinking countdown runs.
        _click(driver, "ow-start")
        think = _wait_step(driver, "think", 0)
        assert _js(driver, "window.__interview.state") == "connected"
        assert driver.find_element(By.ID, "ow-progress").text == "Question 1 of 2"
        assert driver.find_element(By.ID, "ow-question").text == TEMPLATE["questions"][0]["text"]
        first = _js(driver, "window.__oneWay.remaining")
        time.sleep(0.6)
        second = _js(driver, "window.__oneWay.remaining")
        assert 0 < second < first <= 30 * SCALE, (first, second)
        assert driver.find_element(By.ID, "ow-countdown").text.startswith("0:0")
        assert driver.find_element(By.ID, "ow-finish").get_attribute("hidden")  # no finishing while thinking
        answer = _wait_step(driver, "answer", 0, timeout=10)  # the server moved on by itself
        assert answer["seq"] > think["seq"]
        timings["question 1 answering"] = time.monotonic() - began

        # Reload in the middle of the answer: the same question and the same server deadline come back.
        time.sleep(2.0)
        driver.refresh()
        join_interview(driver)
        resumed = _wait(
            driver,
            "window.__oneWay && window.__oneWay.view && window.__oneWay.view.phase !== 'intro' && window.__oneWay.view",
            timeout=20,
        )
        assert (resumed["phase"], resumed["index"], resumed["deadline"]) == ("answer", 0, answer["deadline"]), resumed
        assert resumed["remaining_s"] < answer["remaining_s"] - 2.0  # time kept running through the reload
        assert driver.find_element(By.ID, "ow-check").get_attribute("hidden")  # no second device check
        _wait(driver, "window.__interview.state === 'connected'", timeout=20)
        timings["resumed after reload"] = time.monotonic() - began

        # Question 2: answered before thinking time is up, finished early, retaken, then kept by finishing.
        _wait_step(driver, "think", 1, timeout=20)  # question 1's answer time ran out
        assert driver.find_element(By.ID, "ow-progress").text == "Question 2 of 2"
        _click(driver, "ow-answer")
        _wait_step(driver, "answer", 1)
        assert driver.find_element(By.ID, "ow-take").text == "Take 1 of 2"
        time.sleep(4.0)
        _click(driver, "ow-finish")
        _wait_step(driver, "review", 1)
        _click(driver, "ow-retake")
        retake = _wait_step(driver, "think", 1)
        assert retake["take"] == 2
        _wait_step(driver, "answer", 1, timeout=10)
        time.sleep(4.0)
        _click(driver, "ow-finish")  # no retake left: the script is done and the interview ends
        _wait(driver, "!document.getElementById('ow-done').hidden", timeout=15)
        timings["script done"] = time.monotonic() - began
        report, report_wait_s = server.wait_for_report(room_id, interviewer, timeout_s=30)

    status, timeline = server.request("GET", f"/api/rooms/{room_id}/timeline", token=interviewer)
    markers = [
        (o["name"], o["detail"]["index"], o["detail"]["take"])
        for o in timeline["observations"]
        if o["type"] == "event" and (o.get("detail") or {}).get("mode") == "one_way"
    ]
    assert markers == [
        ("question_start", 0, 1),
        ("answer_start", 0, 1),
        ("question_end", 0, 1),
        ("question_start", 1, 1),
        ("answer_start", 1, 1),
        ("question_end", 1, 1),
        ("take_discarded", 1, 1),
        ("question_start", 1, 2),
        ("answer_start", 1, 2),
        ("question_end", 1, 2),
    ], markers
    # The per-question breakdown: both questions, each with its own span and measures.
    questions = report["questions"]
    assert {q["index"] for q in questions} == {0, 1}, questions
    for q in questions:
        assert q["text"] == TEMPLATE["questions"][q["index"]]["text"]
        assert q["end_t"] > q["start_t"]
        assert "face_presence" in q["metrics"]
    q1 = next(q for q in questions if q["index"] == 0)
    assert q1["metrics"]["face_presence"]["value"] is not None
    # The template's rules set the recommendation.
    assert report["outcome"]["rules_total"] == 2
    assert report["outcome"]["recommendation"] in ("advance", "needs_review")
    status, page = server.request("GET", f"/rooms/{room_id}/report?token={interviewer}", token=None)
    assert status == 200 and "Recommendation from the template" in page
    total = time.monotonic() - began
    print(f"\none-way interview in Chromium: {total:.1f} s in all; milestones {timings}; report {report_wait_s:.2f} s")
    spans = [(q["index"], q["start_t"], q["end_t"]) for q in questions]
    print(f"outcome {report['outcome']['recommendation']}; question spans {spans}")


def test_admin_page_creates_and_edits_a_template(fast_server: RunningServer) -> None:
    server = fast_server
    # Admin pages never take the admin token in their URL: an operator signs in (docs/security.md).
    email, password = "ops@example.com", "a long enough password"
    made = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "create-admin", email, "--data-dir", str(server.data_dir)],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert made.returncode in (0, 1), made.stderr  # 1: made by an earlier test on this server
    with chromium() as driver:
        driver.get(server.base_url + "/login?next=/admin/templates")
        driver.find_element(By.NAME, "email").send_keys(email)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.NAME, "password").submit()
        _wait(driver, "document.querySelector('.tpl-question') !== null")
        driver.find_element(By.ID, "tpl-title").send_keys("Data analyst")
        driver.find_element(By.CSS_SELECTOR, ".tpl-question .q-text").send_keys(
            "Walk us through a dashboard you built."
        )
        driver.find_element(By.ID, "tpl-add-question").click()
        driver.find_elements(By.CSS_SELECTOR, ".tpl-question .q-text")[1].send_keys("What would you measure first?")
        driver.find_element(By.ID, "tpl-rules").send_keys(
            "overall >= 75 -> advance\nface_presence < 70 % -> needs_review"
        )
        driver.find_element(By.ID, "tpl-save").click()
        _wait(driver, "document.getElementById('tpl-message').textContent.startsWith('Saved')")
        status, listed = server.request("GET", "/api/templates")
        made = next(t for t in listed["templates"] if t["title"] == "Data analyst")
        assert [q["text"] for q in made["questions"]] == [
            "Walk us through a dashboard you built.",
            "What would you measure first?",
        ]
        assert [(r["measure"], r["outcome"], r["percent"]) for r in made["rules"]] == [
            ("overall", "advance", False),
            ("face_presence", "needs_review", True),
        ]
        # The editor keeps the version it loaded: a save after it becomes version 2.
        title = driver.find_element(By.ID, "tpl-title")
        title.clear()
        title.send_keys("Data analyst (senior)")
        driver.find_element(By.ID, "tpl-save").click()
        _wait(driver, "document.getElementById('tpl-message').textContent.includes('version 2')")
        assert server.request("GET", f"/api/templates/{made['id']}")[1]["title"] == "Data analyst (senior)"
        # Bad input is shown, not lost.
        driver.find_element(By.ID, "tpl-rules").send_keys("\novrall is great -> advance")
        driver.find_element(By.ID, "tpl-save").click()
        _wait(driver, "document.getElementById('tpl-message').textContent.startsWith('Not saved')")
        assert "rules[2]" in driver.find_element(By.ID, "tpl-message").text
