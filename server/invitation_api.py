"""What HR sends a candidate: the candidate link as a QR code (SVG or PNG, drawn by segno) and a ready-to-paste
invitation text in the room's language, for WeChat and WeCom chats."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from aiohttp import web

from rooms.model import Role, Room
from server.i18n import CATALOGS, candidate_locale, normalize
from server.keys import INTERVIEWS, SETTINGS, TOKENS
from server.requests import authorize

routes = web.RouteTableDef()
QR_SCALE_PNG = 8  # pixels per module: ~330 px for a typical link, sharp on a phone screen and in print


async def candidate_link(request: web.Request, room: Room) -> str:
    """The candidate's link as an absolute URL (a QR code leaves the browser that could resolve a relative one)."""
    token = request.app[TOKENS].issue(room.id, Role.CANDIDATE)
    base = (request.app[SETTINGS].public_url or str(request.url.origin())).rstrip("/")
    return f"{base}/rooms/{room.id}/join?{urlencode({'token': token})}"


async def _room_and_link(request: web.Request) -> tuple[Room, str]:
    authorize(request, Role.HR)  # and the admin: whoever sends candidates their links

    room = await request.app[INTERVIEWS].get(request.match_info["room_id"])
    return room, await candidate_link(request, room)


@routes.get("/api/rooms/{room_id}/qr.svg")
async def qr_svg(request: web.Request) -> web.Response:
    _, link = await _room_and_link(request)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return web.Response(body=out.getvalue(), content_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@routes.get("/api/rooms/{room_id}/qr.png")
async def qr_png(request: web.Request) -> web.Response:
    _, link = await _room_and_link(request)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=QR_SCALE_PNG, border=2)
    return web.Response(body=out.getvalue(), content_type="image/png", headers={"Cache-Control": "no-store"})


@routes.get("/api/rooms/{room_id}/invitation")
async def invitation(request: web.Request) -> web.Response:
    """{"text", "url", "language"}: `?lang=` chooses the language, else the room's, else the organisation's."""
    room, link = await _room_and_link(request)
    settings = request.app[SETTINGS]
    locale = normalize(request.query.get("lang")) or candidate_locale(request, room.language, settings.default_language)
    catalog = request.app[CATALOGS][locale]
    organisation = settings.organisation
    text = catalog.gettext(
        "Hello %(name)s, %(organisation)s invites you to a video interview: “%(title)s”. Open this link on your "
        "phone (WeChat works) or computer, allow the camera and microphone, and follow the steps: %(url)s"
    ) % {"name": room.candidate_name, "organisation": organisation, "title": room.title, "url": link}
    return web.json_response({"text": text, "url": link, "language": catalog.tag})
