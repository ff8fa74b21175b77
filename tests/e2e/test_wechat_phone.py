"""The candidate's path on a phone inside WeChat, in Chinese: headless Chromium with WeChat's user agent, a 390x844
portrait viewport and a Chinese browser, through a live interview (analysis declined: the interview still runs,
nothing is analysed or recorded, the report says so) and a one-way interview (analysis accepted). Each step is
screenshotted and checked for horizontal overflow."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium
from tests.support.media_fixtures import CameraClip, SpeechClip
from tests.support.server_process import RunningServer, room_token, start_server, stop_server

pytestmark = pytest.mark.browser
# WeChat 8.0.47 on Android (its in-app browser is Chromium-based: XWEB).
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2219A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2585 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
SCALE = 0.05  # one-way countdowns: think 30 s -> 1.5 s, answer 120 s -> 6 s


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("wechat") / "data", "--script-time-scale", str(SCALE))
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()


def _js(driver, script: str):
    return driver.execute_script(f"return {script};")


def _wait(driver, condition: str, timeout: float = 30.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: _js(d, condition))


def _as_wechat_phone(driver) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    driver.execute_cdp_cmd(
        "Network.setUserAgentOverride",
        {"userAgent": WECHAT_UA, "acceptLanguage": "zh-CN,zh;q=0.9", "platform": "Linux"},
    )


class Steps:
    """Screenshots of each step, each checked for content wider than the phone's screen."""

    def __init__(self, driver, folder: Path) -> None:
        self.driver = driver
        self.folder = folder
        self.taken: list[Path] = []

    def shot(self, name: str) -> None:
        width, inner = _js(self.driver, "[document.documentElement.scrollWidth, window.innerWidth]")
        assert inner == PHONE["width"], inner
        assert width <= inner, f"{name}: the page is {width} px wide on a {inner} px screen"
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        assert path.stat().st_size > 5000, path  # a real picture, not an empty frame
        self.taken.append(path)


def _click(driver, element_id: str) -> None:
    ready = f"(() => {{ const b = document.getElementById('{element_id}'); return b && !b.hidden && !b.disabled; }})()"
    _wait(driver, ready)
    driver.find_element(By.ID, element_id).click()


def test_live_interview_in_wechat_with_analysis_declined(
    server: RunningServer, camera_clip: CameraClip, speech_clip: SpeechClip, tmp_path: Path
) -> None:
    status, room = server.request(
        "POST", "/api/rooms", {"title": "门店经理", "candidate_name": "李娜", "language": "zh"}
    )
    assert status == 201, room
    room_id, lead = room["id"], room_token(room["interviewer_url"])
    with chromium(camera_clip.y4m, speech_clip.wav) as driver:
        _as_wechat_phone(driver)
        steps = Steps(driver, tmp_path)
        driver.get(server.base_url + room["candidate_url"])
        assert _js(driver, "document.documentElement.lang") == "zh-CN"
        consent = driver.find_element(By.ID, "consent").text
        assert "对您面部和声音的分析（敏感个人信息）" in consent and "加入面试" in consent
        assert not driver.find_element(By.ID, "join").is_enabled()  # the analysis is chosen first, separately
        steps.shot("consent")
        driver.find_element(By.ID, "analysis-no").click()
        steps.shot("declined")
        driver.find_element(By.ID, "join").click()
        _wait(driver, "window.__interview && window.__interview.state === 'connected'", timeout=40)
        assert "已连接" in driver.find_element(By.ID, "status").text
        steps.shot("joined")

        # The interviewer asks and the candidate answers (the fake microphone speaks); then the lead ends.
        for name in ("question_start", "question_end"):
            status, body = server.request("POST", f"/api/rooms/{room_id}/marks", {"name": name}, token=lead)
            assert status == 201, body
            time.sleep(1.0)
        time.sleep(3.0)
        steps.shot("answering")
        status, body = server.request("POST", f"/api/rooms/{room_id}/end", token=lead)
        assert status == 200, body
        _wait(driver, "window.__interview.state === 'ended'", timeout=20)
        assert "面试已结束" in driver.find_element(By.ID, "status").text
        steps.shot("ended")

        report, _ = server.wait_for_report(room_id, lead)
        assert report["consent"]["analysis"] is False
        assert report["consent"]["records"][0]["language"] == "zh-CN"
        # Nothing was analysed: no face, voice or transcript measure has a value; the media still flowed.
        assert all(m["value"] is None for m in report["metrics"].values()), report["metrics"]
        status, _ = server.request("GET", f"/api/rooms/{room_id}/recording", token=lead)
        assert status == 404  # nothing recorded
        driver.get(f"{server.base_url}/rooms/{room_id}/report?token={lead}&lang=zh-CN")
        assert "已拒绝分析" in driver.find_element(By.ID, "analysis-declined").text
    assert len(steps.taken) == 5


