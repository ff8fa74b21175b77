"""Who may do what: the admin bearer token and per-room, per-role signed, expiring tokens (JWT, HS256)."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import jwt

from rooms.model import Role

_ALGORITHM = "HS256"


class AuthError(Exception):
    """A token is missing, malformed, expired, or for another room. Maps to 401."""


class ForbiddenError(Exception):
    """A valid token whose role may not do this. Maps to 403."""


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    room_id: str | None  # None for the admin, who may act on every room
    # An interviewer token is the room's lead unless it says otherwise ("lead": false marks an observer, who
    # watches and takes notes but may not end the interview or mark questions). Older tokens carry no claim.
    lead: bool = True
    # A report link: it reads the report, the replay and the recording of its room, and nothing else.
    read_only: bool = False
    links_version: int = 1  # the room's link generation it was issued in (revoking links starts a new one)


class TokenIssuer:
    def __init__(self, signing_key: str, admin_token: str, ttl_s: int, read_only_ttl_s: int | None = None) -> None:
        self._key = signing_key
        self._admin_token = admin_token
        self._ttl_s = ttl_s
        self._read_only_ttl_s = read_only_ttl_s or ttl_s

    def issue(
        self,
        room_id: str,
        role: Role,
        now: float | None = None,
        lead: bool = True,
        *,
        links_version: int = 1,
        read_only: bool = False,
    ) -> str:
        issued = int(now if now is not None else time.time())
        ttl = self._read_only_ttl_s if read_only else self._ttl_s
        claims: dict[str, object] = {"sub": room_id, "role": role.value, "iat": issued, "exp": issued + ttl}
        if not lead:
            claims["lead"] = False
        if read_only:
            claims["ro"] = True
        if links_version != 1:
            claims["lv"] = links_version
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM)

    def peer_proof(self, node_id: str) -> str:
        """What a node sends beside X-Interview-Forwarded-By: only holders of the shared signing key can make it."""
        return hmac.new(self._key.encode(), b"forwarded-by:" + node_id.encode(), hashlib.sha256).hexdigest()

    def is_peer(self, node_id: str, proof: str) -> bool:
        return hmac.compare_digest(self.peer_proof(node_id).encode(), proof.encode())

    def verify(self, token: str | None, room_id: str | None) -> Principal:
        """The principal a token stands for. `room_id` is the room the request is about, if any."""
        if not token:
            raise AuthError("missing token")
        if hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return Principal(Role.ADMIN, None)
        try:
            claims = jwt.decode(token, self._key, algorithms=[_ALGORITHM], options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidTokenError:
            raise AuthError("invalid token") from None
        try:
            role = Role(str(claims.get("role")))
        except ValueError:
            raise AuthError("invalid token") from None
        if role is Role.ADMIN:
            raise AuthError("invalid token")  # admin power comes only from the admin token
        if room_id is not None and claims["sub"] != room_id:
            raise AuthError("token is for another room")
        links_version = claims.get("lv", 1)
        return Principal(
            role,
            claims["sub"],
            lead=claims.get("lead") is not False,
            read_only=claims.get("ro") is True,
            links_version=links_version if isinstance(links_version, int) else 1,
        )


# The role groups, named once. The admin passes every check without being listed.
STAFF = (Role.INTERVIEWER, Role.HR)  # see measures, reports, notes and replays; never the candidate
ROOM_MEMBERS = (Role.CANDIDATE, *STAFF)  # everyone a room's links admit


def require_role(principal: Principal, *allowed: Role) -> None:
    if principal.role is not Role.ADMIN and principal.role not in allowed:
        raise ForbiddenError(f"the {principal.role.value} role may not do this")


def require_lead(principal: Principal) -> None:
    """Only the lead interviewer (or the admin) steers the interview: observers watch and take notes."""
    if principal.role is Role.INTERVIEWER and not principal.lead:
        raise ForbiddenError("observers may not do this; only the lead interviewer can")
