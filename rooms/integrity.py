"""Integrity signals: observations that tell HR when to look closer at an unsupervised answer.

Each signal is an EVENT observation named after it, whose `t` is the start of what was observed and whose `value`
is its length in seconds (or a score, for answer similarity), with the evidence it rests on in `detail`. They are
shown to HR and interviewers only, never to the candidate, never a score component, and never a verdict: the
scoring rules may only route an interview to review on them (rooms/rules.py). Each can be turned off per
deployment (`--integrity-off NAME`).

This module is the shared part: the catalogue (names, labels, how each is measured and its measured false-positive
rate), the candidate page's reports (validated and stamped on media time) and the report's "Integrity" section.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from rooms.errors import InvalidInput
from rooms.model import Observation, ObservationType

# The page and focus signals: the candidate's page reports them (web/static/js/lib/integrity.js).
TAB_HIDDEN = "tab_hidden"
WINDOW_BLUR = "window_blur"
FULLSCREEN_EXIT = "fullscreen_exit"
PASTE = "paste"
SECOND_SCREEN = "second_screen"
PAGE_RELOAD = "page_reload"
# The media signals: computed on the server from what the analyzers already observe.
VOICE_MOUTH_MISMATCH = "voice_mouth_mismatch"
SECOND_SPEAKER = "second_speaker"
READING = "reading"
ANSWER_SIMILARITY = "answer_similarity"

PAGE_SIGNALS = (TAB_HIDDEN, WINDOW_BLUR, FULLSCREEN_EXIT, PASTE, SECOND_SCREEN, PAGE_RELOAD)
# Page signals that span a stretch of time: the page sends their length.
_STRETCHES = (TAB_HIDDEN, WINDOW_BLUR, FULLSCREEN_EXIT)
MAX_PAGE_EVENTS_PER_REQUEST = 50
MAX_PASTE_TEXT = 2000  # kept for the similarity check; a longer paste is cut, its length kept
MAX_AGO_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class IntegritySignal:
    name: str
    label: str
    unit: str  # of the event's value: "s" (a stretch's length), "chars", "similarity" or "" (none)
    method: str  # how it is measured, in words
    # Measured by bench/integrity.py (see docs/integrity.md): share of clean answer time flagged, in words.
    false_positive_rate: str
    # What the candidate's consent notice says about it (signals that share a line are named once).
    consent: str = ""


SIGNALS: dict[str, IntegritySignal] = {
    s.name: s
    for s in (
        IntegritySignal(
            TAB_HIDDEN,
            "Page hidden",
            "s",
            "The candidate's browser reported the interview page hidden (another tab or app in front, the screen "
            "off) and for how long (Page Visibility API).",
            "0 % of answer time in the clean browser runs: reported by the browser, not estimated",
            consent="whether this page is hidden or out of focus during the interview, and for how long;",
        ),
        IntegritySignal(
            WINDOW_BLUR,
            "Window out of focus",
            "s",
            "The interview window lost the keyboard focus (another window in front) while the page stayed visible.",
            "0 % of answer time in the clean browser runs: reported by the browser, not estimated",
            consent="whether this page is hidden or out of focus during the interview, and for how long;",
        ),
        IntegritySignal(
            FULLSCREEN_EXIT,
            "Left full screen",
            "s",
            "The page had been put in full screen and left it, for how long.",
            "0 % in the clean browser runs: reported by the browser",
            consent="whether you leave full screen after entering it;",
        ),
        IntegritySignal(
            PASTE,
            "Text pasted",
            "chars",
            "Text was pasted into the interview page; its length (and the text, for the similarity check).",
            "0 % in the clean browser runs: reported by the browser",
            consent="text you paste into this page, kept to compare with your answers;",
        ),
        IntegritySignal(
            SECOND_SCREEN,
            "Second screen attached",
            "",
            "The browser reported more than one screen attached (screen.isExtended; Chromium-based browsers only).",
            "not measurable here (one screen); reported by the browser, not estimated",
            consent="whether a second screen is attached, where your browser tells;",
        ),
        IntegritySignal(
            PAGE_RELOAD,
            "Page reloaded",
            "",
            "The interview page was reloaded during the interview.",
            "0 % in the clean browser runs: reported by the browser",
            consent="whether this page is reloaded during the interview;",
        ),
        IntegritySignal(
            VOICE_MOUTH_MISMATCH,
            "Voice without a moving mouth",
            "s",
            "Speech (voice activity) while the visible face's mouth stays still, a talking mouth while the audio is "
            "silent, or a voice whose loudness does not follow the jaw, sustained for 3 s or more: from the face "
            "landmarker's jawOpen and the voice activity and loudness, all already computed.",
            "0 % of 260 s of clean answer time (a face moving its jaw with its own voice; a real silent clip); "
            "recall 16/16 dubbed cases (bench/integrity.py); not yet measured on real talking faces",
            consent="whether the voice heard goes with the movement of your mouth;",
        ),
        IntegritySignal(
            SECOND_SPEAKER,
            "Another voice",
            "s",
            "Another voice within an answer: each 3 s of speech embedded by a speaker encoder (Resemblyzer's GE2E, "
            "as ONNX) and compared with the candidate's own voice from the first answer; cosine below 0.8.",
            "0 % of 368 s of single-voice answers; recall 7/8 answers where another voice speaks 12 s "
            "(synthetic voices, bench/integrity.py); not yet measured on real voices",
            consent="whether another voice than yours answers;",
        ),
        IntegritySignal(
            READING,
            "Eye movements like reading",
            "s",
            "Repeated left-to-right gaze sweeps with a fast return, at reading pace, from the iris and head "
            "landmarks; a stretch to look at, not a verdict.",
            "0 % of 742 s of gaze without reading (real clips, synthetic free speaking); recall 24/24 synthetic "
            "reading traces (bench/integrity.py)",
            consent="eye movements that look like reading text;",
        ),
        IntegritySignal(
            ANSWER_SIMILARITY,
            "Answer like another",
            "similarity",
            "The answer's transcript is near-identical to another candidate's answer to the same question "
            "(same template), or to text pasted into the page: Jaccard similarity of 3-shingles (characters for "
            "Chinese, words otherwise), flagged from 0.2.",
            "0 of 45 pairs of different answers to one question (highest 0.01); recall 40/40 copies read out with "
            "15 % recognition errors (bench/integrity.py)",
            consent="how similar the transcripts of your answers are to other candidates' answers to the same "
            "questions;",
        ),
    )
}
SIGNAL_NAMES = tuple(SIGNALS)

NOTE = (
    "Observations for a person to look at, with the evidence each rests on. They are not part of any score, are "
    "never shown to the candidate, and decide nothing: a rule may only route the interview to review."
)


def parse_signal(text: str) -> str:
    """A signal name, for settings; ValueError otherwise."""
    name = str(text).strip()
    if name not in SIGNALS:
        raise ValueError(f"unknown integrity signal {name!r}; known: {', '.join(SIGNAL_NAMES)}")
    return name


@dataclass(frozen=True, slots=True)
class PageEvent:
    """What the candidate's page reports: `ago_s` is how long before the request the event started (measured on
    the page's monotonic clock, so the server stamps it on media time without trusting the page's wall clock)."""

    name: str
    ago_s: float
    duration_s: float | None
    detail: dict[str, Any]


def parse_page_events(body: dict[str, Any]) -> list[PageEvent]:
    """The page's `{"events": [{"name", "ago_s", "duration_s"?, "chars"?, "text"?}]}`; InvalidInput otherwise."""
    items = body.get("events")
    if not isinstance(items, list):
        raise InvalidInput("'events' must be a list")
    if len(items) > MAX_PAGE_EVENTS_PER_REQUEST:
        raise InvalidInput(f"at most {MAX_PAGE_EVENTS_PER_REQUEST} events per request")
    return [_parse_page_event(item, i) for i, item in enumerate(items)]


