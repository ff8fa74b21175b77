"""Interview templates: an ordered question script per role, with timing, retakes and report rules.

Plain data plus validation. `Template.from_json` is the one door for untrusted input: anything malformed raises
`InvalidInput` (a JSON 400), never a TypeError deep inside. Rooms keep a snapshot of the template they were
created from, so editing or deleting a template never changes an interview already under way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.errors import InvalidInput
from rooms.model import parse_language
from rooms.rules import Rule

MAX_QUESTIONS = 50
MAX_TEXT = 2000
MAX_SECONDS = 3600
MEDIA_TYPES = ("image", "video")


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a script. Times are in seconds of the template's clock (scaled by the server for tests)."""

    text: str
    think_s: float = 30.0
    answer_s: float = 120.0
    retakes: int = 0  # extra takes allowed after the first
    # An optional intro clip or picture shown with the question: an https:// URL or a path on this server.
    media_url: str | None = None
    media_type: str | None = None  # "image" | "video"
    # For the people assessing, never shown to the candidate.
    keywords: tuple[str, ...] = ()
    rubric: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "think_s": self.think_s,
            "answer_s": self.answer_s,
            "retakes": self.retakes,
            "media_url": self.media_url,
            "media_type": self.media_type,
            "keywords": list(self.keywords),
            "rubric": self.rubric,
        }

    def for_candidate(self) -> dict[str, Any]:
        """What the candidate's page may show: no keywords, no rubric."""
        return {
            "text": self.text,
            "think_s": self.think_s,
            "answer_s": self.answer_s,
            "retakes": self.retakes,
            "media_url": self.media_url,
            "media_type": self.media_type,
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> Question:
        if not isinstance(data, dict):
            raise InvalidInput(f"{where} must be an object")
        text = _string(data.get("text"), f"{where}.text", MAX_TEXT)
        media_url = data.get("media_url")
        media_type = data.get("media_type")
        if media_url is not None:
            media_url = _string(media_url, f"{where}.media_url", 1000)
            if not media_url.startswith(("https://", "http://", "/")) or media_url.startswith("//"):
                raise InvalidInput(f"{where}.media_url must be an http(s) URL or a path on this server")
            if media_type is None:
                media_type = "video" if media_url.lower().endswith((".mp4", ".webm", ".ogv", ".mov")) else "image"
        if media_type is not None and media_type not in MEDIA_TYPES:
            raise InvalidInput(f"{where}.media_type must be one of {', '.join(MEDIA_TYPES)}")
        if media_type is not None and media_url is None:
            raise InvalidInput(f"{where}.media_type needs a media_url")
        keywords = data.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
            raise InvalidInput(f"{where}.keywords must be a list of non-empty strings")
        if len(keywords) > 50 or any(len(k) > 100 for k in keywords):
            raise InvalidInput(f"{where}.keywords: at most 50, each at most 100 characters")
        rubric = data.get("rubric")
        if rubric is not None:
            rubric = _string(rubric, f"{where}.rubric", MAX_TEXT)
        return cls(
            text=text,
            think_s=_seconds(data.get("think_s", 30), f"{where}.think_s", minimum=0.0),
            answer_s=_seconds(data.get("answer_s", 120), f"{where}.answer_s", minimum=1.0),
            retakes=_count(data.get("retakes", 0), f"{where}.retakes", 10),
            media_url=media_url,
            media_type=media_type,
            keywords=tuple(k.strip() for k in keywords),
            rubric=rubric,
        )


# Offered when a template says nothing about practice; `"practice": null` turns practice off.
DEFAULT_PRACTICE = Question(
    text="Practice question (not scored): introduce yourself in a few sentences.",
    think_s=15.0,
    answer_s=45.0,
)


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    title: str
    questions: tuple[Question, ...]
    role: str | None = None  # the job the template is for ("Backend engineer")
    practice: Question | None = DEFAULT_PRACTICE
    rules: tuple[Rule, ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0
    version: int = 1
    language: str | None = None  # rooms created from the template take it; None: the server's default

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "role": self.role,
            "language": self.language,
            "questions": [q.to_json() for q in self.questions],
            "practice": self.practice.to_json() if self.practice else None,
            "rules": [r.to_json() for r in self.rules],
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
        }

    @classmethod
    def from_json(
        cls, data: Any, *, id: str, created_at: float, updated_at: float | None = None, version: int = 1
    ) -> Template:
        """Validate an API body (or a stored template) into a Template."""
        if not isinstance(data, dict):
            raise InvalidInput("the template must be a JSON object")
        title = _string(data.get("title"), "title", 200)
        role = data.get("role")
        if role is not None:
            role = _string(role, "role", 200)
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            raise InvalidInput("'questions' must be a non-empty list")
        if len(questions) > MAX_QUESTIONS:
            raise InvalidInput(f"'questions' holds at most {MAX_QUESTIONS} questions")
        practice_data = data.get("practice", DEFAULT_PRACTICE.to_json())
        practice = None if practice_data is None else Question.from_json(practice_data, "practice")
        language = data.get("language")
        if language is not None:
            language = _language(language, "language")
        rules = data.get("rules", [])
        if not isinstance(rules, list) or len(rules) > 50:
            raise InvalidInput("'rules' must be a list of at most 50 rules")
        return cls(
            id=id,
            title=title,
            role=role,
            questions=tuple(Question.from_json(q, f"questions[{i}]") for i, q in enumerate(questions)),
            practice=practice,
            rules=tuple(Rule.from_json(r, f"rules[{i}]") for i, r in enumerate(rules)),
            created_at=created_at,
            updated_at=created_at if updated_at is None else updated_at,
            version=version,
            language=language,
        )


def _language(value: Any, name: str) -> str:
    try:
        return parse_language(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be 'zh', 'en', 'auto' or another language code") from None


def _string(value: Any, name: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"'{name}' must be a non-empty string")
    if len(value) > max_length:
        raise InvalidInput(f"'{name}' is longer than {max_length} characters")
    return value.strip()


def _seconds(value: Any, name: str, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput(f"'{name}' must be a number of seconds")
    if not minimum <= value <= MAX_SECONDS:
        raise InvalidInput(f"'{name}' must be between {minimum:g} and {MAX_SECONDS} seconds")
    return float(value)


def _count(value: Any, name: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidInput(f"'{name}' must be a whole number from 0 to {maximum}")
    return int(value)
