"""The lead interviewer moves a live interview to its next question: one of the template's, or a free one.

POST /api/rooms/{id}/question  {"index": 2}  or  {"text": "Tell me about a hard bug"}   (lead interviewer, admin)

It records a `question_start` marker with detail {"index", "text", "label"} (the same shape one-way scripts use),
so the report's per-question breakdown and the analyzers' answer timing treat live and one-way questions alike.
The question's end ("answer now") is the existing POST /marks {"name": "question_end"}.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rooms.errors import Conflict, InvalidInput
from rooms.measures import QUESTION_START
from rooms.model import Role, RoomMode
from server.auth import require_lead
from server.keys import INTERVIEWS
from server.live_pages import template_questions
from server.requests import authorize, read_json_object

routes = web.RouteTableDef()
MAX_QUESTION_CHARS = 500


@routes.post("/api/rooms/{room_id}/question")
async def next_question(request: web.Request) -> web.Response:
    require_lead(authorize(request, Role.INTERVIEWER))
    data = await read_json_object(request)
    interviews = request.app[INTERVIEWS]
    room = await interviews.get(request.match_info["room_id"])
    if room.mode is RoomMode.ONE_WAY:
        raise Conflict("a one-way interview's script moves on by itself")
    detail: dict[str, Any]
    index = data.get("index")
    if index is not None:
        questions = await template_questions(request.app, room)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(questions):
            raise InvalidInput(f"'index' must name one of this room's {len(questions)} template questions")
        text = questions[index]["text"]
        detail = {"index": index, "text": text, "label": f"Question {index + 1}"}
    else:
        text = data.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_QUESTION_CHARS:
            raise InvalidInput(f"give 'index' (a template question) or 'text' (≤ {MAX_QUESTION_CHARS} characters)")
        text = text.strip()
        detail = {"text": text, "label": text}
    observation = await interviews.mark(room.id, QUESTION_START, detail["label"], detail=detail)
    return web.json_response(observation.to_record(), status=201)
