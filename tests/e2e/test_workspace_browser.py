"""The HR workspace in a real headless Chromium, the issue's main flow (issue 15).

`run.py create-admin` makes the first admin; in the browser the admin creates two branches, an HR person and an
interviewer (each sets a password through their one-time link); HR creates a position from a headquarters
template, uploads a CSV of 50 candidates (3 bad rows reported), opens the board; a bot candidate completes its
one-way interview and the board shows its scores; HR compares two candidates, advances one to the live round and
assigns the interviewer, who sees it under "My interviews".
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.bot import candidate_bot
from tests.support.browser import chromium
from tests.support.server_process import ROOT, RunningServer, start_server, stop_server

pytestmark = pytest.mark.browser
ADMIN_EMAIL, ADMIN_PASSWORD = "boss@example.com", "the boss's long password"
HR_EMAIL, INTERVIEWER_EMAIL, PASSWORD = "hr@example.com", "int@example.com", "a long enough password"
TEMPLATE = {
    "title": "Store manager screening",
    "practice": None,
    "questions": [{"text": "Tell us about a busy day you handled.", "think_s": 20, "answer_s": 80}],
    "rules": [{"when": "overall >= 0", "then": "advance"}],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("workspace") / "data"
    created = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "create-admin", ADMIN_EMAIL, "--data-dir", str(data_dir)],
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    running = start_server(data_dir, "--script-time-scale", "0.1")
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()


def _wait(driver: WebDriver, script: str, timeout: float = 20.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(f"return {script};"))


def _text(driver: WebDriver, element_id: str, contains: str, timeout: float = 20.0) -> None:
    WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: contains in d.find_element(By.ID, element_id).text
    )


def _fill(driver: WebDriver, values: dict[str, str]) -> None:
    for element_id, value in values.items():
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)


def _sign_in(driver: WebDriver, base: str, email: str, password: str) -> None:
    driver.get(base + "/login")
    _fill(driver, {"email": email, "password": password})
    driver.find_element(By.ID, "sign-in").click()
    _wait(driver, "location.pathname.startsWith('/workspace')")


def _set_password(driver: WebDriver, base: str, link: str) -> None:
    driver.get(base + urlparse(link).path)
    _fill(driver, {"password": PASSWORD, "repeat": PASSWORD})
    driver.find_element(By.ID, "set-password").click()
    _wait(driver, "location.pathname === '/login'")


def _add_person(driver: WebDriver, name: str, email: str, branch: str, role: str) -> str:
    _fill(driver, {"person-name": name, "person-email": email})
    Select(driver.find_element(By.ID, "person-branch")).select_by_visible_text(branch)
    Select(driver.find_element(By.ID, "person-role")).select_by_value(role)
    driver.find_element(By.ID, "add-person").click()
    _text(driver, "people-message", email)
    return driver.find_element(By.ID, "reset-link").get_attribute("value")


def _candidates_csv(path: Path) -> Path:
    rows = ["name,email,phone,timezone"]
    rows += [f"Candidate {i:02d},c{i}@example.com,+86 138 0000 {i:04d},Asia/Shanghai" for i in range(47)]
    rows += [",nameless@example.com,,", "Bad Zone,bz@example.com,,Mars/Base", "Twin,c1@example.com,,"]
    path.write_text("\n".join(rows) + "\n")
    return path


async def _one_way_bot(base: str, candidate_url: str, media: Path) -> None:
    """The candidate: connects camera and microphone, starts the question, lets the server's clock run out."""
    room = urlparse(candidate_url).path.split("/")[2]
    token = parse_qs(urlparse(candidate_url).query)["token"][0]
    async with candidate_bot(base, f"/api/rooms/{room}/offer?token={token}", media):
        async with aiohttp.ClientSession(base) as session:
            script = f"/api/rooms/{room}/script?token={token}"
            deadline = time.monotonic() + 30
            while True:  # the offer is answered before ICE and DTLS are up: "start" waits for the media
                async with session.post(script, json={"action": "start"}) as response:
                    if response.status == 200:
                        break
                    assert response.status == 409 and time.monotonic() < deadline, await response.text()
                await asyncio.sleep(0.3)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                async with session.get(script) as response:
                    if (await response.json()).get("phase") == "done":
                        return
                await asyncio.sleep(0.5)
    raise AssertionError("the one-way interview did not finish")


