"""Positions, candidates and their interviews: what HR works with, as plain data plus validation."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rooms.errors import InvalidInput
from rooms.model import RoomMode, parse_language

MAX_ROUNDS = 10
MAX_INTERVIEWERS = 200


class Stage(enum.StrEnum):
    INVITED = "invited"
    STARTED = "started"
    COMPLETED = "completed"
    REVIEWED = "reviewed"
    ADVANCED = "advanced"
    REJECTED = "rejected"
    ON_HOLD = "on_hold"


# A human decision (rooms/review.py: advance / reject / hold) moves the candidate to its stage.
DECISION_STAGES = {"advance": Stage.ADVANCED, "reject": Stage.REJECTED, "hold": Stage.ON_HOLD}
# The report's events that are not flags: the script's markers, ordinary pauses, and a node of the cluster
# failing (the system's event, not the candidate's).
NOT_FLAGS = frozenset({"question_start", "question_end", "pause", "node_lost"})


@dataclass(frozen=True, slots=True)
class Round:
    """One interview round of a position: its question template and whether it is one-way or live."""

    template_id: str | None
    mode: RoomMode

    def to_public(self) -> dict[str, Any]:
        return {"template_id": self.template_id, "mode": self.mode.value}

    @classmethod
    def from_json(cls, data: Any, where: str) -> Round:
        if not isinstance(data, dict):
            raise InvalidInput(f"'{where}' must be an object")
        template_id = data.get("template_id")
        if template_id is not None and (not isinstance(template_id, str) or not template_id):
            raise InvalidInput(f"'{where}.template_id' must be a string")
        try:
            mode = RoomMode(data.get("mode", RoomMode.LIVE.value))
        except ValueError:
            raise InvalidInput(f"'{where}.mode' must be 'live' or 'one_way'") from None
        if mode is RoomMode.ONE_WAY and template_id is None:
            raise InvalidInput(f"'{where}': a one_way round needs a 'template_id'")
        return cls(template_id, mode)


@dataclass(frozen=True, slots=True)
class Position:
    id: str
    branch_id: str
    title: str
    description: str
    language: str | None
    retention_days: int | None
    rounds: tuple[Round, ...]
    interviewer_ids: tuple[str, ...]
    created_at: float
    updated_at: float

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "branch_id": self.branch_id,
            "title": self.title,
            "description": self.description,
            "language": self.language,
            "retention_days": self.retention_days,
            "rounds": [r.to_public() for r in self.rounds],
            "interviewer_ids": list(self.interviewer_ids),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class PositionFields:
    """A position's editable content, validated."""

    title: str
    description: str
    language: str | None
    retention_days: int | None
    rounds: tuple[Round, ...]
    interviewer_ids: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PositionFields:
        title = _text(data.get("title"), "title", 200, required=True)
        description = _text(data.get("description", ""), "description", 5000)
        language = data.get("language")
        if language is not None:
            try:
                language = parse_language(language)
            except ValueError:
                raise InvalidInput("'language' must be 'zh', 'en', 'auto' or another language code") from None
        retention = data.get("retention_days")
        if retention is not None and (isinstance(retention, bool) or not isinstance(retention, int)):
            raise InvalidInput("'retention_days' must be an integer")
        if retention is not None and not 1 <= retention <= 3650:
            raise InvalidInput("'retention_days' must be between 1 and 3650")
        raw_rounds = data.get("rounds", [{"mode": "live"}])
        if not isinstance(raw_rounds, list) or not 1 <= len(raw_rounds) <= MAX_ROUNDS:
            raise InvalidInput(f"'rounds' must be a list of 1 to {MAX_ROUNDS} rounds")
        rounds = tuple(Round.from_json(r, f"rounds[{i}]") for i, r in enumerate(raw_rounds))
        interviewers = data.get("interviewer_ids", [])
        if not isinstance(interviewers, list) or len(interviewers) > MAX_INTERVIEWERS:
            raise InvalidInput(f"'interviewer_ids' must be a list of at most {MAX_INTERVIEWERS} ids")
        if not all(isinstance(i, str) and i for i in interviewers):
            raise InvalidInput("'interviewer_ids' must hold people's ids")
        return cls(title, description, language, retention, rounds, tuple(dict.fromkeys(interviewers)))

    def position(self, position_id: str, branch_id: str, created_at: float, updated_at: float) -> Position:
        """The stored position holding these fields (created or edited)."""
        return Position(
            position_id,
            branch_id,
            self.title,
            self.description,
            self.language,
            self.retention_days,
            self.rounds,
            self.interviewer_ids,
            created_at,
            updated_at,
        )


