"""Positions, candidates, invitations, the pipeline board, compare, next round, scheduling (/api/workspace).

Every handler checks the caller's role in the branch the thing belongs to (rooms/accounts.py): readers (admin,
hr, viewer) read boards and candidates; managers (admin, hr) change them; an interviewer sees the interviews they
are assigned to. Each invitation is a room made by the existing Interviews service; the candidate's link is a
room token whose hash the workspace keeps, so re-sending revokes the older link (server/room_access.py).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from rooms.account_store import secret_hash
from rooms.accounts import MANAGERS, READERS, Access, WorkspaceRole
from rooms.calendar_invite import interview_ics
from rooms.candidate_import import read_upload
from rooms.errors import Conflict, InvalidInput, NotFound
from rooms.hiring import (
    Activity,
    Candidate,
    CandidateContact,
    Position,
    PositionFields,
    RoundInterview,
    Stage,
)
from rooms.hiring_store import parse_board_query
from rooms.model import Role, Room, RoomMode
from rooms.templates import Template
from server.auth import ForbiddenError
from server.keys import ACCOUNTS, HIRING, INTERVIEWS, ONE_WAY, SETTINGS, STORE, TEMPLATES, TOKENS
from server.requests import read_json_object
from server.sessions import require_access

routes = web.RouteTableDef()
MAX_CANDIDATES_PER_REQUEST = 5000
MAX_COMPARE = 5


def require_branch_role(access: Access, branch_id: str, *roles: WorkspaceRole) -> None:
    if not access.can(branch_id, *roles):
        raise ForbiddenError("your role in this branch does not allow this")


async def load_position(request: web.Request, access: Access, *roles: WorkspaceRole) -> Position:
    """The route's position, if `access` holds one of `roles` in its branch (404, then 403): for API and pages."""
    position = await request.app[HIRING].get_position(request.match_info["position_id"])
    if position is None:
        raise NotFound("unknown position")
    require_branch_role(access, position.branch_id, *roles)
    return position


async def load_candidate(request: web.Request, access: Access, *roles: WorkspaceRole) -> Candidate:
    """The route's candidate, if `access` holds one of `roles` in its branch (404, then 403): for API and pages."""
    candidate = await request.app[HIRING].get_candidate(request.match_info["candidate_id"])
    if candidate is None:
        raise NotFound("unknown candidate")
    require_branch_role(access, candidate.branch_id, *roles)
    return candidate


async def position_for(request: web.Request, *roles: WorkspaceRole) -> tuple[Access, Position]:
    access = require_access(request)
    return access, await load_position(request, access, *roles)


async def candidate_for(request: web.Request, *roles: WorkspaceRole) -> tuple[Access, Candidate]:
    access = require_access(request)
    return access, await load_candidate(request, access, *roles)


# Templates: made at headquarters (the admin's templates page), usable by every branch's positions, editable
# only by headquarters admins (the /api/templates endpoints).


@routes.get("/api/workspace/templates")
async def list_templates(request: web.Request) -> web.Response:
    access = require_access(request)
    if access.branches_with(*MANAGERS) == set():
        raise ForbiddenError("this needs the hr or admin role")
    templates = await request.app[TEMPLATES].list_templates()
    return web.json_response(
        {
            "templates": [
                {"id": t.id, "title": t.title, "language": t.language, "questions": len(t.questions)} for t in templates
            ]
        }
    )


# Positions


@routes.get("/api/workspace/positions")
async def list_positions(request: web.Request) -> web.Response:
    access = require_access(request)
    branches = access.branches_with(*READERS)
    positions = await request.app[HIRING].positions(branches) if branches != set() else []
    return web.json_response({"positions": [p.to_public() for p in positions]})


@routes.post("/api/workspace/positions")
async def create_position(request: web.Request) -> web.Response:
    access = require_access(request)
    data = await read_json_object(request)
    branch_id = data.get("branch_id")
    if not isinstance(branch_id, str) or await request.app[ACCOUNTS].get_branch(branch_id) is None:
        raise InvalidInput("'branch_id' names no branch")
    require_branch_role(access, branch_id, *MANAGERS)
    fields = await _position_fields(request, data)
    position = await request.app[HIRING].create_position(secrets.token_urlsafe(9), branch_id, fields)
    return web.json_response(position.to_public(), status=201)


@routes.get("/api/workspace/positions/{position_id}")
async def get_position(request: web.Request) -> web.Response:
    _, position = await position_for(request, *READERS)
    return web.json_response(position.to_public())


@routes.put("/api/workspace/positions/{position_id}")
async def update_position(request: web.Request) -> web.Response:
    _, position = await position_for(request, *MANAGERS)
    fields = await _position_fields(request, await read_json_object(request))
    updated = await request.app[HIRING].update_position(position, fields)
    return web.json_response(updated.to_public())


