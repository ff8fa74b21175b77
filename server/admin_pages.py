"""Admin pages (/admin/templates, /admin/webhooks) never take the admin token in their URL.

A person signs in at /login (the workspace's session cookie, with CSRF protection: server/sessions.py); scripts
send `Authorization: Bearer`. A link or bookmark with `?token=` is not honoured on these pages: it is redirected to
the sign-in page, so the admin token does not end up in browser history, screenshots or a proxy's log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from server.auth import Principal
from server.requests import authorize_admin
from server.sessions import CSRF


def admin_page(request: web.Request) -> Principal:
    if "token" in request.query:
        raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path}))
    return authorize_admin(request)


def page_csrf(request: web.Request) -> str:
    """The signed-in session's CSRF value, for the page's scripts to send with changes ("" without a session)."""
    return request.get(CSRF, "")
