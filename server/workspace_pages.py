"""The workspace's pages: home (positions), a position's board, a candidate, compare, My interviews, admin.

Each page is a server-rendered shell that hands its script a JSON config (API URLs, the CSRF token); the
scripts (web/static/js/workspace/) draw from the same REST API an ATS would use. Without a session, a page
sends the browser to /login and back.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from rooms.accounts import ADMINS, MANAGERS, READERS, Access
from rooms.errors import NotFound
from rooms.hiring import Activity, Stage
from rooms.model import Role
from rooms.scoring import load_scoring_config
from server.auth import ForbiddenError
from server.hiring_api import load_candidate, load_position
from server.i18n import request_catalog
from server.keys import ACCOUNTS, HIRING, INTERVIEWS, SETTINGS, TOKENS
from server.pages import page_measures
from server.sessions import ACCESS, CSRF

routes = web.RouteTableDef()


def _signed_in(request: web.Request) -> Access:
    access = request.get(ACCESS)
    if access is None or not access.is_person:
        raise web.HTTPSeeOther(f"/login?{urlencode({'next': request.path_qs})}")
    return access


async def _render(request: web.Request, template: str, access: Access, **config: Any) -> web.Response:
    organisation = await request.app[ACCOUNTS].organisation_name(request.app[SETTINGS].organisation)
    nav = {
        "positions": access.branches_with(*READERS) != set(),
        "admin": access.branches_with(*ADMINS) != set(),
    }
    context = {
        "product_name": "Open Interview",
        "static_url": "/static",
        "organisation": organisation,
        "person_name": access.label,
        "csrf_token": request.get(CSRF, ""),
        "nav": nav,
        "config": {
            "csrfToken": request.get(CSRF, ""),
            "personId": access.subject_id,
            # Measure and flag labels in the page's language (rooms/measures.py), for the board and compare.
            "measures": page_measures(request),
            **config,
        },
    }
    return aiohttp_jinja2.render_template(template, request, context)


@routes.get("/workspace")
async def home(request: web.Request) -> web.Response:
    access = _signed_in(request)
    if access.branches_with(*READERS) == set():
        raise web.HTTPSeeOther("/workspace/my-interviews")  # an interviewer's home is their interviews
    return await _render(request, "workspace_home.html", access, canManage=access.branches_with(*MANAGERS) != set())


@routes.get("/workspace/positions/{position_id}")
async def position_page(request: web.Request) -> web.Response:
    access = _signed_in(request)
    position = await load_position(request, access, *READERS)
    return await _render(
        request,
        "workspace_board.html",
        access,
        positionId=position.id,
        positionTitle=position.title,
        canManage=access.can(position.branch_id, *MANAGERS),
        dimensions=_dimension_labels(request),
    )


@routes.get("/workspace/candidates/{candidate_id}")
async def candidate_page(request: web.Request) -> web.Response:
    access = _signed_in(request)
    candidate = await load_candidate(request, access, *READERS)
    return await _render(
        request,
        "workspace_candidate.html",
        access,
        candidateId=candidate.id,
        positionId=candidate.position_id,
        canManage=access.can(candidate.branch_id, *MANAGERS),
    )


@routes.get("/workspace/positions/{position_id}/compare")
async def compare_page(request: web.Request) -> web.Response:
    access = _signed_in(request)
    position = await load_position(request, access, *READERS)
    return await _render(
        request,
        "workspace_compare.html",
        access,
        positionId=position.id,
        positionTitle=position.title,
        ids=request.query.get("ids", ""),
        dimensions=_dimension_labels(request),
    )


def _dimension_labels(request: web.Request) -> dict[str, str]:
    """The report's scoring dimensions by id, labelled in the page's language (--scoring-config)."""
    gettext = request_catalog(request).gettext
    config = load_scoring_config(request.app[SETTINGS].scoring_config)
    return {d.id: gettext(d.label) for d in config.dimensions}


@routes.get("/workspace/my-interviews")
async def my_interviews_page(request: web.Request) -> web.Response:
    return await _render(request, "workspace_my_interviews.html", _signed_in(request))


@routes.get("/workspace/admin")
async def admin_page(request: web.Request) -> web.Response:
    access = _signed_in(request)
    if access.branches_with(*ADMINS) == set():
        raise ForbiddenError("this page is for administrators")
    return await _render(request, "workspace_admin.html", access, headquarters=access.is_hq_admin())


ROOM_VIEWS = ("report", "replay", "dashboard")


@routes.get("/workspace/rooms/{room_id}/{view}")
async def open_room(request: web.Request) -> web.StreamResponse:
    """A report, replay or dashboard opened from the workspace: the person's role decides on the click, and the
    answer is a redirect to the page with a room link made for them (report and replay: read-only)."""
    access = _signed_in(request)
    view = request.match_info["view"]
    if view not in ROOM_VIEWS:
        raise NotFound("unknown page")
    hiring = request.app[HIRING]
    owner = await hiring.room_owner(request.match_info["room_id"])
    if owner is None:
        raise NotFound("unknown interview")
    room = await request.app[INTERVIEWS].get(owner.room_id)
    manager = access.can(owner.branch_id, *MANAGERS)
    assigned = access.subject_id in owner.interviewer_ids
    tokens = request.app[TOKENS]
    generation = room.links_version
    if view == "dashboard" and (manager or assigned):
        lead = owner.interviewer_ids[:1] == (access.subject_id,)
        role = Role.INTERVIEWER if assigned else Role.HR
        token = tokens.issue(room.id, role, lead=lead, links_version=generation)
    elif (view == "replay" and (manager or assigned)) or (
        view == "report" and (manager or assigned or access.can(owner.branch_id, *READERS))
    ):
        token = tokens.issue(room.id, Role.HR, links_version=generation, read_only=True)
    else:
        raise ForbiddenError("your role in this interview's branch does not allow this")
    if view == "report":
        await hiring.advance_stage(room.id, Stage.REVIEWED, (Stage.COMPLETED,))
        await hiring.log(Activity(owner.candidate_id, time.time(), "report_viewed", access.label, {"room_id": room.id}))
    raise web.HTTPSeeOther(f"/rooms/{room.id}/{view}?{urlencode({'token': token})}")
