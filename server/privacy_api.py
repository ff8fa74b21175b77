"""Deletion on request: `DELETE /api/rooms/{room_id}` removes everything kept about an interview."""

from __future__ import annotations

from aiohttp import web

from server.keys import INTERVIEWS, SETTINGS
from server.requests import authorize_admin

routes = web.RouteTableDef()


@routes.delete("/api/rooms/{room_id}")
async def delete_room(request: web.Request) -> web.Response:
    authorize_admin(request)  # deletion is the operator's answer to a candidate's request
    room_id = request.match_info["room_id"]
    # A room's recorded media lives in data/recordings/<room_id>/; it goes with the room.
    media_dir = request.app[SETTINGS].data_dir / "recordings" / room_id
    await request.app[INTERVIEWS].delete(room_id, media_dir)
    return web.Response(status=204)
