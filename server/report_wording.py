"""A stored report in the reader's language: its English phrases translated, its sentences rewritten, its units,
numbers and dates in the reader's locale and the deployment's time zone.

A report is stored once, in English, and shown in as many languages as its readers use. Three kinds of text:
- fixed phrases (measure labels, explanations, integrity notes): looked up in the catalog as they are
  (server/report_phrases.py lists them for extraction);
- generated phrases ("Pause of 4.5 s within an answer", a scoring rule, a formula): matched against the English
  templates below, whose placeholders are filled into the translated template;
- sentences (summary, highlights, suggestions): rewritten by rooms/narrative.py through this translator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_name

from rooms import narrative
from rooms.measures import QUESTION_COLUMNS, REPORT_METRICS, word_event
from server.i18n import N_, Catalog

# Generated phrases, as the report writes them (rooms/report.py, rooms/evidence.py, rooms/scoring.py), with their
# variable parts as placeholders. A phrase that matches none stays as it is, in English.
TEMPLATES = (
    N_("%(n)s analyzed video frames"),
    N_("%(n)s frames with a face and open eyes"),
    N_("%(n)s frames with a face"),
    N_("%(n)s look-away events"),
    N_("%(n)s completed look-away stretches"),
    N_("%(n)s audio intervals of %(s)s s"),
    N_("%(n)s syllables over %(s)s s of speech"),
    N_("%(n)s pause events"),
    N_("%(n)s answered questions"),
    N_("%(n)s words over %(s)s s of speech"),
    N_("%(n)s fillers among %(words)s words"),
    N_("%(n)s characters over %(s)s s of speech"),
    N_("%(n)s fillers among %(words)s characters"),
    N_("transcript: %(n)s syllables (%(language)s) over %(s)s s of speech"),
    N_("acoustic: %(method)s"),
    N_("transcript off: %(reason)s"),
    N_("Pause of %(s)s s within an answer"),
    N_("Gaze away from the screen for %(s)s s"),
    N_("Face out of view for %(s)s s"),
    N_("First speech %(s)s s after the question ended"),
    N_("Filler word “%(word)s”"),
    N_("Fastest stretch: %(rate)s syllables/min"),
    N_("Slowest stretch: %(rate)s syllables/min"),
    N_("100 from %(low)s to %(high)s, linear to 0 at %(zero_low)s and at %(zero_high)s"),
    N_("0 at %(zero)s, 100 at %(full)s, linear between (lower is better)"),
    N_("0 at %(zero)s, 100 at %(full)s, linear between (higher is better)"),
    N_("weighted mean of the measure scores: %(terms)s"),
    N_("weighted mean of the scored dimensions: %(terms)s"),
    # server/report_charts.py
    N_("Share per %(s)s s: grey, frames with a face in view; blue, face frames with the gaze on the camera or screen."),
    N_("Green bars: share of each %(s)s s with speech. Red ticks: pauses of 1 s or more (%(n)s in all)."),
    N_("Syllables per minute over the latest 20 s of speech; the shaded band (%(band)s) scores 100."),
)
FIXED = (
    N_("speaking time and duration"),
    N_("Characters per minute"),
    N_("Recognized characters (fillers left out) per minute of speaking time."),
    N_("Fillers per 100 characters"),
    N_("Filler words per 100 characters of the transcript (at least 20 characters needed)."),
    N_(
        "Syllables in the transcript (a Chinese character is one syllable; English words by the CMU Pronouncing "
        "Dictionary, fillers left out) per minute of speaking time."
    ),
    N_("voiced speech frames"),
    N_("no voiced speech"),
    N_("transcript off"),
    N_("no transcript was produced"),
    N_("no dimension could be scored"),
    N_("not scored: none of its measures could be measured in this interview"),
    N_("Face in view and eye contact"),
    N_("Face in view and eye contact over time"),
    N_("Speaking over time, with pauses"),
    N_("Speech rate over time"),
    N_("Speaking and pauses"),
    N_("Speech rate"),
    N_("Syllables per minute over the latest 20 s of speech."),
)
# Units as the report prints them after a number, and as a table's unit column names them.
UNITS = {
    "s": N_("s"),
    "%": "%",
    "syllables/min": N_("syllables/min"),
    "words/min": N_("words/min"),
    "per min": N_("per min"),
    "per 100 words": N_("per 100 words"),
    "per 100 characters": N_("per 100 characters"),
    "characters/min": N_("characters/min"),
    "semitones": N_("semitones"),
    "dB": "dB",
    "count": "",
}
UNIT_NAMES = {
    "ratio": N_("share of time"),
    "s": N_("seconds"),
    "syllables/min": N_("syllables per minute"),
    "words/min": N_("words per minute"),
    "per min": N_("per minute"),
    "per 100 words": N_("per 100 words"),
    "per 100 characters": N_("per 100 characters"),
    "characters/min": N_("characters per minute"),
    "semitones": N_("semitones"),
    "count": N_("count"),
}
# Mandarin is counted in characters: one character is one syllable, so the same rate reads 字/分钟.
MANDARIN_RATE = N_("characters/min")
MANDARIN_RATE_NAME = N_("characters per minute")
_NUMBER_WITH_UNIT = re.compile(r"^(-?[\d.,]+)(?: (.+))?$")


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


_PATTERNS = tuple((_pattern(t), t) for t in TEMPLATES)


class ReportWording:
    """Translates one report's text for one reader: `tr(text)` for any phrase the report stored."""

    def __init__(self, catalog: Catalog, time_zone: str = "UTC", interview_language: str | None = None) -> None:
        self.catalog = catalog
        self.locale = catalog.locale
        self.zone = ZoneInfo(time_zone)
        self.mandarin = (interview_language or "").lower().startswith("zh")
        self.english = catalog.locale == "en"

    def tr(self, text: Any) -> Any:
        """A stored English phrase in the reader's language; anything else (numbers, None) unchanged."""
        if not isinstance(text, str) or not text or self.english:
            return text
        translated = self.catalog.gettext(text)
        if translated != text:
            return translated
        for pattern, template in _PATTERNS:
            match = pattern.match(text)
            if match is not None:
                values = {k: self._value(v) for k, v in match.groupdict().items()}
                return self.catalog.gettext(template) % values
        return text

    def _value(self, text: str) -> str:
        """A placeholder's value: a number with a unit gets its unit translated; a formula's terms stay."""
        match = _NUMBER_WITH_UNIT.match(text)
        if match and match.group(2) in UNITS:
            return f"{match.group(1)} {self.unit(match.group(2))}".rstrip()
        return self.tr(text) if not match else text

    def unit(self, unit: str) -> str:
        """A unit after a number: "s" -> 秒, "syllables/min" -> 音节/分钟 (字/分钟 in a Mandarin interview)."""
        if unit == "syllables/min" and self.mandarin:
            return self.catalog.gettext(MANDARIN_RATE)
        known = UNITS.get(unit)
        return self.catalog.gettext(known) if known else (known if known is not None else unit)

    def unit_name(self, unit: str) -> str:
        """A unit as a table column names it: "ratio" -> share of time."""
        if unit == "syllables/min" and self.mandarin:
            return self.catalog.gettext(MANDARIN_RATE_NAME)
        known = UNIT_NAMES.get(unit)
        return self.catalog.gettext(known) if known else unit

    def dimension_label(self, dim_id: str, dim: Mapping[str, Any]) -> str:
        return self._dimension_text(dim, "label")

    def dimension_description(self, dim: Mapping[str, Any]) -> str:
        return self._dimension_text(dim, "description")

    def _dimension_text(self, dim: Mapping[str, Any], field: str) -> str:
        # The scoring configuration's own translation (label_zh = ...) first, then the catalog's.
        language = self.locale.split("_")[0]
        given = (dim.get("translations") or {}).get(language, {}).get(field)
        return given or self.tr(str(dim.get(field) or ""))

    def when(self, epoch: Any) -> str:
        """Epoch seconds as a date and 24-hour time in the deployment's zone: 2026年12月6日 14:05 (中国标准时间)."""
        if not isinstance(epoch, int | float) or epoch <= 0:
            return "—"
        moment = datetime.fromtimestamp(epoch, UTC).astimezone(self.zone)
        date = format_date(moment, format="long", locale=self.locale)
        time = format_time(moment, "HH:mm", locale=self.locale)
        # English keeps the short abbreviation (UTC, CST); Chinese names the zone (中国标准时间).
        zone = (
            moment.tzname() or self.zone.key
            if self.english
            else get_timezone_name(moment, width="long", locale=self.locale, zone_variant="standard")
        )
        return f"{date} {time} ({zone})"

    def highlights_and_suggestions(self, report: Mapping[str, Any]) -> tuple[list[dict], list[dict]]:
        if self.english or not isinstance(report.get("dimensions"), Mapping):
            return list(report.get("highlights") or []), list(report.get("suggestions") or [])
        return narrative.highlights_and_suggestions(report["dimensions"], self.tr)

    def summary(self, report: Mapping[str, Any]) -> str:
        dimensions, overall = report.get("dimensions"), report.get("overall")
        if self.english or not isinstance(dimensions, Mapping) or not isinstance(overall, Mapping):
            return str(report.get("summary") or "")
        return narrative.summary(report, dimensions, overall, self.tr, self.dimension_label)

    @cached_property
    def template_globals(self) -> dict[str, Any]:
        """What report.html calls: tr(), unit(), unit_name(), when(), dimension labels."""
        return {
            "tr": self.tr,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "when": self.when,
            "dimension_label": self.dimension_label,
            "dimension_description": self.dimension_description,
            "event_text": self.event_text,
            "question_columns": self.question_columns,
        }

    def question_columns(self) -> list[tuple[str, str]]:
        """The per-question table's columns: (report metric, title in the reader's language)."""
        return [
            (name, self.tr(title) if title else self.unit(REPORT_METRICS[name].unit))
            for name, title in QUESTION_COLUMNS
        ]

    def event_text(self, name: str, value: object) -> str | None:
        """An event of the report's list in words, as the measures catalogue words it; None when it does not."""
        return word_event(name, value, self.tr, report=True)
