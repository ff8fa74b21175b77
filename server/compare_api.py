"""Compare 2-5 candidates of one position side by side: GET /api/workspace/positions/{id}/compare?ids=a,b.

Per candidate: the board's row (stage, overall, recommendation, flags, rating), each dimension's score, and per
question the measures an assessor reads first, the share of the template's expected keywords heard in the
answer's transcript, and the moments that matter (flags, long pauses) as replay times.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rooms.accounts import MANAGERS, READERS
from rooms.errors import InvalidInput
from rooms.hiring import NOT_FLAGS
from rooms.measures import ANSWER_LATENCY, EYE_CONTACT, FACE_PRESENCE, LONGEST_PAUSE, PAUSE, SPEAKING_TIME, SPEECH_RATE
from server.hiring_api import position_for, room_links_for
from server.keys import HIRING, STORE, TEMPLATES

routes = web.RouteTableDef()
MIN_COMPARE, MAX_COMPARE = 2, 5
QUESTION_MEASURES = (EYE_CONTACT, FACE_PRESENCE, SPEAKING_TIME, SPEECH_RATE, ANSWER_LATENCY, LONGEST_PAUSE)


@routes.get("/api/workspace/positions/{position_id}/compare")
async def compare(request: web.Request) -> web.Response:
    access, position = await position_for(request, *READERS)
    ids = [i for i in request.query.get("ids", "").split(",") if i]
    if not MIN_COMPARE <= len(set(ids)) <= MAX_COMPARE:
        raise InvalidInput(f"'ids' must name {MIN_COMPARE} to {MAX_COMPARE} candidates, comma separated")
    candidates = {c.id: c for c in await request.app[HIRING].candidates(dict.fromkeys(ids))}
    if len(candidates) != len(set(ids)) or any(c.position_id != position.id for c in candidates.values()):
        raise InvalidInput("every candidate compared must belong to this position")
    manager = access.can(position.branch_id, *MANAGERS)
    columns = []
    for candidate_id in dict.fromkeys(ids):
        candidate = candidates[candidate_id]
        column: dict[str, Any] = {**candidate.to_public(), "questions": [], "moments": []}
        if candidate.room_id is not None:
            column.update(room_links_for(candidate.room_id, manager))
            report = await request.app[STORE].get_report(candidate.room_id)
            if report is not None:
                keywords = await _keywords(request.app, candidate.room_id)
                column["questions"] = [_question(q, keywords) for q in report.get("questions") or []]
                column["moments"] = _moments(report)
        columns.append(column)
    return web.json_response({"position": position.to_public(), "candidates": columns})


async def _keywords(app: web.Application, room_id: str) -> list[tuple[str, ...]]:
    script = await app[TEMPLATES].get_room_script(room_id)
    return [q.keywords for q in script.template.questions] if script is not None else []


def _question(question: dict[str, Any], keywords: list[tuple[str, ...]]) -> dict[str, Any]:
    metrics = question.get("metrics") or {}
    index = question.get("index")
    expected = keywords[index] if isinstance(index, int) and 0 <= index < len(keywords) else ()
    said = " ".join(line.get("text") or "" for line in question.get("transcript") or []).casefold()
    heard = [k for k in expected if k.casefold() in said]
    return {
        "index": index,
        "text": question.get("text") or question.get("label"),
        "start_t": question.get("start_t"),
        "measures": {
            name: {"value": metrics[name].get("value"), "unit": metrics[name].get("unit")}
            for name in QUESTION_MEASURES
            if isinstance(metrics.get(name), dict)
        },
        "keywords": {"expected": list(expected), "heard": heard, "coverage": len(heard) / len(expected)}
        if expected
        else None,
    }


def _moments(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Flags and notable pauses with their time in the recording: where a reviewer should look."""
    moments = [
        {"t": e.get("t"), "name": e.get("name"), "value": e.get("value")}
        for e in report.get("events") or []
        if isinstance(e, dict) and (e.get("name") not in NOT_FLAGS or e.get("name") == PAUSE)
    ]
    return moments[:20]