def test_one_way_interview_in_wechat_in_chinese(
    server: RunningServer, camera_clip: CameraClip, speech_clip: SpeechClip, tmp_path: Path
) -> None:
    question = {"text": "请介绍一次您解决客户问题的经历。", "think_s": 30, "answer_s": 120}
    template = {"title": "客服专员", "questions": [question]}
    status, created = server.request("POST", "/api/templates", {**template, "practice": None})
    assert status == 201, created
    status, room = server.request(
        "POST",
        "/api/rooms",
        {"candidate_name": "王芳", "template_id": created["id"], "mode": "one_way", "language": "zh"},
    )
    assert status == 201, room
    room_id, hr = room["id"], room_token(room["interviewer_url"])
    with chromium(camera_clip.y4m, speech_clip.wav) as driver:
        _as_wechat_phone(driver)
        steps = Steps(driver, tmp_path)
        driver.get(server.base_url + room["candidate_url"])
        steps.shot("consent")
        driver.find_element(By.ID, "analysis-yes").click()
        driver.find_element(By.ID, "join").click()
        _wait(driver, "window.__oneWay && window.__oneWay.check && window.__oneWay.check.ok", timeout=40)
        assert "检测摄像头、麦克风和网络" in driver.find_element(By.ID, "ow-check").text
        steps.shot("device-check")
        _click(driver, "ow-start")
        _wait(driver, "window.__oneWay.phase === 'think'", timeout=40)
        assert driver.find_element(By.ID, "ow-progress").text == "第 1 题，共 1 题"
        assert driver.find_element(By.ID, "ow-question").text == template["questions"][0]["text"]
        steps.shot("question")
        _click(driver, "ow-answer")
        _wait(driver, "window.__oneWay.phase === 'answer'")
        assert "请开始回答" in driver.find_element(By.ID, "ow-phase").text
        time.sleep(2.0)
        steps.shot("answering")
        _click(driver, "ow-finish")
        _wait(driver, "!document.getElementById('ow-done').hidden", timeout=30)
        assert "您的回答已提交" in driver.find_element(By.ID, "ow-done").text
        steps.shot("done")
        report, _ = server.wait_for_report(room_id, hr, timeout_s=30)
        assert report["consent"]["analysis"] is True
        assert report["metrics"]["face_presence"]["value"] > 0  # analysed, as agreed
    assert len(steps.taken) == 5


def test_device_check_page_identifies_wechat(server: RunningServer, tmp_path: Path) -> None:
    room_spec = {"title": "门店经理", "candidate_name": "李娜", "language": "zh"}
    status, room = server.request("POST", "/api/rooms", room_spec)
    assert status == 201, room
    with chromium() as driver:
        _as_wechat_phone(driver)
        driver.get(f"{server.base_url}/rooms/{room['id']}/check?token={room_token(room['candidate_url'])}")
        _wait(driver, "window.__deviceCheck && window.__deviceCheck.results.network")
        assert _js(driver, "window.__deviceCheck.browser.name") == "wechat"
        assert "微信" in driver.find_element(By.ID, "check-browser").text
        assert "毫秒" in driver.find_element(By.ID, "check-network").text
        Steps(driver, tmp_path).shot("device-check-page")
