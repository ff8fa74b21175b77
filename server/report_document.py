"""The closing report as a document: one jinja2 template for the HTML page and the PDF (WeasyPrint renders it).

The PDF is rendered from the same markup the page shows, with the stylesheets read from web/static on disk; the
fetcher allows only file: and data: URLs, so rendering never touches the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from babel.support import NullTranslations

from server.i18n import Catalog, install_gettext
from server.report_charts import report_charts
from server.report_wording import ReportWording

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
TEMPLATE = "report.html"


def report_context(
    room: dict[str, Any],
    report: dict[str, Any],
    *,
    pdf: bool,
    pdf_url: str | None = None,
    wording: ReportWording | None = None,
) -> dict[str, Any]:
    """What report.html needs beyond the common page context: the report, its charts, how it is shown, and its
    text in the reader's language (English when no wording is given)."""
    wording = wording or ReportWording(Catalog("en", NullTranslations()))
    highlights, suggestions = wording.highlights_and_suggestions(report)
    return {
        "room": room,
        "report": report,
        "charts": report_charts(report, wording.tr),
        "pdf": pdf,
        "pdf_url": pdf_url,
        "summary": wording.summary(report),
        "highlights": highlights,
        "suggestions": suggestions,
        **wording.template_globals,
        **({"i18n": wording.catalog, "lang_tag": wording.catalog.tag} if wording.catalog.locale != "en" else {}),
    }


def template_environment() -> jinja2.Environment:
    """The pages' Jinja environment outside the app (scripts, tests): the templates with the i18n extension."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    install_gettext(env)
    return env


def render_report_html(env: jinja2.Environment, context: dict[str, Any]) -> str:
    return env.get_template(TEMPLATE).render(context)


def render_report_pdf(html: str) -> bytes:
    """HTML -> PDF bytes. CPU-bound (about a second for a long report): call it from a worker thread."""
    # Imported here: WeasyPrint loads Pango through cffi, which only a process that renders a PDF needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    return HTML(string=html, base_url=WEB_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf()


def pdf_static_url() -> str:
    """Where the PDF's stylesheets come from: the static folder on disk (the page uses /static over HTTP)."""
    return (WEB_DIR / "static").as_uri()
