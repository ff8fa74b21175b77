"""The role links a room hands out: root-relative URLs carrying a signed role token."""

from __future__ import annotations

from urllib.parse import urlencode

from rooms.model import Role, Room
from server.auth import TokenIssuer


def room_links(room: Room, tokens: TokenIssuer) -> dict[str, str]:
    candidate = tokens.issue(room.id, Role.CANDIDATE)
    interviewer = tokens.issue(room.id, Role.INTERVIEWER)
    observer = tokens.issue(room.id, Role.INTERVIEWER, lead=False)
    return {
        "candidate_url": f"/rooms/{room.id}/join?{urlencode({'token': candidate})}",
        "interviewer_url": f"/rooms/{room.id}/dashboard?{urlencode({'token': interviewer})}",
        # Further interviewers watch and take notes; only the lead (interviewer_url) steers and ends.
        "observer_url": f"/rooms/{room.id}/dashboard?{urlencode({'token': observer})}",
        "report_url": f"/rooms/{room.id}/report?{urlencode({'token': interviewer})}",
    }
