"""Admin API for webhook subscriptions and their delivery log, under /api/webhooks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from rooms.errors import InvalidInput, NotFound
from rooms.outbox import DeliveryStatus, EventType
from server.keys import OUTBOX, WEBHOOK_TARGETS
from server.requests import authorize_admin, read_json_object
from server.webhook_targets import TargetPolicy

routes = web.RouteTableDef()
_MAX_URL = 2000


@routes.post("/api/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    authorize_admin(request)
    data = await read_json_object(request)
    subscription = await request.app[OUTBOX].add_subscription(
        url=_endpoint_url(data.get("url"), request.app[WEBHOOK_TARGETS]),
        events=_event_types(data.get("events")),
        secret=_optional_string(data, "secret", min_length=16, max_length=200),
        description=_optional_string(data, "description", max_length=200) or "",
    )
    # The only answer that carries the secret (unless the caller chose it): store it with the receiver.
    return web.json_response(subscription.to_public(with_secret=True), status=201)


@routes.get("/api/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    authorize_admin(request)
    subscriptions = await request.app[OUTBOX].subscriptions()
    return web.json_response({"webhooks": [s.to_public() for s in subscriptions]})


@routes.delete("/api/webhooks/{webhook_id}")
async def delete_webhook(request: web.Request) -> web.Response:
    authorize_admin(request)
    if not await request.app[OUTBOX].remove_subscription(request.match_info["webhook_id"]):
        raise NotFound("unknown webhook")
    return web.Response(status=204)


@routes.get("/api/webhooks/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    authorize_admin(request)
    query = request.query
    try:
        limit = int(query.get("limit", "100"))
    except ValueError:
        raise InvalidInput("'limit' must be an integer") from None
    if not 1 <= limit <= 1000:
        raise InvalidInput("'limit' must be between 1 and 1000")
    status = None
    if "status" in query:
        try:
            status = DeliveryStatus(query["status"])
        except ValueError:
            raise InvalidInput(f"'status' must be one of {', '.join(s.value for s in DeliveryStatus)}") from None
    records = await request.app[OUTBOX].deliveries(limit=limit, status=status, event_id=query.get("event_id"))
    return web.json_response({"deliveries": [r.to_public() for r in records]})


@routes.post("/api/webhooks/deliveries/{delivery_id}/retry")
async def retry_delivery(request: web.Request) -> web.Response:
    """Send a failed delivery again (after the receiver is fixed); it keeps its event id."""
    authorize_admin(request)
    try:
        delivery_id = int(request.match_info["delivery_id"])
    except ValueError:
        raise NotFound("unknown delivery") from None
    if not await request.app[OUTBOX].retry(delivery_id):
        raise NotFound("no failed delivery with this id")
    return web.json_response({"id": delivery_id, "status": DeliveryStatus.PENDING.value}, status=202)


def _endpoint_url(value: Any, targets: TargetPolicy) -> str:
    # Internal addresses only where the operator allowed their network (server/webhook_targets.py); names are
    # checked again each time they are resolved for a delivery.
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("'url' must be a non-empty string")
    url = value.strip()
    if len(url) > _MAX_URL:
        raise InvalidInput(f"'url' is longer than {_MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("'url' must be an absolute http:// or https:// URL")
    refusal = targets.check_literal(parts.hostname)
    if refusal is not None:
        raise InvalidInput(refusal)
    return url


def _event_types(value: Any) -> tuple[EventType, ...]:
    if value is None:
        return tuple(EventType)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidInput("'events' must be a non-empty list of event types")
    try:
        return tuple(dict.fromkeys(EventType(v) for v in value))
    except ValueError:
        raise InvalidInput(f"'events' may hold {', '.join(e.value for e in EventType)}") from None


def _optional_string(data: dict[str, Any], key: str, max_length: int, min_length: int = 0) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not min_length <= len(value) <= max_length:
        raise InvalidInput(f"'{key}' must be a string of {min_length}-{max_length} characters")
    return value
