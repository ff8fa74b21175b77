"""The closing report rendered as a PDF (WeasyPrint with Pango and real fonts, read back with poppler): seconds per
render, so it sits with the other real renderers and codecs rather than in tests/unit."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
from PIL import Image

from analyzers.expression_classifier import EXPRESSION_LABELS
from server.report_document import render_report_pdf
from tests.support.pdf import pdf_text as _pdf_text
from tests.unit.test_report import _html, _report


def test_emotion_off_leaves_no_emotion_content_in_json_html_or_pdf(tmp_path: Path) -> None:
    off = _report(expression_classes=True, emotion_inference=False)  # even with classifier output stored
    on = _report(expression_classes=True, emotion_inference=True)
    assert "expression_classes" not in off and "expression_classes" in on
    assert "expression_class" not in json.dumps(off)
    html_off, html_on = _html(off, pdf=False), _html(on, pdf=False)
    assert 'id="expression-classes"' not in html_off and 'id="expression-classes"' in html_on
    text_off = _pdf_text(render_report_pdf(_html(off, pdf=True)), tmp_path).lower()
    text_on = _pdf_text(render_report_pdf(_html(on, pdf=True)), tmp_path).lower()
    assert "expression classes" not in text_off and "expression classes" in text_on
    for label in EXPRESSION_LABELS:
        assert label not in json.dumps(off).lower() and label not in html_off.lower() and label not in text_off, label
    assert "happy" in text_on  # the positive control: the same check sees the classes when they are on


def test_pdf_renders_to_pages_with_content(tmp_path: Path) -> None:
    report = _report()
    start = time.perf_counter()
    pdf = render_report_pdf(_html(report, pdf=True))
    render_s = time.perf_counter() - start
    print(f"PDF: {len(pdf)} bytes rendered in {render_s * 1000:.0f} ms")
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) > 1
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"))
        assert (pixels < 128).mean() > 0.002, f"{page.name} is blank"
    # The charts are drawn in the PDF: coloured pixels (the blue eye-contact line, the green speaking bars).
    colour = np.concatenate([np.asarray(Image.open(p).convert("RGB")).reshape(-1, 3) for p in pages]).astype(int)
    assert ((colour[:, 1] - colour[:, 0] > 60) & (colour[:, 1] > 100)).sum() > 200  # green bars
    text = _pdf_text(pdf, tmp_path)
    for needle in ("Ada Lovelace", "Summary", "Dimensions", "Fluency", "Questions", "Q2 transcript"):
        assert needle in text, needle
    assert report["config_hash"][:12] in text
