"""`GET /api/openapi.json`: the OpenAPI document of the REST API, kept beside the code in server/openapi.json, and
`GET /api/docs`: the same document readable in a browser.

tests/api/test_openapi.py checks it against the router, so a route cannot be added without being documented.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
async def openapi_document(request: web.Request) -> web.FileResponse:
    # FileResponse reads the file off the event loop.
    return web.FileResponse(DOCUMENT, headers={"Content-Type": "application/json", "Cache-Control": "no-cache"})


@routes.get("/api/docs")
async def api_docs(request: web.Request) -> web.Response:
    """The document above, rendered by the vendored Swagger UI (web/static/vendor/swagger-ui)."""
    return aiohttp_jinja2.render_template(
        "api_docs.html", request, {"static_url": "/static", "spec_url": "/api/openapi.json"}
    )
