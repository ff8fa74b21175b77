"""Who a request comes from when it is not a room link: a signed-in person (session cookie) or an API key.

The session cookie holds a random id (the table keeps its hash), HttpOnly and SameSite=Lax, Secure over TLS.
A request authenticated by that cookie must also prove it comes from our own pages for anything but a read: the
session's CSRF token in the `X-CSRF-Token` header (scripts) or a `csrf_token` form field (forms). An API key
(`Authorization: Bearer oik_...`) is not sent by browsers on their own, so it needs no CSRF token.

Precedence: an API key, else a room token (bearer or `?token=`: the room links keep working as before, and the
session is ignored), else the session cookie.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from rooms.account_store import API_KEY_PREFIX
from rooms.accounts import Access, Membership, Person
from server.auth import AuthError, ForbiddenError
from server.keys import ACCOUNTS, SETTINGS

SESSION_COOKIE = "oi_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ACCESS = web.RequestKey("workspace_access", Access)
CSRF = web.RequestKey("workspace_csrf", str)
SESSION_ID = web.RequestKey("workspace_session_id", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def person_access(person: Person) -> Access:
    return Access(person.id, person.name or person.email, person.memberships)


def api_key_or_room_token(request: web.Request) -> tuple[str | None, str | None]:
    """(API key, room token) the request carries in `Authorization: Bearer` or `?token=`."""
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
    if bearer is not None and bearer.startswith(API_KEY_PREFIX):
        return bearer, None
    return None, bearer or request.query.get("token") or None


@web.middleware
async def workspace_identity(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the request's `Access` (person or API key); check CSRF for cookie-authenticated changes."""
    api_key, room_token = api_key_or_room_token(request)
    accounts = request.app[ACCOUNTS]
    if api_key is not None:
        key = await accounts.use_api_key(api_key)
        if key is None:
            raise AuthError("unknown or revoked API key")
        request[ACCESS] = Access(f"key:{key.id}", key.name, (Membership(key.branch_id, key.role),), is_person=False)
    elif room_token is None and (session_id := request.cookies.get(SESSION_COOKIE)):
        found = await accounts.session(session_id)
        if found is not None:
            person, csrf = found
            request[ACCESS] = person_access(person)
            request[CSRF] = csrf
            request[SESSION_ID] = session_id
            if request.method not in SAFE_METHODS:
                await _check_csrf(request, csrf)
    return await handler(request)


async def _check_csrf(request: web.Request, expected: str) -> None:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ForbiddenError("missing or wrong CSRF token: reload the page and try again")


def require_access(request: web.Request) -> Access:
    """The signed-in person or API key; 401 without one."""
    access = request.get(ACCESS)
    if access is None:
        raise AuthError("sign in first (or send an API key as Authorization: Bearer)")
    return access


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(request.app[SETTINGS].session_hours * 3600),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")


# What a person or API key amounts to on the room endpoints (server/room_access.py): a room principal, or the
# reason it is refused. Set only when no room token came with the request.
ROOM_PRINCIPAL = web.RequestKey("workspace_room_principal", object)
