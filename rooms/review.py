"""What people add to an interview: interviewers' time-stamped notes and ratings, and HR's human decision.

Both are kept apart from the analysed timeline, which stays a pure record of what the analysis measured (the
report is a pure function of it); they are joined to the report when it is read. The candidate-facing status
is derived here too, so what a candidate may see is decided in one place.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import asdict, dataclass
from typing import Any

from rooms.errors import InvalidInput
from rooms.model import Room, RoomStatus

MAX_NOTE_CHARS = 2000
MAX_AUTHOR_CHARS = 80
MAX_DECISION_NOTE_CHARS = 4000
MAX_FEEDBACK_CHARS = 4000
RATING_RANGE = (1, 5)


class Decision(enum.StrEnum):
    ADVANCE = "advance"
    REJECT = "reject"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Note:
    """An interviewer's note at a media time `t` (seconds since the interview started), with an optional rating."""

    room_id: str
    t: float
    text: str
    rating: int | None
    author: str  # a name the author typed, or their role ("lead", "observer", "hr", "admin")
    created_at: float
    id: int | None = None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "t": round(self.t, 3),
            "text": self.text,
            "rating": self.rating,
            "author": self.author,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class HumanDecision:
    room_id: str
    decision: Decision
    note: str
    feedback: str
    share_feedback: bool
    share_scores: bool
    decided_by: str
    decided_at: float

    def to_public(self) -> dict[str, Any]:
        data = asdict(self)
        data["decision"] = self.decision.value
        del data["room_id"]
        return data


def parse_note(data: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """(text, rating, author) from a request body; InvalidInput names what is wrong."""
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("'text' must be a non-empty string")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(f"'text' is longer than {MAX_NOTE_CHARS} characters")
    rating = data.get("rating")
    low, high = RATING_RANGE
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not low <= rating <= high):
        raise InvalidInput(f"'rating' must be an integer from {low} to {high}")
    author = data.get("author")
    if author is not None:
        if not isinstance(author, str) or len(author.strip()) > MAX_AUTHOR_CHARS:
            raise InvalidInput(f"'author' must be a string of at most {MAX_AUTHOR_CHARS} characters")
        author = author.strip() or None
    return text.strip(), rating, author


def parse_decision(data: dict[str, Any]) -> tuple[Decision, str, str, bool, bool]:
    """(decision, note, feedback, share_feedback, share_scores) from a request body."""
    try:
        decision = Decision(str(data.get("decision")))
    except ValueError:
        raise InvalidInput(f"'decision' must be one of {', '.join(d.value for d in Decision)}") from None
    note = _optional_text(data, "note", MAX_DECISION_NOTE_CHARS)
    feedback = _optional_text(data, "feedback", MAX_FEEDBACK_CHARS)
    share_feedback = _flag(data, "share_feedback")
    share_scores = _flag(data, "share_scores")
    if share_feedback and not feedback:
        raise InvalidInput("'share_feedback' needs a non-empty 'feedback' text")
    return decision, note, feedback, share_feedback, share_scores


def _optional_text(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"'{key}' must be a string of at most {limit} characters")
    return value.strip()


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"'{key}' must be true or false")
    return value


def media_time(room: Room, now: float) -> float:
    """Where `now` falls on the interview's media time: 0 before it started, held at the end once it ended."""
    if room.started_at is None:
        return 0.0
    until = min(now, room.ended_at) if room.ended_at is not None else now
    return max(0.0, until - room.started_at)


def annotate_report(report: dict[str, Any], notes: list[Note], decision: HumanDecision | None) -> dict[str, Any]:
    """The report as people read it: the stored analysis plus notes and the human decision.

    The stored report is left untouched (it must stay a reproducible function of the timeline). A human decision
    overrides the automatic recommendation (`outcome.recommendation`, from the template's rules) without erasing
    it: both are shown, and `decision.overrides` says what was overridden.
    """
    annotated = copy.copy(report)
    annotated["notes"] = [note.to_public() for note in notes]
    ratings = [note.rating for note in notes if note.rating is not None]
    annotated["ratings"] = {
        "count": len(ratings),
        "mean": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "scale": list(RATING_RANGE),
    }
    if decision is not None:
        outcome = report.get("outcome")
        automatic = outcome.get("recommendation") if isinstance(outcome, dict) else None
        annotated["decision"] = {**decision.to_public(), "overrides": automatic}
    return annotated


class CandidateStage(enum.StrEnum):
    WAITING = "waiting"  # the interview has not started
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # ended; nobody has decided anything yet
    UNDER_REVIEW = "under_review"  # a decision exists but HR has not shared anything
    FEEDBACK = "feedback"  # HR shared feedback text


_STAGE_TEXT = {
    CandidateStage.WAITING: "Your interview has not started yet.",
    CandidateStage.IN_PROGRESS: "Your interview is in progress.",
    CandidateStage.SUBMITTED: "Your interview has been submitted. Thank you.",
    CandidateStage.UNDER_REVIEW: "Your interview is under review.",
    CandidateStage.FEEDBACK: "The organisation has shared feedback with you.",
}


def candidate_status(room: Room, decision: HumanDecision | None, report: dict[str, Any] | None) -> dict[str, Any]:
    """What the candidate's link shows. Never scores, ratings, notes or the decision label itself, unless HR
    chose to share feedback (the text only) or scores (the report's overall and dimension scores only)."""
    if room.status is RoomStatus.WAITING:
        stage = CandidateStage.WAITING
    elif room.status is RoomStatus.LIVE:
        stage = CandidateStage.IN_PROGRESS
    elif decision is None:
        stage = CandidateStage.SUBMITTED
    elif decision.share_feedback:
        stage = CandidateStage.FEEDBACK
    else:
        stage = CandidateStage.UNDER_REVIEW
    status: dict[str, Any] = {
        "room_id": room.id,
        "title": room.title,
        "stage": stage.value,
        "message": _STAGE_TEXT[stage],
        "ended_at": room.ended_at,
    }
    if decision is not None and decision.share_feedback:
        status["feedback"] = decision.feedback
    if decision is not None and decision.share_scores and report is not None:
        status["scores"] = shared_scores(report)
    return status


def shared_scores(report: dict[str, Any]) -> dict[str, Any]:
    """Only the summary scores HR chose to share: overall and per dimension, no measures or evidence."""
    shared: dict[str, Any] = {}
    overall = report.get("overall")
    if isinstance(overall, dict) and isinstance(overall.get("score"), int | float):
        shared["overall"] = overall["score"]
    elif isinstance(overall, int | float):
        shared["overall"] = overall
    dimensions = report.get("dimensions")
    if isinstance(dimensions, dict):
        shared["dimensions"] = {
            name: d["score"]
            for name, d in sorted(dimensions.items())
            if isinstance(d, dict) and isinstance(d.get("score"), int | float)
        }
    elif isinstance(dimensions, list):
        shared["dimensions"] = {
            str(d.get("name")): d["score"]
            for d in dimensions
            if isinstance(d, dict) and isinstance(d.get("score"), int | float)
        }
    return shared