async def _position_fields(request: web.Request, data: dict[str, Any]) -> PositionFields:
    fields = PositionFields.from_json(data)
    for i, round_ in enumerate(fields.rounds):
        if round_.template_id is not None and await request.app[TEMPLATES].get_template(round_.template_id) is None:
            raise InvalidInput(f"'rounds[{i}].template_id' names no template")
    people = {p.id: p for p in await request.app[ACCOUNTS].people()}
    for person_id in fields.interviewer_ids:
        person = people.get(person_id)
        if person is None or not any(m.role is WorkspaceRole.INTERVIEWER for m in person.memberships):
            raise InvalidInput(f"'interviewer_ids': {person_id!r} is not an interviewer")
    return fields


# The board


@routes.get("/api/workspace/positions/{position_id}/board")
async def board(request: web.Request) -> web.Response:
    """Candidates of a position by stage: `stage`, `q` (name contains), `sort`, `order`, `page`, `per_page`."""
    access, position = await position_for(request, *READERS)
    started = time.perf_counter()
    query = parse_board_query(position.id, dict(request.query))
    page = await request.app[HIRING].board(query)
    manager = access.can(position.branch_id, *MANAGERS)
    rows = []
    for candidate in page.candidates:
        row = candidate.to_public()
        if candidate.room_id is not None and candidate.stage not in (Stage.INVITED, Stage.STARTED):
            links = room_links_for(candidate.room_id, manager)
            row.update({k: v for k, v in links.items() if k in ("report_url", "replay_url")})
        rows.append(row)
    server_ms = (time.perf_counter() - started) * 1000.0
    return web.json_response(
        {
            "position": position.to_public(),
            "stages": page.stages,
            "total": page.total,
            "page": query.page,
            "per_page": query.per_page,
            "candidates": rows,
        },
        headers={"Server-Timing": f"board;dur={server_ms:.1f}"},
    )


# Candidates and invitations


@dataclass(frozen=True, slots=True)
class Invitation:
    candidate: Candidate
    interview: RoundInterview
    candidate_url: str

    def to_public(self) -> dict[str, Any]:
        return {
            **self.candidate.to_public(),
            "candidate_url": self.candidate_url,
            "expires_at": self.interview.expires_at,
        }


@routes.post("/api/workspace/positions/{position_id}/candidates")
async def invite(request: web.Request) -> web.Response:
    """`{"candidates": [{name, email?, phone?, timezone?}, ...]}`: every one valid, or none is created (400)."""
    access, position = await position_for(request, *MANAGERS)
    raw = (await read_json_object(request)).get("candidates")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_CANDIDATES_PER_REQUEST:
        raise InvalidInput(f"'candidates' must be a list of 1 to {MAX_CANDIDATES_PER_REQUEST} candidates")
    contacts = []
    for i, item in enumerate(raw):
        try:
            contacts.append(CandidateContact.from_json(item))
        except InvalidInput as exc:
            raise InvalidInput(f"candidates[{i}]: {exc}") from None
    invitations = await invite_all(request.app, position, contacts, access.label)
    return web.json_response({"created": [i.to_public() for i in invitations], "errors": []}, status=201)


@routes.post("/api/workspace/positions/{position_id}/candidates/upload")
async def upload(request: web.Request) -> web.Response:
    """A CSV or XLSX file (multipart field `file`): good rows are invited together, bad rows are reported."""
    access, position = await position_for(request, *MANAGERS)
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput("send the file as multipart/form-data in a field named 'file'")
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise InvalidInput("send the file as multipart/form-data in a field named 'file'")
    result = read_upload(upload.filename or "", upload.file.read())
    invitations = await invite_all(request.app, position, [c for _, c in result.contacts], access.label)
    return web.json_response(
        {
            "created": [i.to_public() for i in invitations],
            "errors": [e.to_public() for e in result.errors],
        },
        status=201 if invitations else 200,
    )


async def invite_all(
    app: web.Application, position: Position, contacts: list[CandidateContact], actor: str
) -> list[Invitation]:
    """A room per candidate (their first round), then every candidate in one transaction. If anything fails,
    the rooms made so far are deleted again: nothing is half-created."""
    if not contacts:
        return []
    round_ = position.rounds[0]
    template = await _round_template(app, round_.template_id)
    made: list[tuple[Room, str]] = []
    entries = []
    now = time.time()
    try:
        for contact in contacts:
            room, link = await _new_room(app, position, contact.name, round_.mode, template)
            made.append((room, link))
            candidate = Candidate(
                secrets.token_urlsafe(9),
                position.id,
                position.branch_id,
                contact.name,
                contact.email,
                contact.phone,
                contact.timezone,
                1,
                room.id,
                Stage.INVITED,
                now,
                now,
            )
            interview = RoundInterview(room.id, candidate.id, 1, round_.mode, now, _expiry(app, now))
            entries.append((candidate, interview, secret_hash(_token_of(link))))
        await app[HIRING].add_candidates(entries, actor)
    except BaseException:
        for room, _ in made:
            await _discard_room(app, room.id)
        raise
    return [Invitation(c, i, link) for (c, i, _), (_, link) in zip(entries, made, strict=True)]


