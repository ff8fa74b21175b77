"""The live WebSocket: a room's observations, fanned out to each dashboard through its own bounded queue."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec
from aiohttp import WSCloseCode, WSMsgType, web

from rooms.bus import Subscription
from rooms.model import Observation, ObservationType
from server.auth import STAFF
from server.keys import BUS, INTERVIEWS, METRICS
from server.requests import authorize

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
_encode = msgspec.json.Encoder().encode


@routes.get("/api/rooms/{room_id}/live")
async def live(request: web.Request) -> web.WebSocketResponse:
    authorize(request, *STAFF)
    interviews = request.app[INTERVIEWS]
    room = await interviews.get(request.match_info["room_id"])

    ws = web.WebSocketResponse(heartbeat=20.0)
    await ws.prepare(request)
    # Subscribe before the snapshot so no change falls between the two.
    subscription = request.app[BUS].subscribe(room.id)
    observe = request.app[METRICS].observe_delivery
    sender = asyncio.create_task(_send(ws, subscription, interviews.status_snapshot(room), observe))
    try:
        async for message in ws:  # the dashboard sends nothing we act on; this notices it leaving
            if message.type == WSMsgType.ERROR:
                break
    finally:
        subscription.close()
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
    return ws


async def _send(
    ws: web.WebSocketResponse,
    subscription: Subscription,
    snapshot: list[Observation],
    observe: Callable[[str, float], None],  # (measure name, arrival -> sent seconds)
) -> None:
    try:
        for observation in snapshot:
            await _send_one(ws, observation)
        async for observation in subscription:
            if ws.closed:
                return
            sent_latency = await _send_one(ws, observation)
            if observation.type is ObservationType.METRIC:
                observe(observation.name, sent_latency)
    except (ConnectionResetError, asyncio.CancelledError):
        raise
    except Exception:
        # A dead sender would leave the dashboard connected but silent: close so it reconnects.
        log.exception("live sender failed")
        await ws.close(code=WSCloseCode.INTERNAL_ERROR)


async def _send_one(ws: web.WebSocketResponse, observation: Observation) -> float:
    """Send one observation as a text frame (a browser hands the page a string to JSON.parse); its latency."""
    now = time.time()
    await ws.send_str(_encode(observation.to_wire(now)).decode())
    return now - observation.arrival
