"""The REST API and signaling endpoints under /api."""

from __future__ import annotations

from aiohttp import web

from rooms.errors import Conflict, InvalidInput
from rooms.measures import QUESTION_END, QUESTION_START
from rooms.model import Role, RoomStatus
from server.audit import audit
from server.auth import STAFF, require_lead
from server.keys import INTERVIEWS, OFFER_LIMITS, SIGNALING, STORE, TOKENS
from server.links import room_links
from server.notes_api import annotated_report
from server.rate_limits import token_key
from server.requests import (
    authorize,
    authorize_admin,
    bearer_or_query_token,
    offer_sdp,
    optional_language,
    optional_retention_days,
    read_json_object,
    required_string,
)
from server.templates_api import attach_template, template_for_new_room

routes = web.RouteTableDef()


@routes.post("/api/rooms")
async def create_room(request: web.Request) -> web.Response:
    authorize_admin(request)
    data = await read_json_object(request)
    template, mode = await template_for_new_room(request.app, data)
    # With a template, the title may be left out: the template's own title is used.
    title = template.title if template is not None and "title" not in data else required_string(data, "title")
    candidate_name = required_string(data, "candidate_name")
    # The room's own language, else its template's, else the server's default.
    language = optional_language(data) or (template.language if template is not None else None)
    room = await request.app[INTERVIEWS].create(
        title, candidate_name, template.id if template else None, mode, language, optional_retention_days(data)
    )
    await attach_template(request.app, room, template)
    return web.json_response({**room.to_public(), **room_links(room, request.app[TOKENS])}, status=201)


@routes.post("/api/rooms/{room_id}/links/revoke")
async def revoke_links(request: web.Request) -> web.Response:
    """Every link of this room handed out so far stops working; the answer carries the new ones."""
    principal = authorize(request, Role.HR)  # HR and the admin
    room = await request.app[INTERVIEWS].revoke_links(request.match_info["room_id"])
    await audit(request, principal, "links.revoke", room.id)
    return web.json_response({**room.to_public(), **room_links(room, request.app[TOKENS])})


@routes.get("/api/rooms")
async def list_rooms(request: web.Request) -> web.Response:
    authorize_admin(request)
    rooms = await request.app[STORE].list_rooms()
    return web.json_response({"rooms": [room.to_public() for room in rooms]})


@routes.get("/api/rooms/{room_id}")
async def get_room(request: web.Request) -> web.Response:
    authorize(request, Role.CANDIDATE, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    return web.json_response(room.to_public())


@routes.post("/api/rooms/{room_id}/offer")
async def candidate_offer(request: web.Request) -> web.Response:
    authorize(request, Role.CANDIDATE)
    sdp = offer_sdp(await read_json_object(request))
    request.app[OFFER_LIMITS].candidate_offers.take(request.match_info["room_id"], "offers for this interview")
    answer = await request.app[INTERVIEWS].candidate_offer(request.match_info["room_id"], sdp)
    return web.json_response({"sdp": answer, "type": "answer"})


@routes.post("/api/rooms/{room_id}/view")
async def viewer_offer(request: web.Request) -> web.Response:
    authorize(request, *STAFF)
    sdp = offer_sdp(await read_json_object(request))
    viewer = token_key(bearer_or_query_token(request))
    limits = request.app[OFFER_LIMITS]
    limits.viewer_offers_per_room.take(request.match_info["room_id"], "viewer offers for this interview")
    limits.viewer_offers_per_token.take(viewer, "viewer offers with this link")
    answer = await request.app[INTERVIEWS].viewer_offer(request.match_info["room_id"], sdp, viewer)
    return web.json_response({"sdp": answer, "type": "answer"})


@routes.post("/api/rooms/{room_id}/end")
async def end_room(request: web.Request) -> web.Response:
    require_lead(authorize(request, Role.INTERVIEWER))
    room = await request.app[INTERVIEWS].end(request.match_info["room_id"])
    await request.app[SIGNALING].close_room(room.id, "the interview has ended")
    return web.json_response(room.to_public())


MARKERS = (QUESTION_START, QUESTION_END)


@routes.post("/api/rooms/{room_id}/marks")
async def mark(request: web.Request) -> web.Response:
    """The interviewer marks the script: a question asked (`question_start`), its end (`question_end`)."""
    require_lead(authorize(request, Role.INTERVIEWER))
    data = await read_json_object(request)
    name = data.get("name")
    if name not in MARKERS:
        raise InvalidInput(f"'name' must be one of {', '.join(MARKERS)}")
    label = data.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > 500):
        raise InvalidInput("'label' must be a string of at most 500 characters")
    observation = await request.app[INTERVIEWS].mark(request.match_info["room_id"], name, label)
    return web.json_response(observation.to_record(), status=201)


@routes.get("/api/rooms/{room_id}/report")
async def get_report(request: web.Request) -> web.Response:
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    report = await request.app[STORE].get_report(room.id)
    if report is not None:
        await audit(request, principal, "report.read", room.id)
        return web.json_response(await annotated_report(request.app, room.id, report))
    if room.status is not RoomStatus.ENDED:
        raise Conflict("the interview has not ended yet")
    return web.json_response(
        {"error": "the report is being written", "code": "report_pending", "status": "pending"}, status=202
    )


@routes.get("/api/rooms/{room_id}/timeline")
async def get_timeline(request: web.Request) -> web.Response:
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    await audit(request, principal, "transcript.read", room.id, {"via": "timeline"})
    timeline = await request.app[STORE].timeline(room.id)
    return web.json_response({"room_id": room.id, "observations": [o.to_record() for o in timeline]})


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
