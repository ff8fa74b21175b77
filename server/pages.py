"""HTML pages: the candidate's join page, the interviewer's dashboard, the closing report."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from rooms.consent import CONSENT_TEXT_VERSION
from rooms.errors import NotFound
from rooms.integrity import integrity_page_context
from rooms.measures import page_catalogue
from rooms.model import Role, Room
from server.audit import audit
from server.auth import STAFF, AuthError, ForbiddenError
from server.i18n import CATALOGS, N_, candidate_locale, page_context, request_catalog
from server.keys import ICE, INTERVIEWS, SETTINGS, STORE
from server.live_pages import candidate_call_context, interviewer_call_context
from server.notes_api import annotated_report
from server.report_document import report_context
from server.report_wording import ReportWording
from server.requests import authorize

routes = web.RouteTableDef()
PRODUCT_NAME = "Open Interview"
# The organisation setting's default: translated like any message, while a real organisation's name is not.
N_("Your organisation")
# Why a link was refused (server/auth.py): English in the API, translated on the pages that show them.
AUTH_REASONS = (N_("missing token"), N_("token expired"), N_("invalid token"), N_("token is for another room"))


def _context(request: web.Request, **extra: Any) -> dict[str, Any]:
    return {"product_name": PRODUCT_NAME, "static_url": "/static", "measures": page_measures(request), **extra}


def page_measures(request: web.Request) -> dict[str, Any]:
    """The measures catalogue in the page's language: the dashboard and replay read it from their page config."""
    catalog = request_catalog(request)
    return page_catalogue(lambda _key, english: catalog.gettext(english))


def _with_token(path: str, token: str) -> str:
    return f"{path}?{urlencode({'token': token})}"


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("index.html", request, _context(request))


def candidate_language(request: web.Request, room: Room) -> dict[str, Any]:
    """The candidate's pages speak the room's language ("auto": the candidate's browser's)."""
    settings = request.app[SETTINGS]
    locale = candidate_locale(request, room.language, settings.default_language)
    return page_context(request.app[CATALOGS][locale])


@routes.get("/rooms/{room_id}/join")
async def candidate_page(request: web.Request) -> web.Response:
    authorize(request, Role.CANDIDATE)
    settings = request.app[SETTINGS]
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    token = request.query["token"]
    language = candidate_language(request, room)
    return aiohttp_jinja2.render_template(
        "candidate.html",
        request,
        _context(
            request,
            **language,
            consent_url=_with_token(f"/api/rooms/{room.id}/consent", token),
            consent_version=CONSENT_TEXT_VERSION,
            # A reload or a return keeps the choice already made: no new consent is asked for.
            previous_choice=await request.app[INTERVIEWS].analysis_choice(room.id),
            check_url=_with_token(f"/rooms/{room.id}/check", token),
            rights_contact=settings.rights_contact,
            room=room.to_public(),
            token=token,
            offer_url=_with_token(f"/api/rooms/{room.id}/offer", token),
            **candidate_call_context(room, token),
            status_url=_with_token(f"/api/rooms/{room.id}", token),
            ice_servers=request.app[ICE].browser(room.id),
            retention_days=settings.retention_days,
            organisation=language["i18n"].gettext(settings.organisation),
            # What the consent notice lists must be what this deployment does.
            recording=settings.recording,
            transcript=settings.transcript,
            emotion_inference=settings.emotion_inference,
            **integrity_page_context(settings.integrity_signals, f"/api/rooms/{room.id}/integrity"),
        ),
    )


@routes.get("/rooms/{room_id}/check")
async def device_check_page(request: web.Request) -> web.Response:
    """The candidate's device and network check, openable before the interview (and after it: harmless)."""
    authorize(request, Role.CANDIDATE)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    token = request.query["token"]
    return aiohttp_jinja2.render_template(
        "device_check.html",
        request,
        _context(
            request,
            **candidate_language(request, room),
            room=room.to_public(),
            token=token,
            ping_url=f"/api/rooms/{room.id}",
            join_url=_with_token(f"/rooms/{room.id}/join", token),
        ),
    )


@routes.get("/rooms/{room_id}/dashboard")
async def interviewer_page(request: web.Request) -> web.Response:
    principal = authorize(request, *STAFF)
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
            # HR (and the admin) send the candidate link: QR code and invitation text (server/invitation_api.py).
            **(
                {
                    "qr_svg_url": _with_token(f"{base}/qr.svg", token),
                    "qr_png_url": _with_token(f"{base}/qr.png", token),
                    "invitation_url": f"{base}/invitation",
                }
                if principal.role in (Role.HR, Role.ADMIN)
                else {}
            ),
            ice_servers=request.app[ICE].browser(room.id),
            emotion_inference=request.app[SETTINGS].emotion_inference,
            **(await interviewer_call_context(request.app, principal, room, token)),
        ),
    )


@routes.get("/rooms/{room_id}/report")
async def report_page(request: web.Request) -> web.Response:
    principal = authorize(request, *STAFF)
    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    await audit(request, principal, "report.read", room.id, {"via": "page"})
    report = await request.app[STORE].get_report(room.id)
    if report is not None:
        report = await annotated_report(request.app, room.id, report)  # with notes and the human decision
    if report is None:
        return _error_page(
            request,
            409,
            request_catalog(request).gettext(
                "The report is not ready yet. It is written within seconds of the interview's end."
            ),
        )
    replay_url = _with_token(f"/rooms/{room.id}/replay", request.query.get("token", ""))
    wording = report_wording(request, room)
    # The PDF in the language of the page it was downloaded from.
    pdf_url = (
        _with_token(f"/api/rooms/{room.id}/report.pdf", request.query.get("token", ""))
        + "&"
        + urlencode({"lang": wording.catalog.tag})
    )
    # The same context as the PDF (server/report_api.py), charts included: one template for both.
    view = report_context(room.to_public(), report, pdf=False, pdf_url=pdf_url, wording=wording)
    return aiohttp_jinja2.render_template("report.html", request, _context(request, replay_url=replay_url, **view))


def report_wording(request: web.Request, room: Room) -> ReportWording:
    """The report's text for this viewer: their language, the deployment's time zone, the interview's language."""
    return ReportWording(request_catalog(request), request.app[SETTINGS].time_zone, room.language)


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    response = aiohttp_jinja2.render_template("error.html", request, _context(request, status=status, message=message))
    response.set_status(status)
    return response


@web.middleware
async def page_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """On HTML pages, a bad link shows a readable page instead of a JSON error."""
    if request.path.startswith(("/api/", "/static/")):
        return await handler(request)
    _ = request_catalog(request).gettext
    try:
        return await handler(request)
    except NotFound:
        return _error_page(request, 404, _("There is no interview at this address."))
    except AuthError as exc:
        message = _("This link is not valid (%(reason)s). Ask the sender for a new one.")
        return _error_page(request, 401, message % {"reason": _(str(exc))})
    except ForbiddenError:
        return _error_page(request, 403, _("This link does not open this page."))
