"""Highlights, suggestions and the summary paragraph: fixed sentence templates filled in from the measures.

No language model and no external service: every sentence names a measure, its value and the band it was scored
against, so a reader can check it. Sentences describe behaviour that was measured, never personality or emotion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rooms.measures import (
    ANSWER_LATENCY,
    EYE_CONTACT,
    FACE_PRESENCE,
    FILLER_RATE,
    LONGEST_PAUSE,
    LOOK_AWAYS_PER_MIN,
    MEAN_PAUSE,
    PAUSES_PER_MIN,
    PITCH_VARIATION,
    SPEECH_RATE,
    TALK_SHARE,
    WORDS_PER_MINUTE,
)

# A measure scoring at least this is a highlight; below SUGGEST_BELOW it gets a suggestion.
HIGHLIGHT_FROM = 80.0
SUGGEST_BELOW = 50.0


Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a sentence template for the message catalogs (web/locale); it is translated where it is written."""
    return message


def _same(text: str) -> str:
    return text


def _pct(v: float) -> str:
    return f"{v * 100:.0f} %"


# measure -> (highlight, suggestion); %(v)s is the formatted value, %(pos)s where it lies against the band.
_TEMPLATES: dict[str, tuple[str, str]] = {
    SPEECH_RATE: (
        N_("Speech rate of %(v)s syllables per minute, inside the comfortable band."),
        N_(
            "Speech rate was %(v)s syllables per minute, %(pos)s the comfortable band; a pace closer to it may make "
            "answers easier to follow."
        ),
    ),
    PITCH_VARIATION: (
        N_("The intonation moved naturally (%(v)s semitones of pitch variation)."),
        N_(
            "Pitch varied by %(v)s semitones, %(pos)s the usual band; intonation that moves with the content helps "
            "listeners follow the structure of an answer."
        ),
    ),
    FILLER_RATE: (
        N_("Few filler words (%(v)s per 100 words)."),
        N_("Filler words came %(v)s times per 100 words; a short silent pause can replace most of them."),
    ),
    PAUSES_PER_MIN: (
        N_("Speech flowed with few pauses (%(v)s per minute of speech)."),
        N_("There were %(v)s pauses of a second or more per minute of speech; see the evidence for the longest ones."),
    ),
    MEAN_PAUSE: (
        N_("Pauses were short (mean %(v)s s)."),
        N_("Pauses averaged %(v)s s; shorter pauses, or saying that you are thinking, keep the listener with you."),
    ),
    LONGEST_PAUSE: (
        N_("No long silence inside speech (longest %(v)s s)."),
        N_("The longest pause inside speech lasted %(v)s s; its time is listed in the evidence."),
    ),
    ANSWER_LATENCY: (
        N_("Answers began promptly (%(v)s s after the question, on average)."),
        N_(
            "Answers began %(v)s s after the question on average; a brief acknowledgement while thinking shortens "
            "the silence."
        ),
    ),
    EYE_CONTACT: (
        N_("The gaze was on the camera or the screen for %(v)s of the face-in-view time."),
        N_(
            "The gaze was on the camera or the screen for %(v)s of the face-in-view time; looking toward the camera "
            "more often may help, though camera placement and glasses affect this measure."
        ),
    ),
    FACE_PRESENCE: (
        N_("The face was in view for %(v)s of the analysed frames."),
        N_("The face was in view for only %(v)s of the analysed frames; check the camera's framing and lighting."),
    ),
    LOOK_AWAYS_PER_MIN: (
        N_("Few long look-aways (%(v)s per minute)."),
        N_("Long look-aways (over 3 s) came %(v)s times per minute; their times are listed in the evidence."),
    ),
    TALK_SHARE: (
        N_("Speech filled %(v)s of the interview."),
        N_("Speech filled %(v)s of the interview."),
    ),
    WORDS_PER_MINUTE: (
        N_("%(v)s recognised words per minute of speech."),
        N_("%(v)s recognised words per minute of speech."),
    ),
}
# Where a value lies against its band (rooms/scoring.py Rule.position), as the sentences say it.
_POSITIONS = {"below": N_("below"), "above": N_("above"), "inside": N_("inside"), "outside": N_("outside")}


