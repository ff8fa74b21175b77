"""GET /api/rooms/{id}/recording: the joined interview recording, with Range support so a player can seek."""

from __future__ import annotations

from aiohttp import web

from realtime.recording import RecordingState
from rooms.errors import Conflict, NotFound
from rooms.model import RoomStatus
from server.audit import audit
from server.auth import STAFF
from server.keys import INTERVIEWS, RECORDINGS, VAULT
from server.recording_vault import serve_sealed
from server.requests import authorize

routes = web.RouteTableDef()


@routes.get("/api/rooms/{room_id}/recording")
async def get_recording(request: web.Request) -> web.StreamResponse:
    # A candidate never gets the recording back: it is the organisation's evaluation material.
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    if _first_read(request):  # a player seeking sends many ranges: one entry per playback
        await audit(request, principal, "recording.read", room.id)
    recordings = request.app[RECORDINGS]
    state = await recordings.state(room.id)
    if state is RecordingState.JOINING:
        return web.json_response(
            {"error": "the recording is being joined", "code": "recording_pending", "status": "pending"}, status=202
        )
    if state is RecordingState.READY:
        media = recordings.media(room.id)
        key = await request.app[VAULT].key_for(room.id)
        if key is not None and media.sealed.exists():  # an ended interview's recording, encrypted at rest
            return await serve_sealed(request, media.sealed, key)
        # Not sealed yet (ended seconds ago): FileResponse answers Range requests with 206 off the event loop.
        return web.FileResponse(
            recordings.media(room.id).recording,
            headers={"Content-Type": "video/webm", "Cache-Control": "private, no-cache"},
        )
    if state is RecordingState.RECORDING and room.status is not RoomStatus.ENDED:
        raise Conflict("the interview has not ended yet")
    raise NotFound("no recording for this room")


def _first_read(request: web.Request) -> bool:
    try:
        return request.http_range.start in (None, 0)
    except ValueError:
        return True
