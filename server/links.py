"""The role links a room hands out: root-relative URLs carrying a signed role token."""

from __future__ import annotations

from urllib.parse import urlencode

from rooms.model import Role, Room
from server.auth import TokenIssuer


def room_links(room: Room, tokens: TokenIssuer) -> dict[str, str]:
    candidate = tokens.issue(room.id, Role.CANDIDATE)
    interviewer = tokens.issue(room.id, Role.INTERVIEWER)
    return {
        "candidate_url": f"/rooms/{room.id}/join?{urlencode({'token': candidate})}",
        "interviewer_url": f"/rooms/{room.id}/dashboard?{urlencode({'token': interviewer})}",
        "report_url": f"/rooms/{room.id}/report?{urlencode({'token': interviewer})}",
    }
