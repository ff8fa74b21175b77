"""Issue 14, finding 1 end to end: a hostile peer with three 320x240 video tracks used to be accepted; every
track was decoded and queued without bound (server memory 419 -> 688 MiB in 30 s, still growing). Now its offers
are refused before aiortc parses them, and the server's memory stays flat while it keeps trying for 30 s."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, VideoStreamTrack

from tests.support.bot import negotiate
from tests.support.server_process import RunningServer, room_token

pytestmark = pytest.mark.usefixtures("loopback_ice")
ATTACK_S = 30.0


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_memory_stays_flat_while_a_peer_sends_three_video_tracks(server: RunningServer) -> None:
    room = server.create_room(title="hostile")
    offer_url = f"{server.base_url}/api/rooms/{room['id']}/offer?token={room_token(room['candidate_url'])}"
    pid = server.process.pid
    samples: list[float] = []
    statuses: list[int] = []
    health_s: list[float] = []
    async with aiohttp.ClientSession() as http:
        started = time.monotonic()
        while time.monotonic() - started < ATTACK_S:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            for _ in range(3):
                pc.addTrack(VideoStreamTrack())  # aiortc's 640x480 test pattern, three times
            statuses.append(await negotiate(http, offer_url, pc))
            await pc.close()
            probe = time.perf_counter()
            async with http.get(f"{server.base_url}/healthz") as response:
                assert response.status == 200
            health_s.append(time.perf_counter() - probe)
            samples.append(_rss_mib(pid))
            await asyncio.sleep(1.0)
    print(
        f"\n[hostile peer] {len(statuses)} offers with 3 video tracks in {ATTACK_S:.0f} s: statuses {set(statuses)}; "
        f"server RSS {samples[0]:.0f} -> {samples[-1]:.0f} MiB (max {max(samples):.0f}); "
        f"/healthz worst {max(health_s) * 1000:.0f} ms"
    )
    # Refused as a 4xx: 400 for the shape, 429 once the room's offer budget is spent.
    assert set(statuses) <= {400, 429} and 400 in statuses
    assert max(samples) - samples[0] < 30.0, samples
    assert max(health_s) < 0.5
    status, body = server.request("GET", f"/api/rooms/{room['id']}")
    assert status == 200 and body["status"] == "waiting"  # nothing was started by the hostile peer
