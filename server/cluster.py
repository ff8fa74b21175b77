"""Several nodes on one Redis: shared store and bus, node heartbeats, room ownership, failover.

- Storage: with `--redis URL` the room store and the live bus are the Redis ones (rooms/redis_store.py,
  rooms/redis_bus.py), so every node answers the API the same and a dashboard on any node sees every room.
- Ownership: a live room's media lands on one node, its owner (rooms/nodes.py). A room is assigned to the
  least-loaded live node when it is created, and its links point there.
- Signaling: POST offer / view / end / marks / question / script reaching a node that does not own the room
  are proxied to the owner (a proxy, not a redirect: browsers then need no cross-origin rules, and the SDP
  answer carries the owner's ICE candidates, so media flows straight to the owner). A request already
  forwarded is never forwarded again.
- Failover: a node heartbeats every second with a TTL; a node whose heartbeat expired, or that refuses the
  proxied connection, is dead. Its live rooms are marked with a `node_lost` event (at the media time of the last
  stored observation), and the next offer from the candidate, arriving at any node, takes the room over: a new
  segment of the same session (same media-time origin, so the gap is visible) that the report joins.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from rooms.audit import RedisAuditLog
from rooms.errors import Unavailable
from rooms.keyring import Keyring, RedisWrappedKeys
from rooms.measures import CANDIDATE_CONNECTED, NODE_LOST, SEGMENT
from rooms.model import Observation, ObservationType, Role, RoomStatus
from rooms.nodes import NodeInfo, NodeRegistry, Owner
from rooms.redis_bus import RedisBus
from rooms.redis_store import RedisRoomStore
from server.keys import AUDIT, BUS, INTERVIEWS, KEYRING, MASTER_KEY, MONITOR, NODES, PEER_HTTP, SETTINGS, STORE, TOKENS
from server.requests import authorize
from server.sealed_store import SealedStore

log = logging.getLogger(__name__)

FORWARDED_HEADER = "X-Interview-Forwarded-By"
# A client could send the header itself to skip routing: it counts only with this proof (server/auth.py).
FORWARD_PROOF_HEADER = "X-Interview-Forward-Proof"
HEARTBEAT_S = 1.0
# Owner-bound calls: they act on the session, which lives on one node.
_OWNED = re.compile(r"^/api/rooms/(?P<room>[^/]+)/(?P<action>offer|view|end|marks|question|script|integrity)$")
_CREATE = "/api/rooms"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REDIS_CLIENT = web.AppKey("redis_client", Redis)


def redis_of(app: web.Application) -> Redis:
    """The node's Redis client (cluster mode only)."""
    return app[REDIS_CLIENT]


def setup(app: web.Application) -> None:
    """Switch this app to cluster mode: Redis storage, the routing middleware, heartbeats (call before start)."""
    app.middlewares.append(route_to_owner)
    app.cleanup_ctx.append(_heartbeat_context)


def redis_client(url: str) -> Redis:
    # Short timeouts: a Redis that went away must turn into a retry, never into a request hanging for minutes.
    # retry_on_error: after a Redis restart the pool's idle connections are dead; a command that picks one must
    # reconnect and retry rather than fail (redis-py's default retry does not cover a connection closed by the server).
    return Redis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=10,
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


async def redis_storage_context(app: web.Application) -> AsyncIterator[None]:
    """Replaces the SQLite store and the local bus when the node runs with --redis."""
    settings = app[SETTINGS]
    assert settings.redis_url
    client = redis_client(settings.redis_url)
    store = RedisRoomStore(client)
    await store.open()
    bus = RedisBus(client, settings.node_id)
    bus.start()
    app[KEYRING] = Keyring(app[MASTER_KEY], RedisWrappedKeys(client))
    app[STORE] = SealedStore(store, app[KEYRING])  # transcripts and reports encrypted at rest
    app[REDIS_CLIENT] = client
    app[AUDIT] = RedisAuditLog(client)
    app[BUS] = bus
    app[NODES] = NodeRegistry(client, settings.node_id)
    app[PEER_HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30, sock_connect=3))
    yield
    await app[PEER_HTTP].close()
    await bus.close()
    await store.close()
    await client.aclose()


async def _heartbeat_context(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_heartbeat(app), name="node-heartbeat")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    try:
        await app[NODES].withdraw()
    except (RedisError, OSError):
        pass


