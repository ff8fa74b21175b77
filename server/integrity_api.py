"""The candidate page's integrity reports: tab hidden, window blurred, full screen left, paste, second screen, reload.

POST /api/rooms/{id}/integrity   candidate only. The page sends what it saw with how long ago each thing started
(its own monotonic clock); the server stamps it on the interview's media time, so a wrong clock on the phone
cannot move an event. Signals this deployment turned off, and everything from a candidate who declined the analysis,
are accepted and dropped.
"""

from __future__ import annotations

import time

from aiohttp import web

from rooms.errors import Conflict
from rooms.integrity import page_observations, parse_page_events
from rooms.model import Role, RoomStatus
from server.keys import INTERVIEWS, SETTINGS
from server.requests import authorize, read_json_object

routes = web.RouteTableDef()


@routes.post("/api/rooms/{room_id}/integrity")
async def post_page_events(request: web.Request) -> web.Response:
    authorize(request, Role.CANDIDATE)
    events = parse_page_events(await read_json_object(request))
    interviews = request.app[INTERVIEWS]
    room = await interviews.get(request.match_info["room_id"])
    if room.status is not RoomStatus.LIVE or room.started_at is None:
        raise Conflict("the interview is not live")
    now = time.time()
    # A candidate who declined the analysis is not observed this way either.
    enabled = request.app[SETTINGS].integrity_signals if await interviews.analysis_allowed(room.id) else ()
    observations = page_observations(events, now, room.started_at, enabled)
    interviews.record_live(room.id, observations)
    return web.json_response({"recorded": len(observations)})
