"""Fixtures every layer shares: known-truth media built by code, and loopback-only ICE.

Layers (see docs/architecture.md, "Tests"): tests/unit (pure), tests/api (the app in process, fake analyzers),
tests/media (real models and codecs in process), tests/e2e (server processes, bots, browsers, Redis).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.media_fixtures import CameraClip, SpeechClip, build_bot_clip, build_camera_clip, build_speech_clip

# Tests written before tests/support existed import these from here.
from tests.support.server_process import (  # noqa: F401
    ADMIN_TOKEN,
    ROOT,
    RunningServer,
    free_port,
    room_token,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def camera_clip(media_dir: Path) -> CameraClip:
    return build_camera_clip(media_dir)


@pytest.fixture(scope="session")
def speech_clip(media_dir: Path) -> SpeechClip:
    return build_speech_clip(media_dir)


@pytest.fixture(scope="session")
def bot_media(media_dir: Path, camera_clip: CameraClip, speech_clip: SpeechClip) -> Path:
    """The candidate bot's camera and microphone as one file (tests/support/bot.py plays it)."""
    return build_bot_clip(media_dir, camera_clip, speech_clip)


@pytest.fixture
def loopback_ice() -> Iterator[None]:
    """aiortc in the test process (bots, dashboards) offers 127.0.0.1 only, like the server under test."""
    from realtime.ice import restricted_host_addresses

    with restricted_host_addresses(["127.0.0.1"]):
        yield
