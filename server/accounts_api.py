"""The organisation, its branches, people and their roles, password-reset links and API keys (/api/workspace).

Who may do what (rooms/accounts.py): a headquarters admin manages everything; a branch admin manages the
memberships of their own branch (and people who join it); everyone signed in reads who they are.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from rooms.account_store import WORKSPACE_DB, SqliteAccountStore
from rooms.accounts import (
    ADMINS,
    MANAGERS,
    Access,
    Membership,
    WorkspaceRole,
    check_password_rules,
    hash_password,
    parse_email,
    parse_role,
)
from rooms.errors import InvalidInput, NotFound
from rooms.hiring_store import SqliteHiringStore
from server.auth import ForbiddenError
from server.keys import ACCOUNTS, HIRING, SETTINGS
from server.requests import read_json_object, required_string
from server.sessions import CSRF, require_access

routes = web.RouteTableDef()
MAX_MEMBERSHIPS = 100


def require_hq_admin(access: Access) -> None:
    if not access.is_hq_admin():
        raise ForbiddenError("this needs a headquarters administrator")


def require_person(access: Access) -> None:
    if not access.is_person:
        raise ForbiddenError("only a signed-in person may do this, not an API key")


async def branch_id_or_hq(request: web.Request, value: Any, where: str) -> str | None:
    """A branch id that exists, or None (headquarters)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or await request.app[ACCOUNTS].get_branch(value) is None:
        raise InvalidInput(f"'{where}' names no branch")
    return value


async def parse_memberships(request: web.Request, raw: Any) -> list[Membership]:
    if not isinstance(raw, list) or len(raw) > MAX_MEMBERSHIPS:
        raise InvalidInput(f"'memberships' must be a list of at most {MAX_MEMBERSHIPS} {{branch_id, role}}")
    memberships = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidInput(f"'memberships[{i}]' must be an object")
        branch_id = await branch_id_or_hq(request, item.get("branch_id"), f"memberships[{i}].branch_id")
        memberships.append(Membership(branch_id, parse_role(item.get("role"))))
    return memberships


def require_admin_of(access: Access, memberships: list[Membership]) -> None:
    for m in memberships:
        if not access.can(m.branch_id, *ADMINS):
            where = "headquarters" if m.branch_id is None else f"branch {m.branch_id}"
            raise ForbiddenError(f"you are not an administrator of {where}")


@routes.get("/api/workspace/me")
async def me(request: web.Request) -> web.Response:
    access = require_access(request)
    accounts = request.app[ACCOUNTS]
    visible = access.branches_with(*WorkspaceRole)
    branches = [b.to_public() for b in await accounts.branches() if visible is None or b.id in visible]
    return web.json_response(
        {
            "id": access.subject_id,
            "name": access.label,
            "is_person": access.is_person,
            "memberships": [m.to_public() for m in access.memberships],
            "headquarters": any(m.branch_id is None for m in access.memberships),
            "branches": branches,
            "organisation": await accounts.organisation_name(request.app[SETTINGS].organisation),
            "csrf_token": request.get(CSRF),
        }
    )


@routes.get("/api/workspace/organisation")
async def get_organisation(request: web.Request) -> web.Response:
    require_access(request)
    name = await request.app[ACCOUNTS].organisation_name(request.app[SETTINGS].organisation)
    return web.json_response({"name": name})


@routes.put("/api/workspace/organisation")
async def put_organisation(request: web.Request) -> web.Response:
    require_hq_admin(require_access(request))
    name = required_string(await read_json_object(request), "name")
    await request.app[ACCOUNTS].set_organisation_name(name)
    return web.json_response({"name": name})


@routes.get("/api/workspace/branches")
async def list_branches(request: web.Request) -> web.Response:
    access = require_access(request)
    visible = access.branches_with(*WorkspaceRole)
    branches = await request.app[ACCOUNTS].branches()
    return web.json_response({"branches": [b.to_public() for b in branches if visible is None or b.id in visible]})


@routes.post("/api/workspace/branches")
async def create_branch(request: web.Request) -> web.Response:
    require_hq_admin(require_access(request))
    name = required_string(await read_json_object(request), "name")
    branch = await request.app[ACCOUNTS].create_branch(name)
    return web.json_response(branch.to_public(), status=201)


@routes.get("/api/workspace/people")
async def list_people(request: web.Request) -> web.Response:
    """Admins see the people of their branches (headquarters: everyone)."""
    access = require_access(request)
    admin_of = access.branches_with(*ADMINS)
    if admin_of is not None and not admin_of:
        raise ForbiddenError("this needs an administrator")
    people = await request.app[ACCOUNTS].people()
    if admin_of is not None:
        people = [p for p in people if any(m.branch_id in admin_of for m in p.memberships)]
    return web.json_response({"people": [p.to_public() for p in people]})


@routes.get("/api/workspace/interviewers")
async def list_interviewers(request: web.Request) -> web.Response:
    """Everyone who may interview (any branch): the pool HR picks a position's interviewers from."""
    access = require_access(request)
    if access.branches_with(*MANAGERS) == set():
        raise ForbiddenError("this needs the hr or admin role")
    people = await request.app[ACCOUNTS].people()
    pool = [
        {"id": p.id, "name": p.name, "email": p.email, "branch_ids": sorted({m.branch_id or "" for m in p.memberships})}
        for p in people
        if not p.disabled and any(m.role is WorkspaceRole.INTERVIEWER for m in p.memberships)
    ]
    return web.json_response({"interviewers": pool})


