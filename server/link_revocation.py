"""Revoked links stop working: a room token issued before the room's current links generation is refused.

Checked in a middleware (before any handler) because it needs the stored room, which `authorize` (synchronous,
called by every handler) cannot read. Only the claims are read here, unverified: this can only refuse, and the
handler's `authorize` still verifies the signature of whatever passes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import jwt
from aiohttp import web

from server.auth import AuthError
from server.keys import STORE
from server.requests import bearer_or_query_token

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def revoked_links(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = bearer_or_query_token(request)
    if token and token.count(".") == 2:  # a JWT; the admin token is not one
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            claims = {}
        room_id, generation = claims.get("sub"), claims.get("lv", 1)
        if isinstance(room_id, str) and isinstance(generation, int) and STORE in request.app:
            room = await request.app[STORE].get_room(room_id)
            if room is not None and generation < room.links_version:
                raise AuthError("this link was revoked; ask the sender for a new one")
    return await handler(request)