def test_hr_workspace_from_sign_in_to_my_interviews(
    server: RunningServer, bot_media: Path, loopback_ice: None, tmp_path: Path
) -> None:
    base = server.base_url
    status, template = server.request("POST", "/api/templates", TEMPLATE)
    assert status == 201, template
    with chromium() as driver:
        # The admin: two branches, an HR person (Shanghai) and an interviewer (Beijing).
        _sign_in(driver, base, ADMIN_EMAIL, ADMIN_PASSWORD)
        driver.get(base + "/workspace/admin")
        for branch in ("Shanghai", "Beijing"):
            _wait(driver, "document.getElementById('organisation-name').value !== ''")
            _fill(driver, {"branch-name": branch})
            driver.find_element(By.ID, "add-branch").click()
            _text(driver, "branches", branch)
        hr_link = _add_person(driver, "Hu Rong", HR_EMAIL, "Shanghai", "hr")
        interviewer_link = _add_person(driver, "Iris Wang", INTERVIEWER_EMAIL, "Beijing", "interviewer")
        driver.find_element(By.ID, "sign-out").click()
        _wait(driver, "location.pathname === '/login'")
        _set_password(driver, base, hr_link)
        _set_password(driver, base, interviewer_link)

        # HR: a position from the headquarters template (round 1 one-way, round 2 live), its interviewer pool.
        _sign_in(driver, base, HR_EMAIL, PASSWORD)
        _wait(driver, "!document.getElementById('new-position-card').hidden")
        _wait(driver, "document.querySelectorAll('input[name=interviewer]').length === 1")
        _fill(driver, {"position-title": "Store manager"})
        Select(driver.find_element(By.ID, "round1-template")).select_by_value(template["id"])
        Select(driver.find_element(By.ID, "round1-mode")).select_by_value("one_way")
        Select(driver.find_element(By.ID, "round2-mode")).select_by_value("live")
        driver.find_element(By.CSS_SELECTOR, "input[name=interviewer]").click()
        driver.find_element(By.ID, "create-position").click()
        _wait(driver, "location.pathname.startsWith('/workspace/positions/')")

        # The CSV: 50 rows, 3 of them bad.
        driver.find_element(By.ID, "upload-file").send_keys(str(_candidates_csv(tmp_path / "candidates.csv")))
        driver.find_element(By.ID, "upload-submit").click()
        _text(driver, "invite-message", "47 invited, 3 rows need fixing")
        errors = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#invite-errors li")]
        assert [e.split(":")[0] for e in errors] == ["Row 49", "Row 50", "Row 51"], errors
        _text(driver, "page-info", "47 candidates")
        board_url = driver.current_url

        # One candidate takes the one-way interview (a new link from the candidate page, as HR sends it).
        driver.find_element(By.LINK_TEXT, "Candidate 00").click()
        _wait(driver, "document.getElementById('candidate-name').textContent === 'Candidate 00'")
        driver.find_element(By.ID, "resend").click()
        _wait(driver, "document.getElementById('invitation-link').value.includes('/join?token=')")
        candidate_url = driver.find_element(By.ID, "invitation-link").get_attribute("value")
        asyncio.run(_one_way_bot(base, candidate_url, bot_media))

        # The board shows the scores (it refreshes itself).
        driver.get(board_url)
        _wait(
            driver,
            "[...document.querySelectorAll('#board tbody tr[data-candidate]')].some(r => "
            "r.querySelector('th').textContent === 'Candidate 00' && "
            "/^[0-9]+$/.test(r.querySelector('.overall').textContent))",
            timeout=60,
        )
        scored = driver.find_element(By.XPATH, "//tr[th/a[text()='Candidate 00']]")
        assert scored.get_attribute("data-stage") == "completed"
        assert scored.find_element(By.LINK_TEXT, "Report").get_attribute("href")

        # Compare two candidates.
        for name in ("Candidate 00", "Candidate 01"):
            driver.find_element(By.XPATH, f"//tr[th/a[text()='{name}']]//input[@type='checkbox']").click()
        driver.find_element(By.ID, "compare").click()
        _wait(driver, "document.querySelectorAll('#compare thead th').length === 3")
        _text(driver, "compare", "Overall")

        # Advance Candidate 00 to the live round and assign the interviewer.
        driver.get(board_url)
        _wait(driver, "document.querySelectorAll('#board tbody tr[data-candidate]').length > 0")
        driver.find_element(By.LINK_TEXT, "Candidate 00").click()
        _wait(driver, "document.querySelectorAll('input[name=assign]').length === 1")
        driver.find_element(By.CSS_SELECTOR, "input[name=decision][value=advance]").click()
        _fill(driver, {"decision-note": "Calm and clear."})
        driver.find_element(By.ID, "decide").click()
        _text(driver, "decision-message", "Recorded: Advance")
        driver.find_element(By.ID, "next-round").click()
        _text(driver, "decision-message", "Round 2 created")
        _wait(driver, "document.querySelectorAll('#interviews tbody tr').length === 2")
        driver.execute_script(
            "const f = document.getElementById('schedule-at'); f.value = arguments[0];", "2030-03-01T10:00"
        )
        driver.find_element(By.CSS_SELECTOR, "input[name=assign]").click()
        driver.find_element(By.ID, "schedule-save").click()
        _text(driver, "schedule-message", "Saved")
        driver.find_element(By.ID, "sign-out").click()
        _wait(driver, "location.pathname === '/login'")

        # The interviewer sees it under "My interviews", with the dashboard link.
        _sign_in(driver, base, INTERVIEWER_EMAIL, PASSWORD)
        _wait(driver, "location.pathname === '/workspace/my-interviews'")
        _text(driver, "my-interviews", "Candidate 00")
        assert "Store manager" in driver.find_element(By.ID, "my-interviews").text
        assert "Lead interviewer" in driver.find_element(By.ID, "my-interviews").text
        driver.find_element(By.CSS_SELECTOR, "#my-interviews .dashboard-link").click()
        _wait(driver, "location.pathname.endsWith('/dashboard') && location.search.startsWith('?token=')")
        driver.back()
        # On a phone: the page does not scroll sideways (a wide table scrolls inside its own box).
        driver.set_window_size(390, 844)
        driver.refresh()
        _text(driver, "my-interviews", "Candidate 00")
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
