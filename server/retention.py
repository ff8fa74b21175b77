"""Retention that really deletes: ended interviews older than their retention go, with a receipt each.

Each room keeps its data `retention_days` after its end (its own value from POST /api/rooms, else the
organisation's --retention-days). A job runs at start-up and every hour (and on demand: POST /api/retention/run,
admin): it deletes every expired interview through server/deletion.py (media, rows, script, webhook events;
Redis keys and other nodes' copies in cluster mode) and prunes audit entries older than the default retention.
With several nodes, a short Redis lock lets one node run it at a time; every node drains the cluster's deleted
rooms every few seconds (its own copies of media deleted elsewhere).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from rooms.audit import AuditEntry, DeletionReceipt
from rooms.errors import Conflict, NotFound
from rooms.model import Role, Room, RoomStatus
from server.audit import audit
from server.deletion import DRAIN_EVERY_S, delete_interview, drain_cluster_deletions
from server.keys import AUDIT, SETTINGS, STORE
from server.requests import authorize

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
RUN_EVERY_S = 3600.0
FIRST_RUN_AFTER_S = 10.0
_LOCK_KEY = "oi:retention_lock"
_DAY_S = 86400.0


def expired(room: Room, default_days: int, now: float) -> bool:
    if room.status is not RoomStatus.ENDED or room.ended_at is None:
        return False  # live or never started: retention counts from the end
    days = room.retention_days if room.retention_days is not None else default_days
    return room.ended_at + days * _DAY_S <= now


async def run_retention(app: web.Application, now: float | None = None) -> list[DeletionReceipt]:
    """Delete every expired interview and prune old audit entries; returns the receipts written."""
    now = time.time() if now is None else now
    settings = app[SETTINGS]
    if settings.redis_url:
        from server.cluster import redis_of

        if not await redis_of(app).set(_LOCK_KEY, settings.node_id, nx=True, ex=300):
            return []  # another node is running it
    receipts = []
    rooms = await app[STORE].list_rooms(limit=1_000_000)
    for room in rooms:
        if not expired(room, settings.retention_days, now):
            continue
        try:
            receipt = await delete_interview(app, room.id, "retention")
        except (NotFound, Conflict) as exc:
            log.info("retention: room %s skipped (%s)", room.id, exc)
            continue
        receipts.append(receipt)
        await app[AUDIT].append(
            AuditEntry("retention.delete", "system", "", room.id, "", detail={"receipt": receipt.id})
        )
    pruned = await app[AUDIT].prune(now - settings.retention_days * _DAY_S)
    if receipts or pruned:
        log.info("retention: %d interviews deleted, %d audit entries pruned", len(receipts), pruned)
    return receipts


@routes.post("/api/retention/run")
async def run_now(request: web.Request) -> web.Response:
    """Run the retention job now (it also runs hourly); answers with the receipts it wrote."""
    principal = authorize(request, Role.ADMIN)
    receipts = await run_retention(request.app)
    await audit(request, principal, "retention.run", None, {"deleted": len(receipts)})
    return web.json_response({"receipts": [r.to_public() for r in receipts]})


async def retention_context(app: web.Application) -> AsyncIterator[None]:
    """The hourly job, and in cluster mode the drain of other nodes' deletions (after the interviews)."""
    tasks = [asyncio.create_task(_every(app, RUN_EVERY_S, FIRST_RUN_AFTER_S, run_retention), name="retention")]
    if app[SETTINGS].redis_url:
        tasks.append(asyncio.create_task(_every(app, DRAIN_EVERY_S, 0.0, drain_cluster_deletions), name="drain"))
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _every(
    app: web.Application, period_s: float, first_after_s: float, job: Callable[[web.Application], Awaitable[object]]
) -> None:
    await asyncio.sleep(first_after_s)
    while True:
        try:
            await job(app)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention job failed; it runs again in %.0f s", period_s)
        await asyncio.sleep(period_s)