@dataclass(frozen=True, slots=True)
class CandidateContact:
    """A candidate as invited: validated name and contact details."""

    name: str
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> CandidateContact:
        if not isinstance(data, dict):
            raise InvalidInput("a candidate must be an object")
        name = _text(data.get("name"), "name", 200, required=True)
        email = _optional_text(data.get("email"), "email", 254)
        if email is not None and ("@" not in email or " " in email):
            raise InvalidInput("'email' must be an email address")
        phone = _optional_text(data.get("phone"), "phone", 40)
        if phone is not None and not all(c.isdigit() or c in "+-() " for c in phone):
            raise InvalidInput("'phone' may hold only digits, spaces and + - ( )")
        timezone = parse_timezone(data.get("timezone"))
        return cls(name, email, phone, timezone)


def parse_timezone(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput("'timezone' must be an IANA time zone such as Asia/Shanghai")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"'timezone' {value!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    return value


@dataclass(slots=True)
class Candidate:
    id: str
    position_id: str
    branch_id: str
    name: str
    email: str | None
    phone: str | None
    timezone: str | None
    round: int
    room_id: str | None
    stage: Stage
    created_at: float
    updated_at: float
    overall: float | None = None
    dimensions: dict[str, float | None] = field(default_factory=dict)
    recommendation: str | None = None
    flags: dict[str, int] = field(default_factory=dict)
    rating: float | None = None
    ratings: int = 0

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "position_id": self.position_id,
            "branch_id": self.branch_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "timezone": self.timezone,
            "round": self.round,
            "room_id": self.room_id,
            "stage": self.stage.value,
            "overall": self.overall,
            "dimensions": self.dimensions,
            "recommendation": self.recommendation,
            "flags": self.flags,
            "rating": self.rating,
            "ratings": self.ratings,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class RoundInterview:
    """One interview (a room) of a candidate: its round, expiry, schedule and who is assigned."""

    room_id: str
    candidate_id: str
    round: int
    mode: RoomMode
    created_at: float
    expires_at: float
    scheduled_at: float | None = None
    duration_min: int = 45
    interviewer_ids: tuple[str, ...] = ()
    revoked: bool = False

    def to_public(self) -> dict[str, Any]:
        return {
            "room_id": self.room_id,
            "candidate_id": self.candidate_id,
            "round": self.round,
            "mode": self.mode.value,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "scheduled_at": self.scheduled_at,
            "duration_min": self.duration_min,
            "interviewer_ids": list(self.interviewer_ids),
        }


@dataclass(frozen=True, slots=True)
class Activity:
    candidate_id: str
    at: float
    kind: str
    actor: str
    detail: dict[str, Any] | None = None

    def to_public(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "actor": self.actor, "detail": self.detail}


def report_summary(report: dict[str, Any]) -> tuple[float | None, dict[str, float | None], str | None, dict[str, int]]:
    """What the board shows of a report: overall score, dimension scores, the rules' recommendation, flags."""
    overall = (report.get("overall") or {}).get("score")
    dimensions = {k: v.get("score") for k, v in (report.get("dimensions") or {}).items() if isinstance(v, dict)}
    recommendation = (report.get("outcome") or {}).get("recommendation")
    flags: dict[str, int] = {}
    for event in report.get("events") or []:
        name = event.get("name") if isinstance(event, dict) else None
        if isinstance(name, str) and name not in NOT_FLAGS:
            flags[name] = flags.get(name, 0) + 1
    return overall, dimensions, recommendation, flags


def _text(value: Any, name: str, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"'{name}' must be a {'non-empty ' if required else ''}string")
    if len(value) > max_length:
        raise InvalidInput(f"'{name}' is longer than {max_length} characters")
    return value.strip()


def _optional_text(value: Any, name: str, max_length: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value, name, max_length)
