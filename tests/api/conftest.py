"""The app built in process (aiohttp_client): no model loads, no subprocess, seconds per test module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from realtime.engine import AnalysisEngine
from server.app import create_app
from server.settings import Settings
from tests.conftest import ADMIN_TOKEN

ClientFactory = Callable[..., Awaitable[TestClient]]


def no_models(settings: Settings) -> AnalysisEngine:
    """An engine with no analyzers: the API, tokens and storage are real; nothing is loaded."""
    return AnalysisEngine(video_analyzers=[], audio_analyzers=[], threads=1)


def api_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"admin_token": ADMIN_TOKEN, "transcript": False, "recording": False, **overrides}
    return Settings(data_dir=data_dir, **values)  # type: ignore[arg-type]


@pytest.fixture
async def make_client(aiohttp_client: ClientFactory, tmp_path: Path) -> ClientFactory:
    async def make(**overrides: object) -> TestClient:
        return await aiohttp_client(create_app(api_settings(tmp_path / "data", **overrides), no_models))

    return make


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient:
    return await make_client()


def admin(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