def _parse_page_event(item: Any, i: int) -> PageEvent:
    if not isinstance(item, dict):
        raise InvalidInput(f"events[{i}] must be an object")
    name = item.get("name")
    if name not in PAGE_SIGNALS:
        raise InvalidInput(f"events[{i}].name must be one of {', '.join(PAGE_SIGNALS)}")
    ago = _number(item.get("ago_s"), f"events[{i}].ago_s", 0.0, MAX_AGO_S)
    duration = None
    if name in _STRETCHES:
        duration = _number(item.get("duration_s"), f"events[{i}].duration_s", 0.0, MAX_AGO_S)
    detail: dict[str, Any] = {"source": "page"}
    if name == PASTE:
        text = item.get("text", "")
        if not isinstance(text, str):
            raise InvalidInput(f"events[{i}].text must be a string")
        chars = item.get("chars", len(text))
        detail["chars"] = int(_number(chars, f"events[{i}].chars", 0, 10_000_000))
        if text:
            detail["text"] = text[:MAX_PASTE_TEXT]
    return PageEvent(name, ago, duration, detail)


def _number(value: Any, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"'{key}' must be a number")
    if not low <= value <= high:
        raise InvalidInput(f"'{key}' must be between {low:g} and {high:g}")
    return float(value)


def page_observations(
    events: Sequence[PageEvent], now: float, started_at: float, enabled: Collection[str]
) -> list[Observation]:
    """The page's events as observations on media time; signals this deployment turned off are left out."""
    media_now = max(0.0, now - started_at)
    observations = []
    for event in events:
        if event.name not in enabled:
            continue
        t = max(0.0, media_now - event.ago_s)
        value: float | int | None = None
        detail = dict(event.detail)
        if event.duration_s is not None:
            value = round(event.duration_s, 2)
            detail["end"] = round(min(media_now, t + event.duration_s), 3)
        elif event.name == PASTE:
            value = detail["chars"]
        elif event.name == SECOND_SCREEN:
            value = 1
        observations.append(Observation(ObservationType.EVENT, event.name, value, t, now, detail))
    return observations


