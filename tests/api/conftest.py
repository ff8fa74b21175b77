"""The application built in process for every test here: real routes, store and auth; fake analyzers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.app import Api, build_app


@pytest.fixture
async def api(aiohttp_client, tmp_path: Path) -> Api:
    data_dir = tmp_path / "data"
    return Api(await aiohttp_client(build_app(data_dir)), data_dir)
