"""`/admin/webhooks` (signed in at /login): the webhook subscriptions and the delivery log, for operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from server.admin_pages import admin_page
from server.keys import OUTBOX
from server.pages import PRODUCT_NAME

routes = web.RouteTableDef()


@routes.get("/admin/webhooks")
async def webhooks_page(request: web.Request) -> web.Response:
    admin_page(request)  # signed in, or a bearer header (server/admin_pages.py); a bad token: readable error page
    outbox = request.app[OUTBOX]
    subscriptions = [s.to_public() for s in await outbox.subscriptions()]
    deliveries = [d.to_public() for d in await outbox.deliveries(limit=200)]
    for row in (*subscriptions, *deliveries):
        _format_times(row)
    for delivery in deliveries:
        for attempt in delivery["attempt_log"]:
            _format_times(attempt)
    return aiohttp_jinja2.render_template(
        "webhooks.html",
        request,
        {"product_name": PRODUCT_NAME, "static_url": "/static", "webhooks": subscriptions, "deliveries": deliveries},
    )


def _format_times(row: dict[str, Any]) -> None:
    # Rendered here rather than in the template: Jinja has no date filter.
    for key in ("created_at", "delivered_at", "next_attempt_at", "at"):
        value = row.get(key)
        if isinstance(value, int | float):
            row[key + "_text"] = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
