"""Extract every translatable string and update the catalogs in web/locale (docs/languages.md).

First writes server/report_phrases.py: the fixed English phrases the report is built from (measure labels and
explanations, scoring derivations, integrity signals...), which live in other modules as plain strings. Then runs
`pybabel extract` (babel.cfg) into web/locale/messages.pot, then `pybabel update` for each language. The
English catalog's translations are its message ids (the source language), filled in here; the Chinese catalog's
new entries are left empty for a translator, and tests/unit/test_catalogs.py fails until they are filled in.

    .venv/bin/python scripts/update_catalogs.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "web" / "locale"
POT = LOCALE_DIR / "messages.pot"
LOCALES = ("zh_CN", "en")


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def report_phrases() -> list[str]:
    """Every fixed English phrase a stored report carries, from the modules that write them."""
    sys.path.insert(0, str(ROOT))
    from rooms import integrity, measures, scoring
    from rooms.report import build_report
    from tests.support.report_timelines import interview_room, interview_timeline

    phrases: list[str] = []
    # The measures catalogue: the pages' labels, tiles, legends and event wording (server/pages.py translates them).
    for measure in [*measures.OBSERVATIONS.values(), *measures.REPORT_METRICS.values()]:
        phrases += measure.phrases()
    phrases += [lane.label for lane in measures.LANE_HEALTH.values()]  # the health line's lane names
    phrases += [title for _, title in measures.QUESTION_COLUMNS if title]  # the per-question table's columns
    for info in scoring.MEASURES.values():
        phrases += [info.label, info.derivation]
    for dim in scoring.load_scoring_config().dimensions:
        phrases += [dim.label, dim.description]
    for signal in integrity.SIGNALS.values():
        phrases += [signal.label, signal.method, signal.false_positive_rate, signal.consent]
    phrases.append(integrity.NOTE)
    room = interview_room()
    for emotion in (False, True):
        report = build_report(
            room, interview_timeline(expression_classes=emotion), room.ended_at, emotion_inference=emotion
        )
        for metric in report["metrics"].values():
            phrases += [metric["label"], metric["explanation"]]
        if report.get("expression_classes"):
            phrases.append(report["expression_classes"]["explanation"])
    return list(dict.fromkeys(p for p in phrases if p))


def write_report_phrases() -> None:
    lines = [
        '"""' + "The report's fixed English phrases, for the message catalogs (scripts/update_catalogs.py)." + '"""',
        "",
        "# Generated: do not edit. The phrases live where the report is built (rooms/report.py, rooms/scoring.py,",
        "# rooms/integrity.py); server/report_wording.py translates them when a report is shown.",
        "# ruff: noqa: E501",
        "from server.i18n import N_",
        "",
        "PHRASES = (",
        *(f"    N_({phrase!r})," for phrase in report_phrases()),
        ")",
        "",
    ]
    path = ROOT / "server" / "report_phrases.py"
    path.write_text("\n".join(lines), encoding="utf-8")
    # Formatted as the tree is (CI runs `ruff format --check`), so a regeneration changes only what changed.
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=True)


_DATE_LINE = re.compile(r'^"POT-Creation-Date: [^"]*"$', re.M)


def keep_date_if_unchanged(po: Path, before: str) -> None:
    """A run that changed no message keeps the file byte for byte: no date-only diffs for others to merge."""
    after = po.read_text(encoding="utf-8")
    if before and _DATE_LINE.sub("", before) == _DATE_LINE.sub("", after):
        po.write_text(before, encoding="utf-8")


def main() -> int:
    os.chdir(ROOT)  # locations in the catalogs are relative to the repository
    catalogs = [LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po" for locale in LOCALES]
    before = {po: po.read_text(encoding="utf-8") if po.exists() else "" for po in catalogs}
    write_report_phrases()
    pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "N_",
        "--no-wrap",
        "--sort-by-file",
        "--add-location=file",
        "--project",
        "Open Interview",
        "-o",
        str(POT.relative_to(ROOT)),
        ".",
    )
    for locale in LOCALES:
        po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(LOCALE_DIR),
                "-l",
                locale,
                "--no-wrap",
                "--ignore-obsolete",
                "--no-fuzzy-matching",
            )
        else:
            pybabel("init", "-i", str(POT), "-d", str(LOCALE_DIR), "-l", locale, "--no-wrap")
    english = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id and not any(message.string if isinstance(message.string, tuple) else [message.string]):
            message.string = message.id
    with english.open("wb") as f:
        write_po(f, catalog, width=0, sort_by_file=True, ignore_obsolete=True)
    for po in catalogs:
        keep_date_if_unchanged(po, before[po])
    return 0


if __name__ == "__main__":
    sys.exit(main())
