"""Admission control and the metrics endpoint, against the real server with a capacity of one interview."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from realtime.ice import restricted_host_addresses
from tests.support.bot import candidate_bot, collect_observations
from tests.support.server_process import ADMIN_TOKEN, ROOT, RunningServer, room_token, start_server, stop_server


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(tmp_path_factory.mktemp("capacity") / "data", "--max-interviews", "1")
    yield server
    stop_server(server)


async def test_a_full_node_turns_new_interviews_away_but_lets_reconnects_in(
    small_server: RunningServer, bot_media: Path
) -> None:
    first, second = small_server.create_room(title="first"), small_server.create_room(title="second")
    first_offer = f"/api/rooms/{first['id']}/offer?token={room_token(first['candidate_url'])}"
    second_offer = f"/api/rooms/{second['id']}/offer?token={room_token(second['candidate_url'])}"
    with restricted_host_addresses(["127.0.0.1"]):
        async with candidate_bot(small_server.base_url, first_offer, bot_media):
            async with aiohttp.ClientSession(small_server.base_url) as http:
                await collect_observations(
                    http, f"/api/rooms/{first['id']}/live?token={room_token(first['interviewer_url'])}", 2
                )
                pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
                pc.addTransceiver("video", direction="sendonly")
                await pc.setLocalDescription(await pc.createOffer())
                async with http.post(second_offer, json={"sdp": pc.localDescription.sdp, "type": "offer"}) as response:
                    assert response.status == 503
                    assert int(response.headers["Retry-After"]) > 0
                    assert "capacity" in (await response.json())["error"]
                await pc.close()

                metrics = await (await http.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})).text()
            # The candidate of the admitted interview reconnects: it is let back in.
            async with candidate_bot(small_server.base_url, first_offer, bot_media):
                pass

    for name in (
        "interview_active 1.0",
        "interview_capacity 1.0",
        f'interview_analyzed_fps{{room="{first["id"]}"}}',
        f'interview_lane_lag_seconds{{lane="video",room="{first["id"]}"}}',
        f'interview_frames_dropped_total{{room="{first["id"]}"}}',
        "interview_event_loop_lag_seconds",
        "interview_observation_latency_seconds_bucket",
        "process_cpu_seconds_total",
    ):
        assert name in metrics, name
    assert small_server.request("GET", f"/api/rooms/{second['id']}")[1]["status"] == "waiting"


def test_load_harness_runs() -> None:
    """bench/load.py keeps working: one passthrough bot for a few seconds yields a full result row."""
    import subprocess
    import sys

    root = ROOT
    result = subprocess.run(
        [
            sys.executable,
            str(root / "bench" / "load.py"),
            "--candidates",
            "1",
            "--seconds",
            "4",
            "--warmup",
            "2",
            "--no-floor",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith(" 1 ")]
    assert rows, result.stdout
    fps_min = float(rows[0].split()[5].split("/")[0])  # columns: N cpu cpu/stream ratio MB fps ...
    assert fps_min >= 5, rows[0]
