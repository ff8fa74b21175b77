"""Highlights, suggestions and the summary paragraph: fixed sentence templates filled in from the measures.

No language model and no external service: every sentence names a measure, its value and the band it was scored
against, so a reader can check it. Sentences describe behaviour that was measured, never personality or emotion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rooms.measures import (
    ANSWER_LATENCY,
    EYE_CONTACT,
    FACE_PRESENCE,
    LONGEST_PAUSE,
    MEAN_PAUSE,
    PITCH_VARIATION,
    SPEECH_RATE,
    TALK_SHARE,
    WORDS_PER_MINUTE,
)

# A measure scoring at least this is a highlight; below SUGGEST_BELOW it gets a suggestion.
HIGHLIGHT_FROM = 80.0
SUGGEST_BELOW = 50.0


def _pct(v: float) -> str:
    return f"{v * 100:.0f} %"


# measure -> (highlight, suggestion); {v} is the formatted value.
_TEMPLATES: dict[str, tuple[str, str]] = {
    SPEECH_RATE: (
        "Speech rate of {v} syllables per minute, inside the comfortable band.",
        "Speech rate was {v} syllables per minute, {pos} the comfortable band; a pace closer to it may make "
        "answers easier to follow.",
    ),
    PITCH_VARIATION: (
        "The intonation moved naturally ({v} semitones of pitch variation).",
        "Pitch varied by {v} semitones, {pos} the usual band; intonation that moves with the content helps "
        "listeners follow the structure of an answer.",
    ),
    "filler_rate": (
        "Few filler words ({v} per 100 words).",
        "Filler words came {v} times per 100 words; a short silent pause can replace most of them.",
    ),
    "pauses_per_min": (
        "Speech flowed with few pauses ({v} per minute of speech).",
        "There were {v} pauses of a second or more per minute of speech; see the evidence for the longest ones.",
    ),
    MEAN_PAUSE: (
        "Pauses were short (mean {v} s).",
        "Pauses averaged {v} s; shorter pauses, or saying that you are thinking, keep the listener with you.",
    ),
    LONGEST_PAUSE: (
        "No long silence inside speech (longest {v} s).",
        "The longest pause inside speech lasted {v} s; its time is listed in the evidence.",
    ),
    ANSWER_LATENCY: (
        "Answers began promptly ({v} s after the question, on average).",
        "Answers began {v} s after the question on average; a brief acknowledgement while thinking shortens the "
        "silence.",
    ),
    EYE_CONTACT: (
        "The gaze was on the camera or the screen for {v} of the face-in-view time.",
        "The gaze was on the camera or the screen for {v} of the face-in-view time; looking toward the camera "
        "more often may help, though camera placement and glasses affect this measure.",
    ),
    FACE_PRESENCE: (
        "The face was in view for {v} of the analysed frames.",
        "The face was in view for only {v} of the analysed frames; check the camera's framing and lighting.",
    ),
    "look_aways_per_min": (
        "Few long look-aways ({v} per minute).",
        "Long look-aways (over 3 s) came {v} times per minute; their times are listed in the evidence.",
    ),
    TALK_SHARE: (
        "Speech filled {v} of the interview.",
        "Speech filled {v} of the interview.",
    ),
    WORDS_PER_MINUTE: (
        "{v} recognised words per minute of speech.",
        "{v} recognised words per minute of speech.",
    ),
}


def _format(measure: str, unit: str, value: float) -> str:
    if unit == "ratio":
        return _pct(value)
    if measure in (SPEECH_RATE, WORDS_PER_MINUTE):
        return f"{value:.0f}"
    return f"{value:.1f}"


def highlights_and_suggestions(
    dimensions: Mapping[str, Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One sentence per strong measure (highlight) and per weak one (suggestion), in the configuration's order."""
    highlights: list[dict[str, Any]] = []
    suggestions: list[dict[str, Any]] = []
    for dim_id, dim in dimensions.items():
        for entry in dim["computed_from"]["measures"]:
            score, value = entry["score"], entry["value"]
            if score is None or value is None or entry["measure"] not in _TEMPLATES:
                continue
            good, improve = _TEMPLATES[entry["measure"]]
            v = _format(entry["measure"], entry["unit"], value)
            pos = entry.get("band_position") or "outside"
            base = {"dimension": dim_id, "measure": entry["measure"], "score": score}
            if score >= HIGHLIGHT_FROM:
                highlights.append({**base, "text": good.format(v=v, pos=pos)})
            elif score < SUGGEST_BELOW:
                suggestions.append(
                    {**base, "text": improve.format(v=v, pos=pos) + f" (Scored against: {entry['rule']}.)"}
                )
    return highlights, suggestions


def summary(report: Mapping[str, Any], dimensions: Mapping[str, Mapping[str, Any]], overall: Mapping[str, Any]) -> str:
    """The opening paragraph: who, what, how long, the overall score and the strongest and weakest dimensions."""
    minutes, seconds = divmod(int(report["duration_s"]), 60)
    parts = [
        f"{report['candidate_name']} took part in the interview “{report['title']}”, which lasted "
        f"{minutes} min {seconds:02d} s."
    ]
    questions = report.get("questions") or []
    if questions:
        parts.append(f"{len(questions)} question{'s were' if len(questions) != 1 else ' was'} marked.")
    scored = [(d["score"], d["label"]) for d in dimensions.values() if d["score"] is not None]
    if overall.get("score") is None:
        parts.append("There was too little audio and video to score any dimension.")
    else:
        parts.append(
            f"The overall score is {overall['score']:.0f} of 100, the weighted mean of {len(scored)} "
            f"dimension{'s' if len(scored) != 1 else ''} under scoring configuration {overall['config_hash'][:12]}."
        )
        if len(scored) > 1:
            best = max(scored, key=lambda s: (s[0], s[1]))
            worst = min(scored, key=lambda s: (s[0], s[1]))
            parts.append(f"Highest: {best[1]} ({best[0]:.0f}); lowest: {worst[1]} ({worst[0]:.0f}).")
    not_scored = [d["label"] for d in dimensions.values() if d["score"] is None]
    if not_scored:
        parts.append(f"Not scored for lack of data: {', '.join(not_scored)}.")
    parts.append(
        "Scores compare measured behaviour (gaze, presence, speech timing) with configured bands; they are not "
        "judgements of ability, personality or emotion."
    )
    return " ".join(parts)
