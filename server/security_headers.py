"""One middleware for the browser-facing security headers every answer carries.

Pages pass their data to scripts as JSON blocks and load scripts and styles from /static only, so the policy
allows no inline script or style at all. Personal data (pages, the API's answers) is never cached; static
files are. HSTS only over TLS: a plain-HTTP deployment behind nothing must stay reachable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _apply(request, exc)  # redirects and errors raised as exceptions carry the headers too
        raise
    _apply(request, response)
    return response


def _apply(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:
        return  # a WebSocket or a streamed answer already sent its headers
    headers = response.headers
    # WebSockets to this same host named explicitly: older browsers do not count ws: as 'self'.
    connect = f"connect-src 'self' ws://{request.host} wss://{request.host}"
    headers.setdefault("Content-Security-Policy", f"{CONTENT_SECURITY_POLICY}; {connect}")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if request.secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
