"""The role links a room hands out: root-relative URLs carrying a signed role token."""

from __future__ import annotations

from urllib.parse import urlencode

from rooms.model import Role, Room
from server.auth import TokenIssuer


def room_links(room: Room, tokens: TokenIssuer) -> dict[str, str]:
    generation = room.links_version  # revoking the room's links raises it: older tokens stop working
    candidate = tokens.issue(room.id, Role.CANDIDATE, links_version=generation)
    interviewer = tokens.issue(room.id, Role.INTERVIEWER, links_version=generation)
    observer = tokens.issue(room.id, Role.INTERVIEWER, lead=False, links_version=generation)
    # The report link is forwarded to people who were not in the interview: it reads, and nothing more.
    reader = tokens.issue(room.id, Role.HR, links_version=generation, read_only=True)
    return {
        "candidate_url": f"/rooms/{room.id}/join?{urlencode({'token': candidate})}",
        "interviewer_url": f"/rooms/{room.id}/dashboard?{urlencode({'token': interviewer})}",
        # Further interviewers watch and take notes; only the lead (interviewer_url) steers and ends.
        "observer_url": f"/rooms/{room.id}/dashboard?{urlencode({'token': observer})}",
        "report_url": f"/rooms/{room.id}/report?{urlencode({'token': reader})}",
        "replay_url": f"/rooms/{room.id}/replay?{urlencode({'token': reader})}",
    }
