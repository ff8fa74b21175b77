"""Data that flows through the product: rooms and the observations analyzers make about them."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

# "auto": detected once from the candidate's first seconds of speech. "zh" and "en" are the product's languages;
# another code works where a speech model for it is configured.
AUTO_LANGUAGE = "auto"
_LANGUAGE = re.compile(r"^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")


def parse_language(value: Any) -> str:
    """An interview language: "zh", "en", "auto" or another language code; ValueError otherwise."""
    if not isinstance(value, str) or not _LANGUAGE.match(value.strip()):
        raise ValueError(f"expected 'zh', 'en', 'auto' or another language code, got {value!r}")
    return value.strip()


class RoomStatus(enum.StrEnum):
    WAITING = "waiting"
    LIVE = "live"
    ENDED = "ended"


class RoomMode(enum.StrEnum):
    LIVE = "live"  # an interviewer runs the interview
    ONE_WAY = "one_way"  # asynchronous: the server runs the template's script, no interviewer present


class Role(enum.StrEnum):
    CANDIDATE = "candidate"
    INTERVIEWER = "interviewer"
    HR = "hr"
    ADMIN = "admin"


@dataclass(slots=True)
class Room:
    """A stored interview room. Small and versioned: runtime state (peers, tasks) lives elsewhere."""

    id: str
    title: str
    candidate_name: str
    status: RoomStatus = RoomStatus.WAITING
    created_at: float = 0.0
    # Wall-clock origin of media time: observation `t` is seconds since this instant, across reconnects.
    started_at: float | None = None
    ended_at: float | None = None
    version: int = 1
    template_id: str | None = None  # the question template the room was created from
    mode: RoomMode = RoomMode.LIVE
    # The interview language (speech recognition, the candidate's pages): see `parse_language`.
    language: str = "en"
    # Raised to revoke every link handed out so far: tokens carry the generation they were issued in.
    links_version: int = 1
    # Days this interview's data is kept after its end; None: the organisation's default (--retention-days).
    retention_days: int | None = None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "candidate_name": self.candidate_name,
            "status": self.status.value,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "template_id": self.template_id,
            "mode": self.mode.value,
            "language": self.language,
            "retention_days": self.retention_days,
        }


class ObservationType(enum.StrEnum):
    METRIC = "metric"  # a sampled value (face_present, speech_rate, ...)
    EVENT = "event"  # something that happened at a time (a pause ended, the face was lost)
    TRANSCRIPT = "transcript"
    HEALTH = "health"  # the pipeline observing itself: analyzed fps, drops, lag
    STATUS = "status"  # room and connection state changes


ObservationValue = float | int | bool | str | None


@dataclass(frozen=True, slots=True)
class Observation:
    """One typed fact about an interview at a media time.

    `t` is media time: seconds since the interview started, derived from the sample's own timestamp, so a
    backlog shows as `t` falling behind the wall clock. `arrival` is the wall-clock time (epoch seconds) at
    which the sample it was computed from reached the server; latency is measured from it when sent.
    """

    type: ObservationType
    name: str
    value: ObservationValue
    t: float
    arrival: float
    detail: dict[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        # Analyzers compute with numpy; a numpy scalar would make every encoder downstream choke.
        item = getattr(self.value, "item", None)
        if item is not None and not isinstance(self.value, str):
            object.__setattr__(self, "value", item())

    def to_wire(self, now: float) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "type": self.type.value,
            "name": self.name,
            "value": self.value,
            "t": round(self.t, 3),
            "latency_ms": round(max(0.0, now - self.arrival) * 1000.0, 1),
        }
        if self.detail:
            wire["detail"] = self.detail
        return wire

    def to_record(self) -> dict[str, Any]:
        """The stored form: what the timeline keeps (no latency, which only means something when sent)."""
        record: dict[str, Any] = {
            "type": self.type.value,
            "name": self.name,
            "value": self.value,
            "t": round(self.t, 3),
            "arrival": round(self.arrival, 3),
        }
        if self.detail:
            record["detail"] = self.detail
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Observation:
        return cls(
            type=ObservationType(record["type"]),
            name=record["name"],
            value=record["value"],
            t=float(record["t"]),
            arrival=float(record["arrival"]),
            detail=record.get("detail"),
        )