async def _round_template(app: web.Application, template_id: str | None) -> Template | None:
    if template_id is None:
        return None
    template = await app[TEMPLATES].get_template(template_id)
    if template is None:
        raise Conflict("the position's template for this round was deleted; choose another one")
    return template


async def _new_room(
    app: web.Application, position: Position, name: str, mode: RoomMode, template: Template | None
) -> tuple[Room, str]:
    language = position.language or (template.language if template is not None else None)
    room = await app[INTERVIEWS].create(
        position.title, name, template.id if template else None, mode, language, position.retention_days
    )
    if template is not None:
        await app[ONE_WAY].attach(room, template)
    token = app[TOKENS].issue(room.id, Role.CANDIDATE, links_version=room.links_version)
    return room, f"/rooms/{room.id}/join?{urlencode({'token': token})}"


async def _discard_room(app: web.Application, room_id: str) -> None:
    await app[STORE].delete_room(room_id)
    await app[TEMPLATES].delete_room_script(room_id)


def _token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def _expiry(app: web.Application, now: float) -> float:
    # The room token itself expires after --token-ttl: the invitation cannot outlive it.
    settings = app[SETTINGS]
    return now + min(settings.invitation_days * 86400, settings.token_ttl_s)


@routes.get("/api/workspace/candidates/{candidate_id}")
async def get_candidate(request: web.Request) -> web.Response:
    access, candidate = await candidate_for(request, *READERS)
    interviews = await request.app[HIRING].interviews_of(candidate.id)
    manager = access.can(candidate.branch_id, *MANAGERS)
    return web.json_response(
        {
            **candidate.to_public(),
            "interviews": [{**i.to_public(), **room_links_for(i.room_id, manager)} for i in interviews],
        }
    )


def room_links_for(room_id: str, manager: bool) -> dict[str, str]:
    """Links to a room's report, replay and dashboard through the workspace (server/workspace_pages.py), which
    checks the person's session and role on the click and only then hands out a short-lived room link. No room
    token travels in the board's or the API's answers."""
    links = {"report_url": f"/workspace/rooms/{room_id}/report"}
    if manager:
        links["replay_url"] = f"/workspace/rooms/{room_id}/replay"
        links["dashboard_url"] = f"/workspace/rooms/{room_id}/dashboard"
    return links


@routes.get("/api/workspace/candidates/{candidate_id}/activity")
async def activity(request: web.Request) -> web.Response:
    _, candidate = await candidate_for(request, *MANAGERS)
    entries = await request.app[HIRING].activity(candidate.id)
    return web.json_response({"candidate_id": candidate.id, "activity": [a.to_public() for a in entries]})


@routes.post("/api/workspace/candidates/{candidate_id}/resend")
async def resend(request: web.Request) -> web.Response:
    """A new link for the candidate's current interview, with a new expiry; the old link stops working."""
    access, candidate = await candidate_for(request, *MANAGERS)
    if candidate.room_id is None:
        raise Conflict("this candidate has no interview")
    hiring = request.app[HIRING]
    # Links are revoked by their issue second (JWT iat): every link issued up to now, this second included, must
    # stop working, so the new one is dated the next second (a wait under a second).
    not_before = int(time.time()) + 1
    await asyncio.sleep(max(0.0, not_before - time.time()))
    room = await request.app[INTERVIEWS].get(candidate.room_id)
    token = request.app[TOKENS].issue(
        candidate.room_id, Role.CANDIDATE, now=not_before, links_version=room.links_version
    )
    expires_at = _expiry(request.app, time.time())
    await hiring.replace_link(candidate.room_id, secret_hash(token), expires_at, not_before)
    await hiring.log(Activity(candidate.id, time.time(), "link_resent", access.label, {"room_id": candidate.room_id}))
    link = f"/rooms/{candidate.room_id}/join?{urlencode({'token': token})}"
    return web.json_response({"candidate_url": link, "expires_at": expires_at, "room_id": candidate.room_id})


