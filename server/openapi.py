"""`GET /api/openapi.json`: the OpenAPI document of the REST API, kept beside the code in server/openapi.json.

tests/api/test_openapi.py checks it against the router, so a route cannot be added without being documented.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
async def openapi_document(request: web.Request) -> web.FileResponse:
    # FileResponse reads the file off the event loop.
    return web.FileResponse(DOCUMENT, headers={"Content-Type": "application/json", "Cache-Control": "no-cache"})
