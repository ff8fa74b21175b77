"""Question templates (admin CRUD and admin page) and the one-way interview's script endpoints."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict, InvalidInput, NotFound
from rooms.model import Role, Room, RoomMode
from rooms.rules import Rule
from rooms.template_store import SqliteTemplateStore, TemplateStore
from rooms.templates import Template
from server.admin_pages import admin_page, page_csrf
from server.auth import ROOM_MEMBERS
from server.keys import INTERVIEWS, ONE_WAY, SETTINGS, TEMPLATES
from server.one_way import OneWayScripts
from server.requests import authorize, authorize_admin, read_json_object

routes = web.RouteTableDef()


@routes.post("/api/templates")
async def create_template(request: web.Request) -> web.Response:
    authorize_admin(request)
    now = time.time()
    template = Template.from_json(await read_json_object(request), id=secrets.token_urlsafe(9), created_at=now)
    await request.app[TEMPLATES].create_template(template)
    return web.json_response(template.to_json(), status=201)


@routes.get("/api/templates")
async def list_templates(request: web.Request) -> web.Response:
    authorize_admin(request)
    templates = await request.app[TEMPLATES].list_templates()
    return web.json_response({"templates": [t.to_json() for t in templates]})


@routes.get("/api/templates/{template_id}")
async def get_template(request: web.Request) -> web.Response:
    authorize_admin(request)
    return web.json_response((await _stored(request)).to_json())


@routes.put("/api/templates/{template_id}")
async def update_template(request: web.Request) -> web.Response:
    """Replace a template. Rooms already created keep the copy they were made with. An optional `version`
    in the body must match the stored one (409 otherwise), so two editors do not overwrite each other."""
    authorize_admin(request)
    data = await read_json_object(request)
    stored = await _stored(request)
    if "version" in data and data["version"] != stored.version:
        raise Conflict(f"the template changed since version {data['version']} (now {stored.version}); reload it")
    template = Template.from_json(
        data, id=stored.id, created_at=stored.created_at, updated_at=time.time(), version=stored.version + 1
    )
    if not await request.app[TEMPLATES].update_template(template):
        raise NotFound("unknown template")
    return web.json_response(template.to_json())


@routes.delete("/api/templates/{template_id}")
async def delete_template(request: web.Request) -> web.Response:
    authorize_admin(request)
    if not await request.app[TEMPLATES].delete_template(request.match_info["template_id"]):
        raise NotFound("unknown template")
    return web.Response(status=204)


async def _stored(request: web.Request) -> Template:
    template = await request.app[TEMPLATES].get_template(request.match_info["template_id"])
    if template is None:
        raise NotFound("unknown template")
    return template


@routes.get("/admin/templates")
async def templates_page(request: web.Request) -> web.Response:
    admin_page(request)  # signed in, or a bearer header: never the admin token in the URL (server/admin_pages.py)
    return aiohttp_jinja2.render_template(
        "templates_admin.html",
        request,
        {"product_name": "Open Interview", "static_url": "/static", "token": "", "csrf": page_csrf(request)},
    )


# The one-way script: the candidate's page reads the current step and asks for the next; watchers may read it.


@routes.get("/api/rooms/{room_id}/script")
async def get_script(request: web.Request) -> web.Response:
    authorize(request, *ROOM_MEMBERS)
    return web.json_response(await request.app[ONE_WAY].view(request.match_info["room_id"]))


@routes.post("/api/rooms/{room_id}/script")
async def script_action(request: web.Request) -> web.Response:
    """`{"action": "practice"|"start"|"answer"|"finish"|"retake"|"keep", "seq": n}`; `seq` is the step the page
    shows, so a late click cannot act on the next question (409)."""
    authorize(request, Role.CANDIDATE)
    data = await read_json_object(request)
    action, seq = data.get("action"), data.get("seq")
    if not isinstance(action, str):
        raise InvalidInput("'action' must be a string")
    if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int)):
        raise InvalidInput("'seq' must be an integer")
    return web.json_response(await request.app[ONE_WAY].act(request.match_info["room_id"], action, seq))


async def template_for_new_room(app: web.Application, data: dict[str, Any]) -> tuple[Template | None, RoomMode]:
    """POST /api/rooms: the optional `template_id` and `mode` ("live" or "one_way", which needs a template)."""
    try:
        mode = RoomMode(data.get("mode", RoomMode.LIVE.value))
    except ValueError:
        raise InvalidInput("'mode' must be 'live' or 'one_way'") from None
    template_id = data.get("template_id")
    if template_id is None:
        if mode is RoomMode.ONE_WAY:
            raise InvalidInput("a one_way room needs a 'template_id'")
        return None, mode
    if not isinstance(template_id, str) or not template_id:
        raise InvalidInput("'template_id' must be a string")
    template = await app[TEMPLATES].get_template(template_id)
    if template is None:
        raise InvalidInput(f"'template_id' {template_id!r} names no template")
    return template, mode


async def attach_template(app: web.Application, room: Room, template: Template | None) -> None:
    if template is not None:
        await app[ONE_WAY].attach(room, template)


async def template_store_context(app: web.Application) -> AsyncIterator[None]:
    """Open the template store (the rooms' SQLite file); before the interviews, whose reports apply its rules."""
    store = SqliteTemplateStore(app[SETTINGS].data_dir / "interviews.sqlite3")
    await store.open()
    app[TEMPLATES] = store
    yield
    await store.close()


async def one_way_context(app: web.Application) -> AsyncIterator[None]:
    """Start the one-way interviews' driver; after the interviews, which its scripts drive."""
    scripts = OneWayScripts(app[TEMPLATES], app[INTERVIEWS], app[SETTINGS].script_time_scale)
    app[ONE_WAY] = scripts
    await scripts.recover()
    yield
    await scripts.close()


async def room_rules(store: TemplateStore, room: Room) -> Sequence[Rule]:
    """The report rules of the template the room was created from (its snapshot): none without one."""
    script = await store.get_room_script(room.id)
    return script.template.rules if script is not None else ()


async def room_keywords(store: TemplateStore, room: Room) -> dict[int, tuple[str, ...]]:
    """The keywords of each question (by index) of the room's template snapshot, for assessors: none without one."""
    script = await store.get_room_script(room.id)
    if script is None:
        return {}
    return {i: q.keywords for i, q in enumerate(script.template.questions) if q.keywords}


async def room_template(app: web.Application, room_id: str) -> Template | None:
    """The copy of the template a room (live or one-way) was created from, or None: for "next question"."""
    script = await app[TEMPLATES].get_room_script(room_id)
    return script.template if script is not None else None