# --- the report's section -----------------------------------------------------------------------------------


def is_integrity_event(o: Observation) -> bool:
    return o.type is ObservationType.EVENT and o.name in SIGNALS


def event_end(o: Observation) -> float | None:
    """Where a signal's stretch ends: given in its detail, else its start plus its length when that is seconds."""
    end = (o.detail or {}).get("end")
    if isinstance(end, int | float) and not isinstance(end, bool):
        return float(end)
    signal = SIGNALS.get(o.name)
    if signal is not None and signal.unit == "s" and isinstance(o.value, int | float) and not isinstance(o.value, bool):
        return o.t + float(o.value)
    return None


def _evidence(o: Observation) -> dict[str, Any]:
    # The pasted text itself stays in the timeline (HR can read it there); the report names its length.
    return {k: v for k, v in (o.detail or {}).items() if k not in ("end", "text")}


def integrity_section(timeline: Sequence[Observation], enabled: Collection[str] | None = None) -> dict[str, Any]:
    """Every signal, whether it was on, how it is measured, its false-positive rate, and what it found."""
    on = set(SIGNAL_NAMES if enabled is None else enabled)
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in SIGNAL_NAMES}
    for o in timeline:
        if not is_integrity_event(o):
            continue
        end = event_end(o)
        found[o.name].append(
            {
                "t": round(o.t, 2),
                "end": None if end is None else round(end, 2),
                "value": o.value,
                "evidence": _evidence(o),
            }
        )
    signals = []
    for name, signal in SIGNALS.items():
        items = found[name]
        total = sum(float(i["value"]) for i in items if signal.unit == "s" and _is_number(i["value"]))
        signals.append(
            {
                "name": name,
                "label": signal.label,
                "enabled": name in on,
                "method": signal.method,
                "unit": signal.unit,
                "false_positive_rate": signal.false_positive_rate,
                "count": len(items),
                "total_s": round(total, 2) if signal.unit == "s" else None,
                "events": items,
            }
        )
    return {
        "note": NOTE,
        "flagged": sum(s["count"] for s in signals),
        "signals": signals,
    }


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Signals that cannot run on this server, whatever the settings say: they are not named to the candidate.
UNAVAILABLE: frozenset[str] = frozenset()


def integrity_page_context(enabled: Collection[str], url: str) -> dict[str, Any]:
    """What the candidate page needs: the signals its consent notice names, and the ones the page itself watches."""
    on = [name for name in SIGNAL_NAMES if name in enabled and name not in UNAVAILABLE]
    return {
        "integrity_consent": on,
        # The consent notice's lines, each once (web/templates/consent_integrity.html translates them).
        "integrity_consent_lines": list(dict.fromkeys(SIGNALS[name].consent for name in on if SIGNALS[name].consent)),
        "integrity": {"url": url, "signals": [name for name in on if name in PAGE_SIGNALS]},
    }
