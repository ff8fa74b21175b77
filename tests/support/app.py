"""The application built in process for the API layer: the real routes, store and auth over aiohttp's test
client, with fake analyzers in place of the models (tests/support/fakes.py). No subprocess, no model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings
from tests.support.auth import ADMIN_TOKEN
from tests.support.fakes import fake_engine


def api_settings(data_dir: Path, **changes: Any) -> Settings:
    """Settings for an app under test: loopback ICE, no recording, no transcript children."""
    fields: dict[str, Any] = {
        "data_dir": data_dir,
        "admin_token": ADMIN_TOKEN,
        "ice_hosts": ("127.0.0.1",),
        "recording": False,
        "transcript": False,
        "analysis_threads": 1,
        "asr_processes": 1,
        "media_workers": 0,  # sessions in process: no worker processes in the API layer
    }
    return Settings(**{**fields, **changes})


def build_app(data_dir: Path, **changes: Any):  # -> web.Application
    return create_app(api_settings(data_dir, **changes), engine_factory=fake_engine)


@dataclass
class Api:
    """The app under test, called the way an integrator calls it: JSON in, (status, JSON or text) out."""

    client: TestClient
    data_dir: Path

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = ADMIN_TOKEN, raw: bytes | None = None
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self.client.request(method, path, data=data, headers=headers) as response:
            payload = await response.read()
            if response.content_type == "application/json":
                return response.status, json.loads(payload)
            return response.status, payload.decode(errors="replace")

    async def create_room(self, title: str = "Backend engineer", candidate_name: str = "Ada Lovelace") -> dict:
        status, room = await self.request("POST", "/api/rooms", {"title": title, "candidate_name": candidate_name})
        assert status == 201, room
        return room
