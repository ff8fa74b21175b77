"""The replay page (recording + timelines + transcript + flagged moments) and the compact data it draws."""

from __future__ import annotations

import asyncio

import aiohttp_jinja2
from aiohttp import web

from rooms.model import Room, RoomStatus
from rooms.replay import LONG_PAUSE_S, build_replay
from server.audit import audit
from server.auth import STAFF
from server.i18n import request_catalog
from server.keys import INTERVIEWS, STORE
from server.pages import _context, _error_page, _with_token
from server.requests import authorize

routes = web.RouteTableDef()


@routes.get("/rooms/{room_id}/replay")
async def replay_page(request: web.Request) -> web.Response:
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    await audit(request, principal, "replay.read", room.id)
    if room.status is not RoomStatus.ENDED:
        message = request_catalog(request).gettext(
            "The replay opens once the interview has ended and its recording is joined."
        )
        return _error_page(request, 409, message)
    token = request.query["token"]
    base = f"/api/rooms/{room.id}"
    return aiohttp_jinja2.render_template(
        "replay.html",
        request,
        _context(
            request,
            room=room.to_public(),
            # A <video src> cannot send an Authorization header: the recording URL carries the token itself.
            recording_url=_with_token(f"{base}/recording", token),
            replay_api_url=f"{base}/replay",
            corrections_url=f"{base}/transcript/corrections",
            report_url=_with_token(f"/rooms/{room.id}/report", token),
            token=token,
            long_pause_s=LONG_PAUSE_S,
        ),
    )


@routes.get("/api/rooms/{room_id}/replay")
async def replay_data(request: web.Request) -> web.Response:
    """Chart series (bucketed), flagged moments, transcript lines, question spans and notes of the interview."""
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    await audit(request, principal, "transcript.read", room.id, {"via": "replay data"})
    timeline = await request.app[STORE].timeline(room.id)
    # Folding a long timeline is CPU work (~0.2 s for 30 minutes, about 250,000 observations): off the event loop.
    replay = await asyncio.get_running_loop().run_in_executor(
        None, lambda: build_replay(timeline, _duration(room)).to_json()
    )
    # Interviewers' time-stamped notes: listed beside the flagged moments, each seeking to its time.
    notes = [note.to_public() for note in await request.app[STORE].notes(room.id)]
    return web.json_response({"room_id": room.id, **replay, "notes": notes})


def _duration(room: Room) -> float | None:
    if room.started_at is None or room.ended_at is None:
        return None
    return max(0.0, room.ended_at - room.started_at)
