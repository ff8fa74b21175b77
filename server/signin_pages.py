"""Signing in and out: GET/POST /login, POST /logout, and the admin-issued one-time reset link /reset/{token}.

The login form carries a double-submit token (a cookie and a hidden field that must match), so another site
cannot sign a visitor into someone else's account. Failed sign-ins count toward the address's throttle
(server/auth_throttle.py), and an unknown email costs the same argon2 verification as a wrong password.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.accounts import DUMMY_HASH, check_password_rules, hash_password, verify_password
from rooms.errors import InvalidInput
from server.auth_throttle import THROTTLE
from server.i18n import request_catalog
from server.keys import ACCOUNTS, SETTINGS
from server.sessions import CSRF, CSRF_FIELD, SESSION_ID, clear_session_cookie, set_session_cookie

routes = web.RouteTableDef()
LOGIN_COOKIE = "oi_login"
HOME = "/workspace"


def page_context(**extra: Any) -> dict[str, Any]:
    return {"product_name": "Open Interview", "static_url": "/static", **extra}


def safe_next(value: Any) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return HOME


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return _login_form(request, safe_next(request.query.get("next")))


def _login_form(request: web.Request, next_url: str, error: str | None = None, status: int = 200) -> web.Response:
    form_token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html", request, page_context(form_token=form_token, next_url=next_url, error=error)
    )
    response.set_status(status)
    response.set_cookie(
        LOGIN_COOKIE, form_token, path="/login", httponly=True, samesite="Strict", secure=request.secure
    )
    return response


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    _ = request_catalog(request).gettext
    form = await request.post()
    next_url = safe_next(form.get("next"))
    cookie, field = request.cookies.get(LOGIN_COOKIE, ""), form.get("form_token")
    if not cookie or not isinstance(field, str) or not hmac.compare_digest(cookie.encode(), field.encode()):
        return _login_form(request, next_url, _("The form expired. Please sign in again."), 400)
    throttle = request.app[THROTTLE]
    address = request.remote or "unknown"
    if throttle.retry_after(address) > 0:
        return _login_form(request, next_url, _("Too many failed sign-ins. Wait a minute and try again."), 429)
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    accounts = request.app[ACCOUNTS]
    found = await accounts.credentials(email) if email else None
    stored = found[1] if found and found[1] else DUMMY_HASH
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    ok = await asyncio.get_running_loop().run_in_executor(None, verify_password, stored, password)
    if not (ok and found and found[1]):
        throttle.failed(address)
        return _login_form(request, next_url, _("Wrong email or password."), 401)
    session_id, _ = await accounts.create_session(found[0], request.app[SETTINGS].session_hours * 3600)
    response = web.Response(status=303, headers={"Location": next_url})
    set_session_cookie(request, response, session_id)
    response.del_cookie(LOGIN_COOKIE, path="/login")
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Ends the session (the CSRF check ran in server/sessions.py: another site cannot sign anyone out)."""
    session_id = request.get(SESSION_ID)
    if session_id is not None:
        await request.app[ACCOUNTS].end_session(session_id)
    response = web.Response(status=303, headers={"Location": "/login"})
    clear_session_cookie(response)
    return response


@routes.get("/reset/{reset_token}")
async def reset_page(request: web.Request) -> web.Response:
    person_id = await request.app[ACCOUNTS].reset_link_person(request.match_info["reset_token"])
    return _reset_form(request, valid=person_id is not None)


def _reset_form(request: web.Request, valid: bool, error: str | None = None, status: int = 200) -> web.Response:
    response = aiohttp_jinja2.render_template("reset.html", request, page_context(valid=valid, error=error))
    response.set_status(status if valid else 410)
    return response


@routes.post("/reset/{reset_token}")
async def reset_password(request: web.Request) -> web.StreamResponse:
    """The link is its own proof (256 random bits, one use, short-lived): no session or CSRF token needed."""
    _ = request_catalog(request).gettext
    form = await request.post()
    password, repeat = str(form.get("password", "")), str(form.get("repeat", ""))
    try:
        check_password_rules(password)
    except InvalidInput:
        return _reset_form(request, valid=True, error=_("The password must have 10 to 200 characters."), status=400)
    if password != repeat:
        return _reset_form(request, valid=True, error=_("The two passwords differ."), status=400)
    hashed = await asyncio.get_running_loop().run_in_executor(None, hash_password, password)
    if not await request.app[ACCOUNTS].use_reset_link(request.match_info["reset_token"], hashed):
        return _reset_form(request, valid=False)
    raise web.HTTPSeeOther("/login")


def csrf_token(request: web.Request) -> str:
    return request.get(CSRF, "")


__all__ = ["CSRF_FIELD", "csrf_token", "routes"]
