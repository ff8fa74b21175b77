"""The app built in process (aiohttp_client): real routes, store and auth; no model loads, no subprocess."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from tests.support.app import Api, api_settings, build_app
from tests.support.auth import ADMIN_TOKEN
from tests.support.fakes import no_models

__all__ = ["admin", "api_settings", "no_models"]

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def api(aiohttp_client: ClientFactory, tmp_path: Path) -> Api:
    """The app with fake analyzers, called like an integrator calls it (tests/support/app.py)."""
    data_dir = tmp_path / "data"
    return Api(await aiohttp_client(build_app(data_dir)), data_dir)


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
