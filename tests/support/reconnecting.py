"""A candidate that reconnects like the page does, and a dashboard socket that records what it received when:
the tools of the fault-injection tests (a node killed, a media worker killed, Redis restarted)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaPlayer

from tests.support.bot import negotiate


@dataclass
class Watcher:
    """A dashboard's live socket on one node; every message with the wall-clock time it arrived."""

    received: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    reconnects: int = 0

    def after(self, wall: float, name: str = "face_present") -> list[dict[str, Any]]:
        return [m for at, m in self.received if at > wall and m["name"] == name]


@asynccontextmanager
async def watch(base_url: str, path: str) -> AsyncIterator[Watcher]:
    watcher = Watcher()

    async def run() -> None:
        async with aiohttp.ClientSession(base_url) as http:
            while True:
                with suppress(aiohttp.ClientError, OSError):
                    async with http.ws_connect(path) as ws:
                        async for message in ws:
                            watcher.received.append((time.time(), json.loads(message.data)))
                watcher.reconnects += 1
                await asyncio.sleep(0.5)

    task = asyncio.create_task(run())
    try:
        yield watcher
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class ReconnectingBot:
    """A candidate that, like the page, notices its node is gone and offers again through the next node.

    It checks its node every `probe_s` (the page learns the same from ICE going "disconnected", ~5 s in
    Chromium, plus its 3 s grace).
    """

    def __init__(
        self, media: Path, offer_path: str, status_path: str, probe_s: float = 1.0, video: bool = True
    ) -> None:
        self.media = media
        self.video = video
        self.offer_path = offer_path
        self.status_path = status_path
        self.probe_s = probe_s
        self.pc: RTCPeerConnection | None = None
        self.player: MediaPlayer | None = None

    async def connect(self, base_url: str) -> float:
        """Offer through `base_url`; returns when the answer arrived (wall clock)."""
        await self.close()
        self.player = MediaPlayer(str(self.media), loop=True)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        for track in (self.player.audio, self.player.video if self.video else None):
            if track is not None:
                self.pc.addTrack(track)
        async with aiohttp.ClientSession(base_url) as http:
            status = await negotiate(http, self.offer_path, self.pc)
        assert status == 200, status
        return time.time()

    async def wait_until_node_gone(self, base_url: str, timeout_s: float = 60) -> float:
        async with aiohttp.ClientSession(base_url, timeout=aiohttp.ClientTimeout(total=2)) as http:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                try:
                    async with http.get(self.status_path) as response:
                        await response.read()
                except (aiohttp.ClientError, OSError, TimeoutError):
                    return time.time()
                await asyncio.sleep(self.probe_s)
        raise AssertionError("the node never went away")

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        if self.player is not None:
            for track in (self.player.audio, self.player.video):
                if track is not None:
                    track.stop()
        self.pc = self.player = None


async def until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
