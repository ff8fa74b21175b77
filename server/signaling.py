"""The peer-to-peer call's signaling relay: WebSocket /api/rooms/{id}/signal, one per participant.

The candidate and the lead interviewer each open one; the server passes offer / answer / ICE messages between
them and tells each whether the other is present. Media then flows browser to browser (ICE with the same
servers the analysis connection uses: none by default, host candidates only). The candidate's separate stream to
the analysis server is untouched. Observers and HR watch through the server relay (POST /view) instead.

Close codes: 4000 = do not come back (replaced by a newer connection, or the interview ended); 1008 = too many
messages; 1009 = too large; 1001 = the server is restarting (reconnect).

Limits: messages are JSON objects of a known type, at most 64 KiB (an SDP with many candidates is ~10 KiB), and
each socket may send a burst of 60 then 10 per second; a client beyond that is disconnected (1008).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from rooms.errors import Conflict, InvalidInput
from rooms.model import Role, RoomStatus
from server.auth import require_lead
from server.keys import INTERVIEWS, SIGNALING
from server.requests import authorize
from server.safe_json import loads_limited
from server.signaling_hub import RateLimit, Seat, SignalingHub

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP_CHARS = 48 * 1024
MAX_CANDIDATE_CHARS = 1024
MESSAGE_TYPES = ("offer", "answer", "ice", "bye")
# Closed for good (a newer connection took the seat, or the interview ended): the page must not reconnect.
# 1001 (going away: a restart) and network drops are retried.
FINAL_CLOSE_CODE = 4000


def setup(app: web.Application) -> None:
    """Register the relay: its route, its hub on the app, and closing every socket on shutdown."""
    app[SIGNALING] = SignalingHub()
    app.add_routes(routes)
    app.on_shutdown.append(_close_all)


async def _close_all(app: web.Application) -> None:
    await app[SIGNALING].close()


class _SocketChannel:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            try:
                await self.ws.send_str(json.dumps(message, separators=(",", ":")))
            except ConnectionResetError:
                pass  # the socket's own loop notices and leaves

    async def close(self, reason: str, final: bool) -> None:
        if not self.ws.closed:
            code = FINAL_CLOSE_CODE if final else WSCloseCode.GOING_AWAY
            await self.ws.close(code=code, message=reason.encode()[:120])


def validate(message: Any) -> dict[str, Any] | None:
    """The message to relay, reduced to the fields we know, or None if it is not one we accept."""
    if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
        return None
    kind = message["type"]
    out: dict[str, Any] = {"type": kind}
    call = message.get("call")
    if call is not None:
        # The interviewer numbers each call attempt; stale answers and candidates from older attempts are dropped.
        if not isinstance(call, int) or isinstance(call, bool) or not 0 <= call < 2**31:
            return None
        out["call"] = call
    if kind in ("offer", "answer"):
        sdp = message.get("sdp")
        if not isinstance(sdp, str) or not sdp or len(sdp) > MAX_SDP_CHARS:
            return None
        out["sdp"] = sdp
    elif kind == "ice":
        candidate = message.get("candidate")
        if candidate is None:
            out["candidate"] = None  # end of candidates
        elif isinstance(candidate, dict):
            text = candidate.get("candidate")
            mid = candidate.get("sdpMid")
            index = candidate.get("sdpMLineIndex")
            if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
                return None
            if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
                return None
            if index is not None and (not isinstance(index, int) or not 0 <= index < 64):
                return None
            out["candidate"] = {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
        else:
            return None
    return out


@routes.get("/api/rooms/{room_id}/signal")
async def signal(request: web.Request) -> web.WebSocketResponse:
    principal = authorize(request, Role.CANDIDATE, Role.INTERVIEWER)
    require_lead(principal)  # observers watch through the server relay; the admin may sit as the interviewer
    seat = Seat.CANDIDATE if principal.role is Role.CANDIDATE else Seat.INTERVIEWER
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    if room.status is RoomStatus.ENDED:
        raise Conflict("the interview has ended")

    hub: SignalingHub = request.app[SIGNALING]
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=MAX_MESSAGE_BYTES)
    await ws.prepare(request)
    channel = _SocketChannel(ws)
    limit = RateLimit()
    await hub.join(room.id, seat, channel)
    try:
        async for raw in ws:
            if raw.type != WSMsgType.TEXT:
                if raw.type == WSMsgType.ERROR:
                    break
                continue
            if not limit.allow():
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
                break
            try:
                message = validate(loads_limited(raw.data))
            except (ValueError, InvalidInput):
                message = None
            if message is None:
                await channel.send({"type": "error", "error": "unknown or malformed message", "code": "bad_message"})
                continue
            await hub.relay(room.id, seat, message)
    finally:
        await hub.leave(room.id, seat, channel)
    return ws
