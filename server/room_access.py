"""The room endpoints for people and API keys: which room principal a role in a branch amounts to.

A room created by the workspace belongs to a candidate of a position of a branch. On that room:
- a headquarters admin is the admin (as the admin token is);
- admin or HR of the room's branch (or headquarters) is HR: report, replay, decision, notes;
- an interviewer assigned to the room is its interviewer (the first assigned leads, others observe);
- a viewer of the branch may read the report only.
Everything else is refused. Rooms made outside the workspace (POST /api/rooms) are the admin's alone. Endpoints
without a room (templates, webhooks, room creation) need a headquarters admin.

The same middleware enforces what the workspace says about candidate links: a re-sent invitation revokes the
links issued before it (by issue time, so the QR code and invitation text made later stay valid), and an expired
invitation no longer opens.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable

import jwt
from aiohttp import web

from rooms.accounts import MANAGERS, Access, WorkspaceRole
from rooms.hiring_store import RoomOwner
from rooms.model import Role
from server.auth import AuthError, Principal
from server.keys import HIRING
from server.sessions import ACCESS, ROOM_PRINCIPAL, api_key_or_room_token
from server.workspace_events import after_room_request

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# What a viewer may open on a room: the report, as a page, JSON or PDF.
_VIEWER_READS = re.compile(r"^(/rooms/[^/]+/report|/api/rooms/[^/]+/report(\.pdf)?)$")


@web.middleware
async def room_access(request: web.Request, handler: Handler) -> web.StreamResponse:
    room_id = request.match_info.get("room_id")
    owner = await request.app[HIRING].room_owner(room_id) if room_id else None
    _, room_token = api_key_or_room_token(request)
    access = request.get(ACCESS)
    if room_token is not None and owner is not None:
        _check_candidate_link(room_token, owner)
    elif access is not None and room_token is None:
        request[ROOM_PRINCIPAL] = room_principal(access, room_id, owner, request.method, request.path)
    response = await handler(request)
    if owner is not None and response.status < 400:
        await after_room_request(request, owner, response)
    return response


def room_principal(
    access: Access, room_id: str | None, owner: RoomOwner | None, method: str, path: str
) -> Principal | str:
    """The principal a person or key acts as here, or why they may not."""
    if access.is_hq_admin():
        return Principal(Role.ADMIN, None)
    if room_id is None or owner is None:
        return "this needs an administrator"
    if access.can(owner.branch_id, *MANAGERS):
        return Principal(Role.HR, room_id)
    if access.is_person and access.subject_id in owner.interviewer_ids:
        return Principal(Role.INTERVIEWER, room_id, lead=owner.interviewer_ids[0] == access.subject_id)
    if access.can(owner.branch_id, WorkspaceRole.VIEWER) and method in ("GET", "HEAD") and _VIEWER_READS.match(path):
        return Principal(Role.HR, room_id)
    return "your role in this interview's branch does not allow this"


def _check_candidate_link(token: str, owner: RoomOwner) -> None:
    """A candidate link the workspace replaced or let expire no longer opens (its signature is checked later)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return  # malformed: the signature check refuses it
    if claims.get("role") != Role.CANDIDATE.value:
        return
    issued = claims.get("iat")
    if not isinstance(issued, int) or issued < owner.links_not_before:
        raise AuthError("this invitation link was replaced by a newer one")
    if owner.expires_at < time.time():
        raise AuthError("this invitation has expired")
