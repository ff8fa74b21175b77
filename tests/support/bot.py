"""A candidate without a browser: an aiortc peer playing a media file, as integrations and load tests use."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer


async def negotiate(session: aiohttp.ClientSession, url: str, pc: RTCPeerConnection) -> int:
    """Non-trickle offer/answer over the REST endpoint; returns the HTTP status."""
    await pc.setLocalDescription(await pc.createOffer())
    async with session.post(url, json={"sdp": pc.localDescription.sdp, "type": "offer"}) as response:
        body = await response.json()
        if response.status == 200:
            await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], body["type"]))
        return response.status


@asynccontextmanager
async def candidate_bot(
    base_url: str, offer_path: str, media: Path, video_codec: str | None = None, passthrough: bool = False
) -> AsyncIterator[RTCPeerConnection]:
    """A connected candidate peer; `video_codec` ("video/H264", "video/VP8") limits what it offers.

    `passthrough` sends the file's own VP8/Opus packets without decoding and re-encoding them, so a load test
    can run many bots on the machine it measures. aiortc cannot loop such a file (timestamps would restart),
    so it must last as long as the run.
    """
    player = MediaPlayer(str(media), loop=not passthrough, decode=not passthrough)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    for track in (player.audio, player.video):
        if track is not None:
            pc.addTrack(track)
    if video_codec is not None:
        codecs = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType in (video_codec, "video/rtx")]
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "video":
                transceiver.setCodecPreferences(codecs)
    try:
        async with aiohttp.ClientSession(base_url) as session:
            status = await negotiate(session, offer_path, pc)
            assert status == 200, status
        yield pc
    finally:
        await pc.close()
        for track in (player.audio, player.video):
            if track is not None:
                track.stop()


async def collect_observations(session: aiohttp.ClientSession, ws_path: str, seconds: float) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    async with session.ws_connect(ws_path) as ws:
        try:
            async with asyncio.timeout(seconds):
                async for message in ws:
                    received.append(json.loads(message.data))
        except TimeoutError:
            pass
    return received
