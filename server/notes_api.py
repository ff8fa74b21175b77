"""People's input on an interview: interviewers' notes and ratings, HR's human decision, the candidate's status.

POST/GET /api/rooms/{id}/notes       interviewers (lead and observers), HR, admin
PUT/GET  /api/rooms/{id}/decision    HR and admin decide; interviewers may read it
GET      /api/rooms/{id}/status      the candidate's view: submitted / under review / shared feedback, no scores
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from rooms.errors import Conflict
from rooms.measures import NOTE
from rooms.model import Observation, ObservationType, Role, RoomStatus
from rooms.review import HumanDecision, Note, annotate_report, candidate_status, media_time, parse_decision, parse_note
from server.audit import audit
from server.auth import STAFF, Principal
from server.keys import BUS, INTERVIEWS, STORE
from server.requests import authorize, read_json_object

routes = web.RouteTableDef()
MAX_NOTES_PER_ROOM = 2000  # a note a few seconds for hours; more is a runaway client, not an interviewer


def author_label(principal: Principal) -> str:
    if principal.role is Role.INTERVIEWER:
        return "lead" if principal.lead else "observer"
    return principal.role.value


async def annotated_report(app: web.Application, room_id: str, report: dict[str, Any]) -> dict[str, Any]:
    """The stored report joined with the notes and the human decision: what every report reader should serve."""
    store = app[STORE]
    return annotate_report(report, await store.notes(room_id), await store.get_decision(room_id))


@routes.post("/api/rooms/{room_id}/notes")
async def add_note(request: web.Request) -> web.Response:
    principal = authorize(request, *STAFF)
    text, rating, author = parse_note(await read_json_object(request))
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    store = request.app[STORE]
    if len(await store.notes(room.id)) >= MAX_NOTES_PER_ROOM:
        raise Conflict(f"this room already holds {MAX_NOTES_PER_ROOM} notes")
    now = time.time()
    role = author_label(principal)
    note = await store.add_note(
        Note(room.id, media_time(room, now), text, rating, f"{author} ({role})" if author else role, now)
    )
    if room.status is RoomStatus.LIVE:
        # Other dashboards in the room see it at once; the analysed timeline itself is not touched.
        detail = {k: v for k, v in note.to_public().items() if k in ("id", "rating", "author")}
        request.app[BUS].publish(room.id, [Observation(ObservationType.EVENT, NOTE, text, note.t, now, detail)])
    return web.json_response(note.to_public(), status=201)


@routes.get("/api/rooms/{room_id}/notes")
async def list_notes(request: web.Request) -> web.Response:
    authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    notes = await request.app[STORE].notes(room.id)
    return web.json_response({"room_id": room.id, "notes": [note.to_public() for note in notes]})


@routes.put("/api/rooms/{room_id}/decision")
async def put_decision(request: web.Request) -> web.Response:
    principal = authorize(request, Role.HR)
    decision, note, feedback, share_feedback, share_scores = parse_decision(await read_json_object(request))
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    if room.status is not RoomStatus.ENDED:
        raise Conflict("a decision is taken after the interview has ended")
    record = HumanDecision(
        room.id, decision, note, feedback, share_feedback, share_scores, principal.role.value, time.time()
    )
    await request.app[STORE].save_decision(record)
    await audit(request, principal, "decision.write", room.id, {"decision": decision.value})
    return web.json_response(record.to_public())


@routes.get("/api/rooms/{room_id}/decision")
async def get_decision(request: web.Request) -> web.Response:
    authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    decision = await request.app[STORE].get_decision(room.id)
    return web.json_response({"room_id": room.id, "decision": decision.to_public() if decision else None})


@routes.get("/api/rooms/{room_id}/status")
async def get_status(request: web.Request) -> web.Response:
    """The candidate's own status. Other roles may read it too, to see exactly what the candidate sees."""
    authorize(request, Role.CANDIDATE, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    store = request.app[STORE]
    decision = await store.get_decision(room.id)
    report = await store.get_report(room.id) if decision is not None and decision.share_scores else None
    return web.json_response(candidate_status(room, decision, report))
