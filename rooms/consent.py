"""The candidate's consents (PIPL): joining the call, and, separately, the analysis of face and voice.

Each choice is kept in the room's timeline as a `consent` event (time, choice, the notice's text version and the
language it was shown in), so it is stored wherever the timeline is, travels with the room and is deleted with it.
A candidate who declines the analysis is still interviewed: media reaches the interviewer, nothing is analysed or
recorded, and the report says "analysis declined".
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from rooms.errors import InvalidInput
from rooms.model import Observation, ObservationType

CONSENT_EVENT = "consent"
# Bumped whenever the notice's wording changes, in either language: a record names the text the candidate read.
CONSENT_TEXT_VERSION = "2026-12-06.1"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    analysis: bool  # the separate consent to the analysis (and recording) of face and voice
    text_version: str
    language: str  # the language the notice was shown in ("zh-CN", "en")
    at: float  # epoch seconds

    def to_public(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_request(cls, data: dict[str, Any], now: float | None = None) -> ConsentRecord:
        analysis = data.get("analysis")
        if not isinstance(analysis, bool):
            raise InvalidInput("'analysis' must be true or false")
        text_version = data.get("text_version")
        if not isinstance(text_version, str) or not 0 < len(text_version) <= 40:
            raise InvalidInput("'text_version' must be a string of at most 40 characters")
        language = data.get("language")
        if not isinstance(language, str) or not 0 < len(language) <= 20:
            raise InvalidInput("'language' must be a language tag such as zh-CN or en")
        return cls(analysis, text_version, language, time.time() if now is None else now)

    def observation(self, started_at: float | None) -> Observation:
        t = max(0.0, self.at - started_at) if started_at else 0.0
        return Observation(ObservationType.EVENT, CONSENT_EVENT, self.analysis, t, self.at, self.to_public())


def consents(timeline: Iterable[Observation]) -> list[ConsentRecord]:
    """Every consent recorded in a timeline, oldest first."""
    records = []
    for o in timeline:
        if o.type is ObservationType.EVENT and o.name == CONSENT_EVENT and o.detail:
            d = o.detail
            records.append(
                ConsentRecord(
                    bool(d.get("analysis")),
                    str(d.get("text_version")),
                    str(d.get("language")),
                    float(d.get("at") or o.arrival),
                )
            )
    return sorted(records, key=lambda r: r.at)


def report_section(timeline: Iterable[Observation]) -> dict[str, Any] | None:
    """The report's `consent`: the last choice (which applied) and every record; None before consents existed."""
    records = consents(timeline)
    if not records:
        return None
    return {"analysis": records[-1].analysis, "records": [r.to_public() for r in records]}
