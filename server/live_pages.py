"""What the candidate's and the interviewers' pages need for the live two-way interview: signaling and notes
URLs, who leads, and the template's questions for "next question"."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from rooms.model import Role, Room
from server.auth import Principal
from server.i18n import N_
from server.keys import TEMPLATES

log = logging.getLogger(__name__)


def _with_token(path: str, token: str) -> str:
    return f"{path}?{urlencode({'token': token})}"


def is_two_way(room: Room) -> bool:
    """One-way (asynchronous) interviews have nobody on the other side to call."""
    return str(getattr(room, "mode", "live") or "live") != "one_way"


def candidate_call_context(room: Room, token: str) -> dict[str, Any]:
    base = f"/api/rooms/{room.id}"
    return {
        "signal_url": _with_token(f"{base}/signal", token) if is_two_way(room) else None,
        "candidate_status_url": _with_token(f"{base}/status", token),
    }


async def interviewer_call_context(
    app: web.Application, principal: Principal, room: Room, token: str
) -> dict[str, Any]:
    base = f"/api/rooms/{room.id}"
    # The admin may stand in for the lead; HR and observers watch through the server relay instead of calling.
    lead = principal.role is Role.ADMIN or (principal.role is Role.INTERVIEWER and principal.lead)
    return {
        "is_lead": lead,
        # English here, translated where shown (interviewer.html).
        "role_label": (
            N_("lead interviewer") if lead else (N_("observer") if principal.role is Role.INTERVIEWER else N_("HR"))
        ),
        "signal_url": _with_token(f"{base}/signal", token) if lead and is_two_way(room) else None,
        "notes_url": _with_token(f"{base}/notes", token),
        "questions": await template_questions(app, room),
    }


async def template_questions(app: web.Application, room: Room) -> list[dict[str, Any]]:
    """The questions of the room's own copy of its template, as [{index, text}]; [] (free questions) without one."""
    store = app.get(TEMPLATES)
    if store is None or not getattr(room, "template_id", None):
        return []
    try:
        script = await store.get_room_script(room.id)
    except Exception:  # a broken template must not take the dashboard down: free questions still work
        log.exception("could not load the template of room %s", room.id)
        return []
    if script is None:
        return []
    return [{"index": index, "text": question.text} for index, question in enumerate(script.template.questions)]
