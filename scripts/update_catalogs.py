"""Extract every translatable string and update the catalogs in web/locale (docs/languages.md).

Runs `pybabel extract` (babel.cfg) into web/locale/messages.pot, then `pybabel update` for each language. The
English catalog's translations are its message ids (the source language), filled in here; the Chinese catalog's
new entries are left empty for a translator, and tests/unit/test_catalogs.py fails until they are filled in.

    .venv/bin/python scripts/update_catalogs.py
"""

from __future__ import annotations

import os
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


def main() -> int:
    os.chdir(ROOT)  # locations in the catalogs are relative to the repository
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_", "--no-wrap", "--sort-by-file",
            "--project", "Open Interview", "-o", str(POT.relative_to(ROOT)), ".")
    for locale in LOCALES:
        po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(LOCALE_DIR), "-l", locale, "--no-wrap",
                    "--ignore-obsolete", "--no-fuzzy-matching")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