def _format(measure: str, unit: str, value: float) -> str:
    if unit == "ratio":
        return _pct(value)
    if measure in (SPEECH_RATE, WORDS_PER_MINUTE):
        return f"{value:.0f}"
    return f"{value:.1f}"


def highlights_and_suggestions(
    dimensions: Mapping[str, Mapping[str, Any]], tr: Translate = _same
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One sentence per strong measure (highlight) and per weak one (suggestion), in the configuration's order.
    `tr` translates a sentence template or a generated phrase (the scoring rule) into the reader's language."""
    highlights: list[dict[str, Any]] = []
    suggestions: list[dict[str, Any]] = []
    for dim_id, dim in dimensions.items():
        for entry in dim["computed_from"]["measures"]:
            score, value = entry["score"], entry["value"]
            if score is None or value is None or entry["measure"] not in _TEMPLATES:
                continue
            good, improve = _TEMPLATES[entry["measure"]]
            values = {
                "v": _format(entry["measure"], entry["unit"], value),
                "pos": tr(_POSITIONS.get(entry.get("band_position") or "outside", "outside")),
            }
            base = {"dimension": dim_id, "measure": entry["measure"], "score": score}
            if score >= HIGHLIGHT_FROM:
                highlights.append({**base, "text": tr(good) % values})
            elif score < SUGGEST_BELOW:
                scored_against = tr(N_("(Scored against: %(rule)s.)")) % {"rule": tr(entry["rule"])}
                suggestions.append({**base, "text": tr(improve) % values + " " + scored_against})
    return highlights, suggestions


def summary(
    report: Mapping[str, Any],
    dimensions: Mapping[str, Mapping[str, Any]],
    overall: Mapping[str, Any],
    tr: Translate = _same,
    label: Callable[[str, Mapping[str, Any]], str] | None = None,
) -> str:
    """The opening paragraph: who, what, how long, the overall score and the strongest and weakest dimensions.
    `tr` translates its sentences, `label(dim_id, dim)` names a dimension in the reader's language."""
    name_of = label or (lambda _id, dim: str(dim["label"]))
    minutes, seconds = divmod(int(report["duration_s"]), 60)
    parts = [
        tr(N_("%(name)s took part in the interview “%(title)s”, which lasted %(minutes)s min %(seconds)s s."))
        % {"name": report["candidate_name"], "title": report["title"], "minutes": minutes, "seconds": f"{seconds:02d}"}
    ]
    questions = report.get("questions") or []
    if questions:
        one = len(questions) == 1
        parts.append(
            tr(N_("%(n)s question was marked.") if one else N_("%(n)s questions were marked.")) % {"n": len(questions)}
        )
    scored = [(d["score"], name_of(k, d)) for k, d in dimensions.items() if d["score"] is not None]
    if overall.get("score") is None:
        parts.append(tr(N_("There was too little audio and video to score any dimension.")))
    else:
        sentence = (
            N_(
                "The overall score is %(score)s of 100, the weighted mean of %(n)s dimension under scoring "
                "configuration %(config)s."
            )
            if len(scored) == 1
            else N_(
                "The overall score is %(score)s of 100, the weighted mean of %(n)s dimensions under scoring "
                "configuration %(config)s."
            )
        )
        parts.append(
            tr(sentence) % {"score": f"{overall['score']:.0f}", "n": len(scored), "config": overall["config_hash"][:12]}
        )
        if len(scored) > 1:
            best = max(scored, key=lambda s: (s[0], s[1]))
            worst = min(scored, key=lambda s: (s[0], s[1]))
            parts.append(
                tr(N_("Highest: %(best)s (%(best_score)s); lowest: %(worst)s (%(worst_score)s)."))
                % {"best": best[1], "best_score": f"{best[0]:.0f}", "worst": worst[1], "worst_score": f"{worst[0]:.0f}"}
            )
    not_scored = [name_of(k, d) for k, d in dimensions.items() if d["score"] is None]
    if not_scored:
        listed = tr(N_(", ")).join(not_scored)
        parts.append(tr(N_("Not scored for lack of data: %(dimensions)s.")) % {"dimensions": listed})
    parts.append(
        tr(
            N_(
                "Scores compare measured behaviour (gaze, presence, speech timing) with configured bands; they are "
                "not judgements of ability, personality or emotion."
            )
        )
    )
    return " ".join(parts)
