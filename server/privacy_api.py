"""Deletion on request: `DELETE /api/rooms/{room_id}` removes everything kept about an interview."""

from __future__ import annotations

from aiohttp import web

from server.audit import audit
from server.deletion import delete_interview
from server.requests import authorize_admin

routes = web.RouteTableDef()


@routes.delete("/api/rooms/{room_id}")
async def delete_room(request: web.Request) -> web.Response:
    principal = authorize_admin(request)  # deletion is the operator's answer to a candidate's request
    room_id = request.match_info["room_id"]
    # Media, script copy, webhook events, store rows; the receipt is in GET /api/deletion-receipts.
    receipt = await delete_interview(request.app, room_id, "request")
    await audit(request, principal, "room.delete", room_id, {"reason": "request", "receipt": receipt.id})
    return web.Response(status=204, headers={"X-Deletion-Receipt": receipt.id})
