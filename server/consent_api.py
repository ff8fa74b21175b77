"""POST /api/rooms/{id}/consent: the candidate's separate choice about the analysis of face and voice (PIPL)."""

from __future__ import annotations

from aiohttp import web

from rooms.consent import ConsentRecord
from rooms.model import Role
from server.keys import INTERVIEWS
from server.requests import authorize, read_json_object

routes = web.RouteTableDef()


@routes.post("/api/rooms/{room_id}/consent")
async def record_consent(request: web.Request) -> web.Response:
    authorize(request, Role.CANDIDATE)
    record = ConsentRecord.from_request(await read_json_object(request))
    await request.app[INTERVIEWS].record_consent(request.match_info["room_id"], record)
    return web.json_response(record.to_public(), status=201)