async def _heartbeat(app: web.Application) -> None:
    settings, nodes = app[SETTINGS], app[NODES]
    healthy_since: float | None = None
    while True:
        try:
            load = app[MONITOR].load()
            await nodes.heartbeat(
                NodeInfo(
                    node_id=settings.node_id,
                    url=settings.public_url or "",
                    live=len(app[INTERVIEWS].sessions),
                    capacity=settings.max_interviews,
                    cpu_pct=load.cpu_pct,
                    loop_lag_ms=load.loop_lag_ms,
                    at=time.time(),
                )
            )
            healthy_since = healthy_since or time.monotonic()
            # After a Redis outage every heartbeat may have expired: give the others one TTL to beat again
            # before judging anybody dead.
            if time.monotonic() - healthy_since > nodes.ttl_s + HEARTBEAT_S:
                await _sweep(app)
        except (RedisError, OSError) as exc:
            if healthy_since is not None:
                log.warning("cluster: Redis unreachable (%s)", exc)
            healthy_since = None
        except Exception:
            log.exception("cluster heartbeat failed")
        await asyncio.sleep(HEARTBEAT_S)


async def _sweep(app: web.Application) -> None:
    """Mark the rooms of nodes whose heartbeat expired."""
    nodes = app[NODES]
    owners = await nodes.owners()
    suspects = {o.node_id for o in owners.values() if not o.lost and o.node_id and o.node_id != nodes.node_id}
    dead = {n for n in suspects if not await nodes.is_alive(n)}
    for room_id, owner in owners.items():
        if owner.node_id in dead and not owner.lost:
            await record_lost(app, room_id, owner)


async def record_lost(app: web.Application, room_id: str, owner: Owner) -> None:
    """Mark a room whose owner died; the node that wins the mark writes the `node_lost` event once."""
    nodes, store = app[NODES], app[STORE]
    if not await nodes.mark_lost(room_id, owner):
        return
    room = await store.get_room(room_id)
    if room is None or room.status is RoomStatus.ENDED:
        await nodes.release(room_id)
        return
    if room.status is not RoomStatus.LIVE or room.started_at is None:
        return  # assigned but never joined: it just goes to whoever takes the next offer
    now = time.time()
    last_t = await _last_t(store, room_id)
    t = last_t if last_t is not None else now - room.started_at
    event = Observation(
        ObservationType.EVENT,
        NODE_LOST,
        owner.node_id,
        t,
        now,
        {"node": owner.node_id, "last_t": last_t, "detected_t": round(now - room.started_at, 3)},
    )
    log.warning("cluster: node %s lost; room %s waits for the candidate to reconnect", owner.node_id, room_id)
    await store.append_observations(room_id, [event])
    # The dead node can no longer say its candidate is gone: say it for it, to dashboards on every node.
    gone = Observation(ObservationType.STATUS, CANDIDATE_CONNECTED, False, now - room.started_at, now)
    app[BUS].publish(room_id, [event, gone])


async def _last_t(store: object, room_id: str) -> float | None:
    last = getattr(store, "last_observation_t", None)
    return await last(room_id) if last is not None else None


