"""HTML pages: the candidate's join page, the interviewer's dashboard, the closing report."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import NotFound
from rooms.integrity import integrity_page_context
from rooms.model import Role
from server.audit import audit
from server.auth import AuthError, ForbiddenError
from server.keys import ICE, INTERVIEWS, SETTINGS, STORE
from server.live_pages import candidate_call_context, interviewer_call_context
from server.notes_api import annotated_report
from server.report_document import report_context
from server.requests import authorize

routes = web.RouteTableDef()
PRODUCT_NAME = "Open Interview"


def _context(request: web.Request, **extra: Any) -> dict[str, Any]:
    return {"product_name": PRODUCT_NAME, "static_url": "/static", **extra}


def _with_token(path: str, token: str) -> str:
    return f"{path}?{urlencode({'token': token})}"


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("index.html", request, _context(request))


@routes.get("/rooms/{room_id}/join")
async def candidate_page(request: web.Request) -> web.Response:
    authorize(request, Role.CANDIDATE)
    settings = request.app[SETTINGS]
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    token = request.query["token"]
    return aiohttp_jinja2.render_template(
        "candidate.html",
        request,
        _context(
            request,
            room=room.to_public(),
            token=token,
            offer_url=_with_token(f"/api/rooms/{room.id}/offer", token),
            **candidate_call_context(room, token),
            status_url=_with_token(f"/api/rooms/{room.id}", token),
            ice_servers=request.app[ICE].browser(room.id),
            retention_days=settings.retention_days,
            organisation=settings.organisation,
            # What the consent notice lists must be what this deployment does.
            recording=settings.recording,
            transcript=settings.transcript,
            emotion_inference=settings.emotion_inference,
            **integrity_page_context(settings.integrity_signals, f"/api/rooms/{room.id}/integrity"),
        ),
    )


@routes.get("/rooms/{room_id}/dashboard")
async def interviewer_page(request: web.Request) -> web.Response:
    principal = authorize(request, Role.INTERVIEWER, Role.HR)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    token = request.query["token"]
    base = f"/api/rooms/{room.id}"
    return aiohttp_jinja2.render_template(
        "interviewer.html",
        request,
        _context(
            request,
            room=room.to_public(),
            token=token,
            ws_url=_with_token(f"{base}/live", token),
            view_offer_url=_with_token(f"{base}/view", token),
            end_url=_with_token(f"{base}/end", token),
            marks_url=_with_token(f"{base}/marks", token),
            report_url=_with_token(f"/rooms/{room.id}/report", token),
            report_api_url=_with_token(f"{base}/report", token),
            replay_url=_with_token(f"/rooms/{room.id}/replay", token),
            ice_servers=request.app[ICE].browser(room.id),
            emotion_inference=request.app[SETTINGS].emotion_inference,
            **(await interviewer_call_context(request.app, principal, room, token)),
        ),
    )


@routes.get("/rooms/{room_id}/report")
async def report_page(request: web.Request) -> web.Response:
    principal = authorize(request, Role.INTERVIEWER, Role.HR)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    await audit(request, principal, "report.read", room.id, {"via": "page"})
    report = await request.app[STORE].get_report(room.id)
    if report is not None:
        report = await annotated_report(request.app, room.id, report)  # with notes and the human decision
    if report is None:
        return _error_page(
            request, 409, "The report is not ready yet. It is written within seconds of the interview's end."
        )
    replay_url = _with_token(f"/rooms/{room.id}/replay", request.query.get("token", ""))
    pdf_url = _with_token(f"/api/rooms/{room.id}/report.pdf", request.query.get("token", ""))
    # The same context as the PDF (server/report_api.py), charts included: one template for both.
    view = report_context(room.to_public(), report, pdf=False, pdf_url=pdf_url)
    return aiohttp_jinja2.render_template("report.html", request, _context(request, replay_url=replay_url, **view))


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    response = aiohttp_jinja2.render_template("error.html", request, _context(request, status=status, message=message))
    response.set_status(status)
    return response


@web.middleware
async def page_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """On HTML pages, a bad link shows a readable page instead of a JSON error."""
    if request.path.startswith(("/api/", "/static/")):
        return await handler(request)
    try:
        return await handler(request)
    except NotFound:
        return _error_page(request, 404, "There is no interview at this address.")
    except AuthError as exc:
        return _error_page(request, 401, f"This link is not valid ({exc}). Ask the sender for a new one.")
    except ForbiddenError:
        return _error_page(request, 403, "This link does not open this page.")
