"""Helpers for the HR workspace's tests: people with roles, their sessions, an org with branches."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestClient

from rooms.accounts import Membership, WorkspaceRole, hash_password
from server.keys import ACCOUNTS

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    """Hashed once: argon2id takes most of a second here, on purpose."""
    return hash_password(PASSWORD)


@dataclass
class Actor:
    """Someone calling the API: their headers (session cookie + CSRF token, or an API key)."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    id: str = ""


async def add_person(app: web.Application, email: str, *memberships: Membership) -> Actor:
    """A person with these roles, signed in (a session made directly in the store: fast)."""
    accounts = app[ACCOUNTS]
    person = await accounts.create_person(email, email.split("@")[0], password_hash())
    for m in memberships:
        await accounts.set_membership(person.id, m.branch_id, m.role, held=True)
    session_id, csrf = await accounts.create_session(person.id, 3600)
    return Actor(email, {"Cookie": f"oi_session={session_id}", "X-CSRF-Token": csrf}, person.id)


async def add_api_key(app: web.Application, name: str, role: WorkspaceRole, branch_id: str | None) -> Actor:
    key, secret = await app[ACCOUNTS].create_api_key(name, role, branch_id, "test")
    return Actor(name, {"Authorization": f"Bearer {secret}"}, f"key:{key.id}")


async def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> tuple[str, str]:
    """Through the login form, as a browser does: the session's CSRF token and the Set-Cookie header."""
    page = await client.get("/login")
    form_token = re.search(r'name="form_token" value="([^"]+)"', await page.text()).group(1)  # type: ignore[union-attr]
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "form_token": form_token, "next": "/workspace"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    me = await client.get("/api/workspace/me")
    assert me.status == 200
    cookie = next(v for v in response.headers.getall("Set-Cookie") if v.startswith("oi_session="))
    return (await me.json())["csrf_token"], cookie