@routes.post("/api/workspace/candidates/{candidate_id}/next-round")
async def next_round(request: web.Request) -> web.Response:
    """The candidate's next round (the position's next template): a new interview, same candidate record."""
    access, candidate = await candidate_for(request, *MANAGERS)
    position = await request.app[HIRING].get_position(candidate.position_id)
    assert position is not None
    if candidate.round >= len(position.rounds):
        raise Conflict(f"the position has {len(position.rounds)} round(s); this candidate is in the last one")
    round_ = position.rounds[candidate.round]
    template = await _round_template(request.app, round_.template_id)
    room, link = await _new_room(request.app, position, candidate.name, round_.mode, template)
    now = time.time()
    interview = RoundInterview(room.id, candidate.id, candidate.round + 1, round_.mode, now, _expiry(request.app, now))
    try:
        await request.app[HIRING].next_round(candidate.id, interview, secret_hash(_token_of(link)), access.label)
    except BaseException:
        await _discard_room(request.app, room.id)
        raise
    return web.json_response({**interview.to_public(), "candidate_url": link}, status=201)


# Scheduling and assignment of a live interview


@routes.put("/api/workspace/interviews/{room_id}/schedule")
async def schedule(request: web.Request) -> web.Response:
    """`{"scheduled_at": ISO 8601 with offset | null, "duration_min": 45, "interviewer_ids": [...]}`; the
    interviewers come from the position's pool. The first one leads the interview."""
    access = require_access(request)
    interview, candidate, position = await _interview(request)
    require_branch_role(access, candidate.branch_id, *MANAGERS)
    data = await read_json_object(request)
    scheduled_at = _timestamp(data.get("scheduled_at"))
    duration = data.get("duration_min", 45)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 5 <= duration <= 480:
        raise InvalidInput("'duration_min' must be an integer from 5 to 480")
    interviewers = data.get("interviewer_ids", [])
    if not isinstance(interviewers, list) or not all(isinstance(i, str) for i in interviewers):
        raise InvalidInput("'interviewer_ids' must be a list of people's ids")
    outside = [i for i in interviewers if i not in position.interviewer_ids]
    if outside:
        raise InvalidInput(f"not in this position's interviewer pool: {', '.join(outside)}")
    hiring = request.app[HIRING]
    await hiring.schedule(interview.room_id, scheduled_at, duration, interviewers)
    await hiring.log(
        Activity(
            candidate.id,
            time.time(),
            "scheduled",
            access.label,
            {"room_id": interview.room_id, "scheduled_at": scheduled_at, "interviewer_ids": interviewers},
        )
    )
    updated = await hiring.get_interview(interview.room_id)
    assert updated is not None
    return web.json_response(updated.to_public())


@routes.get("/api/workspace/interviews/{room_id}/ics")
async def ics(request: web.Request) -> web.Response:
    """The interview as a calendar file, in the candidate's time zone: for the candidate and the interviewers."""
    access = require_access(request)
    interview, candidate, position = await _interview(request)
    if not (access.can(candidate.branch_id, *MANAGERS) or access.subject_id in interview.interviewer_ids):
        raise ForbiddenError("your role in this branch does not allow this")
    if interview.scheduled_at is None:
        raise Conflict("this interview has no time yet")
    organisation = await request.app[ACCOUNTS].organisation_name(request.app[SETTINGS].organisation)
    body = interview_ics(
        uid=f"{interview.room_id}@open-interview",
        title=f"{organisation}: {position.title} — {candidate.name}",
        description=f"Interview round {interview.round} for {position.title}.",
        starts_at=interview.scheduled_at,
        duration_min=interview.duration_min,
        timezone=candidate.timezone,
        url=None,
        stamp=time.time(),
    )
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="interview-{interview.room_id}.ics"'},
    )


@routes.get("/api/workspace/my-interviews")
async def my_interviews(request: web.Request) -> web.Response:
    """The interviews the signed-in person is assigned to, soonest first, with the dashboard link."""
    access = require_access(request)
    pairs = await request.app[HIRING].assigned_to(access.subject_id)
    positions = {p.id: p for p in await request.app[HIRING].positions(None)} if pairs else {}
    items = []
    for interview, candidate in pairs:
        lead = interview.interviewer_ids[:1] == (access.subject_id,)
        position = positions.get(candidate.position_id)
        items.append(
            {
                **interview.to_public(),
                "candidate_name": candidate.name,
                "position_title": position.title if position else "",
                "lead": lead,
                "dashboard_url": f"/workspace/rooms/{interview.room_id}/dashboard",
                "ics_url": f"/api/workspace/interviews/{interview.room_id}/ics",
            }
        )
    return web.json_response({"interviews": items})


async def _interview(request: web.Request) -> tuple[RoundInterview, Candidate, Position]:
    hiring = request.app[HIRING]
    interview = await hiring.get_interview(request.match_info["room_id"])
    candidate = await hiring.get_candidate(interview.candidate_id) if interview else None
    position = await hiring.get_position(candidate.position_id) if candidate else None
    if interview is None or candidate is None or position is None:
        raise NotFound("unknown interview")
    return interview, candidate, position


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.timestamp()
    raise InvalidInput("'scheduled_at' must be an ISO 8601 time with its offset, e.g. 2027-03-01T10:00:00+08:00")
