"""Interviewers correct a transcript line after the interview; the report is rebuilt with the corrected text.

POST /api/rooms/{id}/transcript/corrections  {"t": 12.34, "text": "corrected line"}   interviewers, HR, admin

`t` names the line: the media time of its final (the `t` the replay data and the report give each line). The
correction is appended to the interview's timeline (rooms/transcript_lines.py) with who made it and when: the
recognized text stays there untouched, the correction is marked in the report and the replay, and logged. A
later correction of the same line replaces the earlier one (both stay in the timeline). Only ended interviews:
the live transcript is still being written.
"""

from __future__ import annotations

import logging
import math
import time

from aiohttp import web

from rooms.errors import Conflict, InvalidInput, NotFound
from rooms.model import Role, RoomStatus
from rooms.transcript_lines import correction_observation, find_line
from server.keys import INTERVIEWS, STORE
from server.requests import authorize, read_json_object

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
MAX_LINE_CHARS = 2000
MAX_CORRECTIONS_PER_ROOM = 2000  # a bound on what one room's timeline may grow by


@routes.post("/api/rooms/{room_id}/transcript/corrections")
async def correct_line(request: web.Request) -> web.Response:
    principal = authorize(request, Role.INTERVIEWER, Role.HR)
    interviews = request.app[INTERVIEWS]
    room = await interviews.get(request.match_info["room_id"])
    data = await read_json_object(request)
    line_t = data.get("t")
    if isinstance(line_t, bool) or not isinstance(line_t, int | float) or not math.isfinite(line_t) or line_t < 0:
        raise InvalidInput("'t' must be the line's time in seconds (a number >= 0)")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("'text' must be the corrected line (a non-empty string)")
    text = text.strip()
    if len(text) > MAX_LINE_CHARS:
        raise InvalidInput(f"'text' is longer than {MAX_LINE_CHARS} characters")
    if room.status is not RoomStatus.ENDED:
        raise Conflict("transcript lines can be corrected once the interview has ended")
    store = request.app[STORE]
    timeline = await store.timeline(room.id)
    line = find_line(timeline, float(line_t))
    if line is None:
        raise NotFound(f"no transcript line at t={line_t}")
    if sum(1 for o in timeline if o.name == "correction") >= MAX_CORRECTIONS_PER_ROOM:
        raise Conflict(f"this room already holds {MAX_CORRECTIONS_PER_ROOM} corrections")
    by = principal.role.value
    correction = correction_observation(round(line.t, 2), text, str(line.value), by, time.time())
    await store.append_observations(room.id, [correction])
    log.info("transcript line at %.2f s of room %s corrected by %s", line.t, room.id, by)
    report = await interviews.write_report(room)  # the report reads the corrected text
    return web.json_response(
        {
            "room_id": room.id,
            "line": {"t": round(line.t, 2), "text": text, "corrected": True, "original": line.value, "by": by},
            "report_generated_at": report.get("generated_at"),
        },
        status=201,
    )
