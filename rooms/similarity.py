"""Answer similarity (an integrity signal, rooms/integrity.py): shingled text similarity between an answer's
transcript and other candidates' answers to the same question, or text pasted into the page.

Shingles are character 3-grams for Chinese (no spaces between words; a transcript's word boundaries are the
recognizer's guess) and word 3-grams for other languages, after folding case and dropping punctuation, so it
works on either speech recognizer's output. Similarity is the Jaccard index of the two shingle sets; answers of a
few words say nothing, so both must have at least MIN_SHINGLES.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rooms.integrity import ANSWER_SIMILARITY, PASTE
from rooms.model import Observation, ObservationType

# Jaccard of 3-shingles: a copy read out with 15 % recognition errors scores >= 0.22, different answers to one
# question <= 0.02 (bench/integrity.py).
THRESHOLD = 0.2
MIN_SHINGLES = 8
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 3) -> frozenset[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    if len(_CJK.findall(text)) * 2 >= len(_WORD.findall(text)) and _CJK.search(text):
        chars = "".join(ch for ch in text if _CJK.match(ch) or ch.isalnum())
        return frozenset(chars[i : i + n] for i in range(len(chars) - n + 1))
    words = _WORD.findall(text)
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True, slots=True)
class Answer:
    question_index: int
    start_t: float
    end_t: float
    text: str


def answers_of(report: dict[str, Any]) -> list[Answer]:
    """Each question's answer text from a report's `questions` (its transcript lines, whatever the engine)."""
    out = []
    for q in report.get("questions") or []:
        lines = q.get("transcript") or []
        text = " ".join(str(line.get("text", "")) for line in lines if isinstance(line, dict)).strip()
        index = q.get("index")
        if text and isinstance(index, int):
            out.append(Answer(index, float(q.get("start_t") or 0.0), float(q.get("end_t") or 0.0), text))
    return out


def similarity_events(
    answers: Sequence[Answer],
    others: Iterable[tuple[str, Sequence[Answer]]],
    timeline: Sequence[Observation],
    now: float,
    threshold: float = THRESHOLD,
) -> list[Observation]:
    """One `answer_similarity` event per answer whose best match (another room's answer to the same question, or
    text pasted into this room's page) reaches `threshold`."""
    pasted = [
        (o.t, str((o.detail or {}).get("text")))
        for o in timeline
        if o.type is ObservationType.EVENT and o.name == PASTE and (o.detail or {}).get("text")
    ]
    peers = [(room_id, a) for room_id, room_answers in others for a in room_answers]
    events = []
    for answer in answers:
        mine = shingles(answer.text)
        best: tuple[float, dict[str, Any]] | None = None
        for room_id, other in peers:
            if other.question_index != answer.question_index:
                continue
            score = similarity(mine, shingles(other.text))
            if best is None or score > best[0]:
                best = (score, {"source": "other_answer", "other_room": room_id})
        for t, text in pasted:
            score = similarity(mine, shingles(text))
            if best is None or score > best[0]:
                best = (score, {"source": "paste", "paste_t": round(t, 2)})
        if best is None or best[0] < threshold:
            continue
        detail = {
            **best[1],
            "end": round(answer.end_t, 3),
            "question_index": answer.question_index,
            "shingles": len(mine),
            "threshold": threshold,
        }
        events.append(
            Observation(ObservationType.EVENT, ANSWER_SIMILARITY, round(best[0], 3), answer.start_t, now, detail)
        )
    return events
