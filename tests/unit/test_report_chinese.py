"""The report in Chinese: sentences, labels, units (字/分钟 for a Mandarin interview), explanations and dates
translated, not only the headings; the PDF embeds a CJK font and its text is Chinese."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from rooms.report import build_report
from server.i18n import load_catalogs
from server.report_document import (
    pdf_static_url,
    render_report_html,
    render_report_pdf,
    report_context,
    template_environment,
)
from server.report_wording import ReportWording
from tests.support.i18n import english_words
from tests.support.pdf import pdf_text
from tests.support.report_timelines import interview_room, interview_timeline

# The footer names the room by its id ("room-report-1").
TECHNICAL = {"room", "report"}


@pytest.fixture(scope="module")
def chinese() -> tuple[dict, str, dict]:
    room = replace(interview_room(), candidate_name="李娜", title="门店经理", language="zh")
    report = build_report(room, interview_timeline(), room.ended_at)
    wording = ReportWording(load_catalogs()["zh_CN"], "Asia/Shanghai", room.language)
    context = {
        "product_name": "Open Interview",
        "static_url": pdf_static_url(),
        **report_context(room.to_public(), report, pdf=True, wording=wording),
    }
    return report, render_report_html(template_environment(), context), context


def _data_words(report: dict) -> set[str]:
    """Words the interview itself brought: what the candidate said, question labels, ids and the config hash."""
    texts = [line["text"] for line in (report.get("transcript") or {}).get("lines") or []]
    for q in report.get("questions") or []:
        texts += [q.get("label") or "", q.get("text") or ""]
    for dim_id, dim in report["dimensions"].items():
        texts.append(dim_id)
        texts += [e.get("transcript") or "" for e in dim["evidence"]]
        texts += [m["measure"] for m in dim["computed_from"]["measures"]]
    texts += [str(e.get("value")) for e in report.get("events") or []]  # the interviewer's marker labels
    texts.append(report["config_hash"])
    return {w for text in texts for w in re.findall(r"[A-Za-z']+", text)}


def test_every_sentence_label_unit_and_date_is_chinese(chinese: tuple[dict, str, dict]) -> None:
    report, html, context = chinese
    leftovers = english_words(html, _data_words(report) | TECHNICAL)
    assert not leftovers, sorted(set(leftovers))
    assert "李娜 参加了“门店经理”面试" in context["summary"]
    assert context["highlights"] and all(re.search(r"[\u4e00-\u9fff]", h["text"]) for h in context["highlights"])
    assert "沟通表达" in html and "语速" in html and "字/分钟" in html  # Mandarin speech rate: characters per minute
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} \(中国标准时间\)", html)


def test_english_reader_gets_the_stored_wording(chinese: tuple[dict, str, dict]) -> None:
    report = chinese[0]
    room = interview_room()
    context = report_context(room.to_public(), report, pdf=False)
    assert context["summary"] == report["summary"] and context["highlights"] == report["highlights"]


def test_chinese_pdf_embeds_a_cjk_font_and_reads_chinese(chinese: tuple[dict, str, dict], tmp_path: Path) -> None:
    pdf = render_report_pdf(chinese[1])
    text = pdf_text(pdf, tmp_path)
    for heading in ("面试报告", "李娜", "门店经理", "概要", "维度", "测量结果", "亮点与建议"):
        assert heading in text, heading
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    embedded = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert embedded and all(" yes " in line for line in embedded), fonts  # embedded, so no tofu elsewhere
