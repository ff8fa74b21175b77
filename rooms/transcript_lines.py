"""Transcript lines as the report and replay show them: interviewers' corrections applied, keywords found.

Corrections are observations in the interview's timeline (TRANSCRIPT `correction`, appended after the interview by
an interviewer on the replay page): the recognizer's final stays as it was, so nothing is lost, and a correction
names the line it replaces by the final's media time `t`. The latest correction of a line wins. A line shown with a
correction carries `corrected: true` and its `original` text.

Keyword coverage (assessors only, never the candidate): the template lists keywords per question; an entry may name
synonyms after "|" ("支付|付款|payment"). A keyword is found when it or a synonym occurs in the answer's transcript:
as a whole word for Latin script (case-insensitive), as a substring for Chinese (no spaces between words). Each
keyword lists the passages where it was found: the line's times and a snippet around the match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rooms.model import Observation, ObservationType

CORRECTION = "correction"
SNIPPET_CHARS = 40  # characters each side of a match in a passage
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def correction_observation(line_t: float, text: str, original: str, by: str, at: float) -> Observation:
    """The timeline entry for a corrected line: at the line's time, value = the corrected text."""
    detail = {"line_t": line_t, "original": original, "by": by, "at": at}
    return Observation(ObservationType.TRANSCRIPT, CORRECTION, text, line_t, at, detail)


def lines(timeline: Iterable[Observation]) -> list[dict[str, Any]]:
    """Final transcript lines in time order, corrections applied."""
    finals: list[Observation] = []
    corrections: dict[float, Observation] = {}
    for o in timeline:
        if o.type is not ObservationType.TRANSCRIPT or not isinstance(o.value, str):
            continue
        if o.name == "final" and o.value:
            finals.append(o)
        elif o.name == CORRECTION:
            line_t = (o.detail or {}).get("line_t", o.t)
            corrections[round(float(line_t), 2)] = o  # later corrections replace earlier ones
    out = []
    for o in finals:
        line: dict[str, Any] = {
            "t": round(o.t, 2),
            "start": (o.detail or {}).get("start"),
            "end": (o.detail or {}).get("end"),
            "text": o.value,
        }
        correction = corrections.get(round(o.t, 2))
        if correction is not None:
            line.update(text=correction.value, corrected=True, original=o.value)
        out.append(line)
    return out


def find_line(timeline: Iterable[Observation], line_t: float) -> Observation | None:
    """The final transcript line at media time `line_t` (to the report's 0.01 s rounding), if there is one."""
    for o in timeline:
        if o.type is ObservationType.TRANSCRIPT and o.name == "final" and round(o.t, 2) == round(line_t, 2):
            return o
    return None


def parse_keyword(entry: str) -> tuple[str, tuple[str, ...]]:
    """ "支付|付款|payment" -> ("支付", ("付款", "payment"))."""
    terms = [term.strip() for term in entry.split("|") if term.strip()]
    return (terms[0], tuple(terms[1:])) if terms else ("", ())


def _pattern(term: str) -> re.Pattern[str]:
    escaped = re.escape(term)
    if _HAN.search(term):
        return re.compile(escaped)
    # Whole words for Latin script: "Go" must not match "good".
    return re.compile(rf"(?<![\w]){escaped}(?![\w])", re.IGNORECASE)


def keyword_coverage(keywords: Sequence[str], answer: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Which of a question's keywords (with synonyms) the answer's transcript lines contain, and where."""
    found_count = 0
    items = []
    for entry in keywords:
        keyword, synonyms = parse_keyword(entry)
        if not keyword:
            continue
        passages = []
        matched: list[str] = []
        for term in (keyword, *synonyms):
            pattern = _pattern(term)
            for line in answer:
                text = str(line.get("text", ""))
                match = pattern.search(text)
                if match is None:
                    continue
                if term not in matched:
                    matched.append(term)
                lo, hi = max(0, match.start() - SNIPPET_CHARS), match.end() + SNIPPET_CHARS
                passages.append(
                    {
                        "start": line.get("start"),
                        "end": line.get("end"),
                        "term": term,
                        "text": ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else ""),
                    }
                )
        found_count += bool(passages)
        passages.sort(key=lambda p: (p["start"] is None, p["start"] or 0.0))
        items.append(
            {
                "keyword": keyword,
                "synonyms": list(synonyms),
                "found": bool(passages),
                "matched": matched,
                "passages": passages,
            }
        )
    return {
        "found": found_count,
        "total": len(items),
        "share": round(found_count / len(items), 4) if items else None,
        "keywords": items,
    }
