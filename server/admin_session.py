"""Admin pages without the admin token in their URL: a sign-in form sets a short-lived session cookie.

The cookie is HttpOnly (scripts cannot read it), SameSite=Strict (other sites' requests do not carry it) and
Secure over TLS; state-changing API calls made with it must also send the page's CSRF value (X-CSRF-Token,
server/requests.py). An old bookmark with ?token=<admin token> still works once: it is exchanged for the cookie
and the browser is sent to the same page without the token in its address.
The HR workspace's accounts will replace this; until then it is the smallest thing that keeps the token out of
URLs, browser history and logs.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from rooms.model import Role
from server.auth import AuthError, Principal
from server.keys import TOKENS
from server.pages import PRODUCT_NAME
from server.requests import ADMIN_COOKIE, authorize

routes = web.RouteTableDef()
SESSION_S = 3600  # an hour: the operator signs in again, the cookie is worth little to whoever finds it later


def _safe_next(value: str | None) -> str:
    # Only our own admin pages: never an open redirect to another site ("//evil.example" included).
    if value and value.startswith("/admin/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin/templates"


@routes.get("/admin/sign-in")
async def sign_in_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template(
        "sign_in.html",
        request,
        {"product_name": PRODUCT_NAME, "static_url": "/static", "next": _safe_next(request.query.get("next"))},
    )


@routes.post("/admin/sign-in")
async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token = form.get("token")
    tokens = request.app[TOKENS]
    principal = tokens.verify(token if isinstance(token, str) else None, None)  # AuthError: throttled, 401 page
    if principal.role is not Role.ADMIN:
        raise AuthError("this is not the admin token")
    response = web.HTTPSeeOther(_safe_next(str(form.get("next") or "")))
    _set_session(request, response)
    raise response


@routes.post("/admin/sign-out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/admin/sign-in")
    response.del_cookie(ADMIN_COOKIE, path="/")
    raise response


def _set_session(request: web.Request, response: web.StreamResponse) -> None:
    session = request.app[TOKENS].issue_admin_session(SESSION_S)
    response.set_cookie(
        ADMIN_COOKIE,
        session,
        max_age=SESSION_S,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def admin_page(request: web.Request) -> Principal:
    """Authorize an admin page: the session cookie, or a one-time exchange of ?token= for it (a redirect)."""
    if "token" in request.query:
        principal = authorize(request)  # admin only; a wrong token is a 401 page, and throttled
        response = web.HTTPSeeOther(request.path)  # the same page, without the token in its address
        _set_session(request, response)
        raise response
    if ADMIN_COOKIE not in request.cookies and "Authorization" not in request.headers:
        raise web.HTTPSeeOther("/admin/sign-in?" + urlencode({"next": request.path}))
    principal = authorize(request)
    return principal


def page_csrf(request: web.Request) -> str:
    """The CSRF value the page's scripts send with state-changing calls ("" without a session cookie)."""
    session = request.cookies.get(ADMIN_COOKIE)
    return request.app[TOKENS].csrf_token(session) if session else ""
