"""The documentation holds together: every link in README.md and docs/ reaches a file (and a heading, when it names
one), and the parts generated from the code (the options table, the code map) are what the code gives today."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _generator():  # scripts/ is not a package
    spec = importlib.util.spec_from_file_location("generate_docs", ROOT / "scripts" / "generate_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)  # examples in code blocks are not links
    return LINK.findall(text)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_reaches_its_target(doc: Path) -> None:
    broken = []
    for target in _links(doc):
        if re.match(r"^(https?:|mailto:)", target):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved.read_text()):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{doc.relative_to(ROOT)}: {broken}"


def test_every_doc_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in _links(ROOT / "README.md")}
    missing = [p.name for p in DOCS[1:] if p.resolve() not in linked]
    assert not missing, f"docs not linked from README.md: {missing}"


def test_generated_parts_are_current() -> None:
    stale = [str(path.relative_to(ROOT)) for path, text in _generator().generated().items() if path.read_text() != text]
    assert not stale, f"out of date: {stale}; run .venv/bin/python scripts/generate_docs.py"


def test_options_table_has_every_setting_once() -> None:
    from server.settings import Settings

    table = _generator().options_table()
    for spec in Settings.specs():
        assert table.count(f"`{spec.env_var}`") == 1 or spec.env_var is None, spec.name
