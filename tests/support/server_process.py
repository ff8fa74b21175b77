"""The real server started as a process on loopback (the e2e layer), and the helpers its tests share."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.auth import ADMIN_TOKEN, room_token

ROOT = Path(__file__).resolve().parents[2]

TEST_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE"  # base64url of 32 bytes, tests only

__all__ = ["ADMIN_TOKEN", "ROOT", "RunningServer", "free_port", "room_token", "start_server", "stop_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = ADMIN_TOKEN, raw: bytes | None = None
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _decode(response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read(), error.headers.get_content_type())

    def create_room(self, title: str = "Backend engineer", candidate_name: str = "Ada Lovelace") -> dict[str, Any]:
        status, room = self.request("POST", "/api/rooms", {"title": title, "candidate_name": candidate_name})
        assert status == 201, room
        return room

    def wait_for_report(
        self, room_id: str, token: str, timeout_s: float = 15.0, complete: bool = True
    ) -> tuple[dict[str, Any], float]:
        """The report, and how long after the call it became ready. `complete`: the version with the whole
        transcript (the first may come while the last speech is still being decoded, then a rebuilt one)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            status, body = self.request("GET", f"/api/rooms/{room_id}/report", token=token)
            pending = status == 200 and (body.get("transcript") or {}).get("completion") == "pending"
            if status == 200 and not (complete and pending):
                return body, time.monotonic() - start
            assert status in (200, 202, 409), body
            time.sleep(0.1)
        raise AssertionError("report not ready in time")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _decode(payload: bytes, content_type: str) -> Any:
    return json.loads(payload) if content_type == "application/json" else payload.decode(errors="replace")


def start_server(data_dir: Path, *extra: str) -> RunningServer:
    port = free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    # One master key for every test server: nodes of a cluster must share it (docs/security.md).
    env = {
        **os.environ,
        "INTERVIEW_ADMIN_TOKEN": ADMIN_TOKEN,
        "INTERVIEW_MASTER_KEY": TEST_MASTER_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "run.py"),
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--ice-host",
            "127.0.0.1",
            # Stop at once on SIGTERM (tests/e2e/test_drain.py gives its own): no waiting for live interviews.
            "--drain-timeout",
            "0",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if server.request("GET", "/healthz", token=None)[0] == 200:
                return server
        except (ConnectionError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start:\n{server.log()}")


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
