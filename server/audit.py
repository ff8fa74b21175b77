"""Appending to the audit log from handlers, and reading it (and the deletion receipts) back: admin only.

`GET /api/audit?room_id=&limit=` and `GET /api/deletion-receipts?room_id=&limit=`. Storage: rooms/audit.py.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from rooms.audit import AuditEntry
from rooms.errors import InvalidInput
from rooms.model import Role
from server.auth import Principal
from server.keys import AUDIT
from server.rate_limits import token_key
from server.requests import authorize, bearer_or_query_token
from server.sessions import SESSION_COOKIE

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


async def audit(
    request: web.Request, principal: Principal, action: str, room_id: str | None, detail: dict[str, Any] | None = None
) -> None:
    """Append who did `action` on `room_id`. A failure to write is logged, never turned into a failed request."""
    credential = bearer_or_query_token(request) or request.cookies.get(SESSION_COOKIE)
    entry = AuditEntry(
        action=action,
        role=principal.role.value + ("-read-only" if principal.read_only else ""),
        token_id=token_key(credential) if credential else "",
        room_id=room_id,
        address=request.remote or "",
        detail=detail,
    )
    try:
        await request.app[AUDIT].append(entry)
    except Exception:
        log.exception("could not write the audit entry %s for room %s", action, room_id)


def _limit(request: web.Request) -> int:
    try:
        limit = int(request.query.get("limit", "100"))
    except ValueError:
        raise InvalidInput("'limit' must be an integer") from None
    if not 1 <= limit <= 1000:
        raise InvalidInput("'limit' must be between 1 and 1000")
    return limit


@routes.get("/api/audit")
async def list_audit(request: web.Request) -> web.Response:
    authorize(request, Role.ADMIN)
    entries = await request.app[AUDIT].entries(request.query.get("room_id") or None, _limit(request))
    return web.json_response({"entries": [e.to_public() for e in entries]})


@routes.get("/api/deletion-receipts")
async def list_receipts(request: web.Request) -> web.Response:
    authorize(request, Role.ADMIN)
    receipts = await request.app[AUDIT].receipts(request.query.get("room_id") or None, _limit(request))
    return web.json_response({"receipts": [r.to_public() for r in receipts]})
