"""The message catalogs are complete: every string the code marks for translation has a Chinese and an English
entry, with the same placeholders, and nothing is left fuzzy. Fails when a new string was not translated (run
scripts/update_catalogs.py, then translate web/locale/zh_CN/LC_MESSAGES/messages.po)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from server.i18n import LOCALE_DIR, LOCALES, load_catalogs

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(
            ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "N_", "--no-wrap", "-o", str(pot), "."]
        )
    finally:
        os.chdir(cwd)
    with pot.open("rb") as f:
        ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(f) if m.id}
    assert len(ids) > 100, "extraction found almost nothing: is babel.cfg broken?"
    return ids


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(extracted: set[str], locale: str) -> None:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    entries = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog if m.id}
    missing = sorted(extracted - entries.keys())
    assert not missing, f"{locale}: not in the catalog (run scripts/update_catalogs.py): {missing[:10]}"
    untranslated = sorted(k for k in extracted if not all(_strings(entries[k])))
    assert not untranslated, f"{locale}: no translation for {untranslated[:10]}"
    fuzzy = sorted(k for k in extracted if entries[k].fuzzy)
    assert not fuzzy, f"{locale}: fuzzy (check and clear the flag): {fuzzy[:10]}"
    for key in extracted:
        message = entries[key]
        wanted = set(PLACEHOLDER.findall(key))
        for text in _strings(message):
            assert set(PLACEHOLDER.findall(text)) == wanted, f"{locale}: placeholders differ in {key!r} -> {text!r}"


def test_chinese_catalog_is_chinese() -> None:
    """A copied English string is not a translation: each Chinese entry holds Chinese characters (or is a name)."""
    catalog = load_catalogs()["zh_CN"]
    with (LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        entries = [m for m in read_po(f, locale="zh_CN") if m.id]
    latin_only = [m.id for m in entries if not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(_strings(m)))]
    wordy = [i for i in latin_only if len(re.findall(r"[A-Za-z]", PLACEHOLDER.sub("", str(i)))) > 12]
    assert not wordy, f"Chinese entries without Chinese: {wordy[:10]}"
    assert catalog.gettext("Join the interview") == "加入面试"
    assert catalog.js_messages["Connecting…"] == "正在连接…"
