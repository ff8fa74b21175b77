"""The closing report as a PDF download: GET /api/rooms/{id}/report.pdf (interviewer, HR, admin)."""

from __future__ import annotations

import time

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict
from rooms.model import RoomStatus
from server.audit import audit
from server.auth import STAFF
from server.i18n import page_context
from server.keys import INTERVIEWS, REPORT_PDFS, STORE
from server.notes_api import annotated_report
from server.pages import PRODUCT_NAME, report_wording
from server.report_document import pdf_static_url, render_report_html, render_report_pdf, report_context
from server.requests import authorize

routes = web.RouteTableDef()


@routes.get("/api/rooms/{room_id}/report.pdf")
async def report_pdf(request: web.Request) -> web.StreamResponse:
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    await audit(request, principal, "report.export", room.id, {"format": "pdf"})
    report = await request.app[STORE].get_report(room.id)
    if report is None:
        if room.status is not RoomStatus.ENDED:
            raise Conflict("the interview has not ended yet")
        return web.json_response(
            {"error": "the report is being written", "code": "report_pending", "status": "pending"}, status=202
        )
    report = await annotated_report(request.app, room.id, report)  # with notes and the human decision, as the page
    env = aiohttp_jinja2.get_env(request.app)
    wording = report_wording(request, room)  # ?lang=, else the viewer's cookie or Accept-Language
    context = {
        "product_name": PRODUCT_NAME,
        "static_url": pdf_static_url(),
        **page_context(wording.catalog),
        **report_context(room.to_public(), report, pdf=True, wording=wording),
    }

    def render() -> bytes:
        return render_report_pdf(render_report_html(env, context))

    # Layout and font shaping take a second or so of CPU: off the event loop, which carries live media, one
    # at a time, and once per report version.
    start = time.perf_counter()
    # One cached PDF per language: the language is part of what the PDF shows.
    shown = {**report, "shown_in": wording.catalog.tag}
    pdf, cached = await request.app[REPORT_PDFS].get(room.id, shown, render)
    render_ms = (time.perf_counter() - start) * 1000.0
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="interview-report-{room.id}.pdf"',
            "Server-Timing": f"{'cache' if cached else 'render'};dur={render_ms:.0f}",
            "Cache-Control": "private, no-store",
        },
    )
