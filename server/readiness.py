"""GET /readyz: whether this node should be sent new interviews (models loaded, store reachable, not draining).

`/healthz` (liveness) only says the process answers; a load balancer or systemd watchdog restarts on that,
and routes new candidates on this.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from server.keys import INTERVIEWS, MEDIA, STORE

routes = web.RouteTableDef()
STORE_TIMEOUT_S = 2.0


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    app = request.app
    checks = {
        # The media host is on the app only once its models are loaded and warmed up (in every media worker).
        "models": "loaded" if MEDIA in app else "loading",
        "store": await _store_state(app),
        "admitting": "no (draining)" if INTERVIEWS in app and app[INTERVIEWS].draining else "yes",
    }
    ready = checks["models"] == "loaded" and checks["store"] == "reachable" and checks["admitting"] == "yes"
    return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)


async def _store_state(app: web.Application) -> str:
    if STORE not in app:
        return "not open"
    try:
        await asyncio.wait_for(app[STORE].list_rooms(limit=1), STORE_TIMEOUT_S)
    except TimeoutError:
        return f"unreachable (no answer in {STORE_TIMEOUT_S:.0f} s)"
    except Exception as exc:  # any failure of the store says the same thing to the balancer
        return f"unreachable ({type(exc).__name__})"
    return "reachable"