@web.middleware
async def route_to_owner(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method != "POST":
        return await handler(request)
    try:
        if request.path == _CREATE:
            return await _create_on_least_loaded(request, handler)
        match = _OWNED.match(request.path)
        if match is None:
            return await handler(request)
        return await _owned(request, handler, match["room"], match["action"])
    except RedisError as exc:
        log.warning("cluster: Redis error during %s: %s", request.path, exc)
        raise Unavailable("the shared store is unreachable; try again shortly", retry_after_s=2) from None


async def _owned(request: web.Request, handler: Handler, room_id: str, action: str) -> web.StreamResponse:
    app = request.app
    nodes = app[NODES]
    if not forwarded_by_peer(request):
        owner = await nodes.owner(room_id)
        if owner.node_id is not None and owner.node_id != nodes.node_id and not owner.lost:
            forwarded = await _forward(request, owner.node_id)
            if forwarded is not None:
                return forwarded
            # Unreachable owner: dead, whatever its heartbeat says for another second or two.
            await record_lost(app, room_id, owner)
    if action == "offer":
        return await _offer_here(request, handler, room_id)
    response = await handler(request)
    if action == "end" and response.status == 200:
        await nodes.release(room_id)
    return response


def forwarded_by_peer(request: web.Request) -> bool:
    """A request another node of this cluster forwarded (never forwarded again), proven by the shared key."""
    node_id = request.headers.get(FORWARDED_HEADER)
    proof = request.headers.get(FORWARD_PROOF_HEADER)
    return bool(node_id and proof) and request.app[TOKENS].is_peer(node_id or "", proof or "")


async def _offer_here(request: web.Request, handler: Handler, room_id: str) -> web.StreamResponse:
    """The candidate's offer lands here: take the room (a new segment) unless this node already runs it."""
    authorize(request, Role.CANDIDATE)  # strangers take nothing over
    app = request.app
    nodes, interviews = app[NODES], app[INTERVIEWS]
    if room_id in interviews.sessions:
        return await handler(request)  # a reconnect to the session running here
    room = await interviews.get(room_id)
    owner = await nodes.owner(room_id)
    if room.status is RoomStatus.ENDED:
        return await handler(request)  # the handler answers 409
    if owner.node_id != nodes.node_id or owner.lost:
        if not await nodes.claim(room_id, owner):
            raise Unavailable("another node is taking this interview over; try again", retry_after_s=1)
    resumed = room.status is RoomStatus.LIVE  # live with no session here: its previous segment was cut short
    claimed_at = time.time()
    response = await handler(request)
    if response.status == 200:
        await _record_segment(app, room_id, owner, resumed, claimed_at)
    return response


async def _record_segment(app: web.Application, room_id: str, previous: Owner, resumed: bool, at: float) -> None:
    store, nodes = app[STORE], app[NODES]
    room = await store.get_room(room_id)
    if room is None or room.started_at is None:
        return
    records: list[Observation] = []
    if resumed and not previous.lost:
        # Nobody marked the loss (this node restarted, or the owner died between two sweeps): mark it now.
        last_t = await _last_t(store, room_id)
        records.append(
            Observation(
                ObservationType.EVENT,
                NODE_LOST,
                previous.node_id,
                last_t if last_t is not None else at - room.started_at,
                at,
                {"node": previous.node_id, "last_t": last_t, "detected_t": round(at - room.started_at, 3)},
            )
        )
    detail = {"node": nodes.node_id, "resumed": resumed, "previous": previous.node_id}
    records.append(Observation(ObservationType.STATUS, SEGMENT, nodes.node_id, at - room.started_at, at, detail))
    await store.append_observations(room_id, records)
    app[BUS].publish(room_id, records)
    log.info("cluster: room %s %s on node %s", room_id, "resumed" if resumed else "started", nodes.node_id)


async def _forward(request: web.Request, owner_id: str) -> web.Response | None:
    """Proxy the request to the owning node; None when the owner cannot be reached."""
    app = request.app
    url = await app[NODES].url_of(owner_id)
    if not url:
        return None
    node_id = app[SETTINGS].node_id
    headers = {FORWARDED_HEADER: node_id, FORWARD_PROOF_HEADER: app[TOKENS].peer_proof(node_id)}
    for name in ("Authorization", "Content-Type"):
        if name in request.headers:
            headers[name] = request.headers[name]
    body = await request.read()
    try:
        async with app[PEER_HTTP].post(url + request.path_qs, data=body, headers=headers) as upstream:
            payload = await upstream.read()
            passthrough = {k: v for k, v in upstream.headers.items() if k == "Retry-After"}
            return web.Response(
                status=upstream.status, body=payload, content_type=upstream.content_type, headers=passthrough
            )
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        log.warning("cluster: owner %s of %s unreachable at %s (%r)", owner_id, request.path, url, exc)
        return None


async def _create_on_least_loaded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A new room goes to the least-loaded live node: assigned there, and its links point there."""
    response = await handler(request)
    if response.status != 201 or not isinstance(response, web.Response):
        return response
    body = response.body
    if not isinstance(body, bytes | bytearray):
        return response
    room = json.loads(body)
    nodes = request.app[NODES]
    target = await nodes.least_loaded()
    node_id = target.node_id if target else nodes.node_id
    node_url = target.url if target else (request.app[SETTINGS].public_url or "")
    await nodes.assign(room["id"], node_id)
    for key, value in list(room.items()):
        if key.endswith("_url") and isinstance(value, str) and value.startswith("/"):
            room[key] = node_url + value
    room["node_id"], room["node_url"] = node_id, node_url
    return web.json_response(room, status=201)
