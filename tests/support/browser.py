"""Headless Chromium (Debian's package) driven by selenium with Debian's chromedriver: never a downloaded browser."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def join_interview(driver: webdriver.Chrome, analysis: bool = True) -> None:
    """The candidate's two choices: the analysis (a separate consent), then joining the call."""
    driver.find_element(By.ID, "analysis-yes" if analysis else "analysis-no").click()
    driver.find_element(By.ID, "join").click()


@contextmanager
def chromium(
    camera_y4m: Path | None = None,
    microphone_wav: Path | None = None,
    extra_flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[webdriver.Chrome]:
    """`extra_flags` are added to Chromium's; `env` replaces the environment of chromedriver and the browser."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        # Without it Chromium gathers no ICE candidate where loopback is the only interface.
        "--allow-loopback-in-peer-connection",
        # Background tabs must keep their timers and sockets running like a visible dashboard would.
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
    ):
        options.add_argument(flag)
    if camera_y4m is not None:
        options.add_argument(f"--use-file-for-fake-video-capture={camera_y4m}")
    if microphone_wav is not None:
        options.add_argument(f"--use-file-for-fake-audio-capture={microphone_wav}")
    for flag in extra_flags:
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, env=dict(env) if env is not None else None)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
