"""Reading what a request carries: its token, its JSON body, its room id."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from realtime.sdp import offer_problem
from rooms.errors import InvalidInput
from rooms.model import Role, parse_language
from server.auth import ForbiddenError, Principal, TokenIssuer, require_role
from server.keys import TOKENS
from server.safe_json import loads_limited
from server.sessions import ROOM_PRINCIPAL

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# What a read-only report link opens: the report (page, JSON, PDF), the replay (page, data), the recording,
# the timeline and the room's status. Never the live dashboard, the call, or anything that changes state.
_READ_ONLY_PATHS = re.compile(r"^/(api/)?rooms/[^/]+(/(report|report\.pdf|replay|recording|timeline|transcript))?$")


def bearer_or_query_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query.get("token")


def authorize(request: web.Request, *roles: Role) -> Principal:
    """The caller's principal for the room in the path (if any), which must hold one of `roles` (or be the admin).
    Admin-only endpoints say so with `authorize_admin`."""
    if not roles:
        raise TypeError("authorize() needs the roles allowed; admin-only endpoints call authorize_admin()")
    return _authorize(request, *roles)


def authorize_admin(request: web.Request) -> Principal:
    """The caller must be the admin: the admin token (header or ?token=), or a signed-in admin."""
    return _authorize(request)


def _authorize(request: web.Request, *roles: Role) -> Principal:
    granted = request.get(ROOM_PRINCIPAL)  # a signed-in person or an API key (server/room_access.py)
    if granted is not None:
        if not isinstance(granted, Principal):
            raise ForbiddenError(str(granted))
        require_role(granted, *roles)
        return granted
    tokens: TokenIssuer = request.app[TOKENS]
    principal = tokens.verify(bearer_or_query_token(request), request.match_info.get("room_id"))
    if principal.read_only and not (request.method in _SAFE_METHODS and _READ_ONLY_PATHS.match(request.path)):
        raise ForbiddenError("a report link only opens the report, the replay and the recording")
    require_role(principal, *roles)
    return principal


async def read_json_object(request: web.Request) -> dict[str, Any]:
    # request.read() enforces the app's client_max_size and raises 413 past it.
    body = await request.read()
    try:
        data = loads_limited(body)
    except UnicodeDecodeError:
        raise InvalidInput("malformed JSON body") from None
    if not isinstance(data, dict):
        raise InvalidInput("the JSON body must be an object")
    return data


def required_string(data: dict[str, Any], key: str, max_length: int = 200) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"'{key}' must be a non-empty string")
    if len(value) > max_length:
        raise InvalidInput(f"'{key}' is longer than {max_length} characters")
    return value.strip()


def optional_language(data: dict[str, Any], key: str = "language") -> str | None:
    """An optional interview language ("zh", "en", "auto" or another code); None when left out."""
    value = data.get(key)
    if value is None:
        return None
    try:
        return parse_language(value)
    except ValueError:
        raise InvalidInput(f"'{key}' must be 'zh', 'en', 'auto' or another language code") from None


def offer_sdp(data: dict[str, Any]) -> str:
    if data.get("type") != "offer":
        raise InvalidInput("'type' must be 'offer'")
    sdp = data.get("sdp")
    if not isinstance(sdp, str) or not sdp:
        raise InvalidInput("'sdp' must be a non-empty string")
    problem = offer_problem(sdp)  # before any session opens or aiortc parses anything
    if problem is not None:
        raise InvalidInput(problem)
    return sdp


def optional_retention_days(data: dict[str, Any], key: str = "retention_days") -> int | None:
    """A room's own retention in days (1-3650); None when left out (the organisation's default applies)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
        raise InvalidInput(f"'{key}' must be a whole number of days between 1 and 3650")
    return value
