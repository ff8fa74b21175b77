"""The pages write no measure name: they take names, labels, colours, tiles and wording from the page config.

Scans every script in web/static/js and every template in web/templates for a string literal ("...", '...',
`...`) that is a catalogued name (rooms/measures.py, integrity signals included). A page that needs special
behaviour for one measure names it through the catalogue's constants (`M.EYE_CONTACT`, lib/measures.js). What
remains below is listed with its reason and its exact count, so a new literal fails and a removed one asks for
its entry to go.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from rooms.measures import OBSERVATIONS, REPORT_METRICS

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "web/static/js").rglob("*.js")), *sorted((ROOT / "web/templates").rglob("*.html"))]
NAMES = sorted(set(OBSERVATIONS) | set(REPORT_METRICS), key=len, reverse=True)
LITERAL = re.compile(r"""(["'`])(""" + "|".join(map(re.escape, NAMES)) + r""")\1""")

# The same word for another thing: renaming these to please a scan would make the pages worse, not safer.
SAME_WORD = {
    ("web/static/js/candidate/main.js", "consent"): "the consent panel's element id",
    ("web/static/js/dashboard/main.js", "transcript"): "the transcript list's element id",
    ("web/static/js/dashboard/state.js", "transcript"): 'the observation type "transcript" (partials and finals)',
    ("web/static/js/dashboard/notes.js", "note"): "the note item's CSS class, and a doc comment",
    ("web/static/js/replay/main.js", "transcript"): "the transcript list's element id",
    ("web/static/js/replay/moments.js", "note"): "the moment list's item kind (a CSS hook), not the note event",
    ("web/static/js/replay/player.js", "pause"): "the <video> element's pause DOM event",
    ("web/templates/candidate.html", "consent"): "the consent panel's element id",
    ("web/templates/interviewer.html", "transcript"): "the transcript list's element id and CSS class",
    ("web/templates/interviewer.html", "note"): "the tile macro's `note` argument, in its doc comment",
    ("web/templates/replay.html", "transcript"): "the transcript list's element id and CSS class",
    ("web/templates/report.html", "transcript"): "the report's transcript section (its key and element id)",
    ("web/templates/report.html", "consent"): "the report's consent section key",
    ("web/templates/report.html", "note"): 'an ARIA role="note"',
    ("web/templates/report.html", "frames_analyzed"): "a key of the report's analysis summary, not the health gauge",
    ("web/templates/report.html", "frames_dropped"): "a key of the report's analysis summary, not the health gauge",
    ("web/templates/report.html", "audio_gaps"): "a key of the report's analysis summary, not the health gauge",
    ("web/templates/report_questions.html", "transcript"): "a question's transcript key",
}
# The browser-side producer of the integrity signals: like an analyzer, it emits the names it observes.
PRODUCERS = {
    ("web/static/js/lib/integrity.js", name): "the candidate page's integrity observer (the signals' producer)"
    for name in "tab_hidden window_blur fullscreen_exit paste second_screen page_reload".split()
}
# Still written out: to move to the catalogue next. The node's gauges on the health line were being rewritten by
# another change in the same session; they can take their names from the page config like the lanes do.
NOT_YET = {
    ("web/static/js/dashboard/health.js", name): "the health line's node gauges"
    for name in "node_cpu_pct loop_lag_ms active_interviews".split()
}
# Exact counts where a file has the word more than once.
COUNTS = {
    ("web/static/js/lib/integrity.js", "tab_hidden"): 3,
    ("web/static/js/lib/integrity.js", "window_blur"): 3,
    ("web/static/js/lib/integrity.js", "fullscreen_exit"): 2,
    ("web/static/js/lib/integrity.js", "paste"): 3,
    ("web/static/js/lib/integrity.js", "second_screen"): 2,
    ("web/static/js/lib/integrity.js", "page_reload"): 2,
    ("web/static/js/dashboard/notes.js", "note"): 2,
    ("web/templates/interviewer.html", "transcript"): 2,
    ("web/templates/replay.html", "transcript"): 2,
    ("web/templates/report.html", "transcript"): 3,
}
ALLOWED = {**SAME_WORD, **PRODUCERS, **NOT_YET}


def _literals() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for path in PAGES:
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            found[(str(path.relative_to(ROOT)), match.group(2))] += 1
    return found


def test_pages_name_no_measure_outside_the_listed_exceptions() -> None:
    found = _literals()
    new = sorted(f"{path}: {name!r} ×{n}" for (path, name), n in found.items() if (path, name) not in ALLOWED)
    assert not new, (
        "name measures in pages through the catalogue (lib/measures.js: M.NAME, chartSeries, tileSpecs, "
        "eventWording), not as strings: " + ", ".join(new)
    )


def test_the_exceptions_are_exact() -> None:
    found = _literals()
    stale = sorted(f"{path}: {name!r}" for key in ALLOWED if not found[key] for path, name in [key])
    assert not stale, "these are no longer in the pages: drop them from the list: " + ", ".join(stale)
    wrong = {key: n for key, n in found.items() if key in ALLOWED and n != COUNTS.get(key, 1)}
    assert not wrong, f"counts changed (a new use of a listed name?): {wrong}"


def test_the_charts_tiles_and_events_of_both_pages_name_no_measure() -> None:
    found = _literals()
    for page in ("dashboard/charts.js", "dashboard/tiles.js", "dashboard/events.js", "replay/charts.js"):
        assert not [key for key in found if key[0] == f"web/static/js/{page}"], page
