"""The real server started as a process on loopback, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server_process import RunningServer, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server") / "data")
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()