@routes.post("/api/workspace/people")
async def create_person(request: web.Request) -> web.Response:
    """A new person with their roles. With `password` they can sign in at once; the answer always carries a
    one-time `password_reset_url` to hand them, so they choose their own."""
    access = require_access(request)
    data = await read_json_object(request)
    email = parse_email(data.get("email"))
    name = required_string(data, "name") if data.get("name") else email
    memberships = await parse_memberships(request, data.get("memberships", []))
    if not memberships:
        raise InvalidInput("'memberships' must give the person at least one role")
    require_admin_of(access, memberships)
    password = data.get("password")
    hashed = None
    if password is not None:
        check_password_rules(password)
        hashed = await asyncio.get_running_loop().run_in_executor(None, hash_password, password)
    accounts = request.app[ACCOUNTS]
    person = await accounts.create_person(email, name, hashed)
    for m in memberships:
        await accounts.set_membership(person.id, m.branch_id, m.role, held=True)
    link = await _reset_link(request, person.id, access)
    created = await accounts.get_person(person.id)
    assert created is not None
    return web.json_response({**created.to_public(), **link}, status=201)


@routes.put("/api/workspace/people/{person_id}/memberships")
async def put_memberships(request: web.Request) -> web.Response:
    """Replace a person's roles in the branches the caller administers (others' stay as they are)."""
    access = require_access(request)
    person = await _person(request)
    wanted = await parse_memberships(request, (await read_json_object(request)).get("memberships"))
    require_admin_of(access, wanted)
    accounts = request.app[ACCOUNTS]
    for m in person.memberships:
        if access.can(m.branch_id, *ADMINS) and m not in wanted:
            await accounts.set_membership(person.id, m.branch_id, m.role, held=False)
    for m in wanted:
        await accounts.set_membership(person.id, m.branch_id, m.role, held=True)
    updated = await accounts.get_person(person.id)
    assert updated is not None
    return web.json_response(updated.to_public())


@routes.post("/api/workspace/people/{person_id}/reset-link")
async def create_reset_link(request: web.Request) -> web.Response:
    """A one-time link to set a new password (the server sends no email: hand it over yourself)."""
    access = require_access(request)
    person = await _person(request)
    require_admin_of(access, list(person.memberships) or [Membership(None, WorkspaceRole.ADMIN)])
    return web.json_response(await _reset_link(request, person.id, access), status=201)


@routes.put("/api/workspace/people/{person_id}/disabled")
async def set_disabled(request: web.Request) -> web.Response:
    access = require_access(request)
    require_hq_admin(access)
    person = await _person(request)
    disabled = (await read_json_object(request)).get("disabled")
    if not isinstance(disabled, bool):
        raise InvalidInput("'disabled' must be true or false")
    if person.id == access.subject_id and disabled:
        raise InvalidInput("you cannot disable yourself")
    await request.app[ACCOUNTS].set_disabled(person.id, disabled)
    return web.json_response({"id": person.id, "disabled": disabled})


async def _person(request: web.Request) -> Any:
    person = await request.app[ACCOUNTS].get_person(request.match_info["person_id"])
    if person is None:
        raise NotFound("unknown person")
    return person


async def _reset_link(request: web.Request, person_id: str, access: Access) -> dict[str, Any]:
    ttl_s = request.app[SETTINGS].reset_link_hours * 3600
    token = await request.app[ACCOUNTS].create_reset_link(person_id, access.subject_id, ttl_s)
    return {"password_reset_url": f"/reset/{token}", "password_reset_expires_at": time.time() + ttl_s}


# API keys: per integration, named, scoped to one role in one branch (or headquarters), revocable.


@routes.get("/api/workspace/api-keys")
async def list_api_keys(request: web.Request) -> web.Response:
    access = require_access(request)
    require_person(access)
    require_hq_admin(access)
    return web.json_response({"api_keys": [k.to_public() for k in await request.app[ACCOUNTS].api_keys()]})


@routes.post("/api/workspace/api-keys")
async def create_api_key(request: web.Request) -> web.Response:
    """The secret (`key`) is in this answer only: store it in the integration now."""
    access = require_access(request)
    require_person(access)
    require_hq_admin(access)
    data = await read_json_object(request)
    name = required_string(data, "name", 100)
    role = parse_role(data.get("role", "hr"))
    if role is WorkspaceRole.INTERVIEWER:
        raise InvalidInput("an API key may be admin, hr or viewer")
    branch_id = await branch_id_or_hq(request, data.get("branch_id"), "branch_id")
    key, secret = await request.app[ACCOUNTS].create_api_key(name, role, branch_id, access.subject_id)
    return web.json_response({**key.to_public(), "key": secret}, status=201)


@routes.delete("/api/workspace/api-keys/{key_id}")
async def revoke_api_key(request: web.Request) -> web.Response:
    access = require_access(request)
    require_person(access)
    require_hq_admin(access)
    if not await request.app[ACCOUNTS].revoke_api_key(request.match_info["key_id"]):
        raise NotFound("unknown or already revoked API key")
    return web.Response(status=204)


async def workspace_stores_context(app: web.Application) -> AsyncIterator[None]:
    """The workspace's tables in the node's `workspace.sqlite3` (also in Redis mode: see docs/workspace.md)."""
    path = app[SETTINGS].data_dir / WORKSPACE_DB
    accounts, hiring = SqliteAccountStore(path), SqliteHiringStore(path)
    await accounts.open()
    await hiring.open()
    app[ACCOUNTS] = accounts
    app[HIRING] = hiring
    yield
    await hiring.close()
    await accounts.close()
