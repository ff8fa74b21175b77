"""Which nodes are alive, how loaded they are, and which node owns each live room: shared through Redis.

Keys (prefix `oi:`):
  node:{id}     the node's latest heartbeat (JSON), expiring after `ttl_s`: a key that is gone is a dead node
  nodes         hash node id -> public URL (kept after death, so a dead owner's URL is still known)
  owners        hash room id -> owning node id; "lost:{id}" once that node was found dead
  signing_key_wrapped  the token signing key every node shares, wrapped by the master key (rooms/crypto.py)

Ownership changes only through compare-and-set scripts, so two nodes racing to take over a room (or to mark
it lost) cannot both win.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass

import redis
from redis.asyncio import Redis

from rooms.crypto import unwrap, wrap
from rooms.redis_store import DEFAULT_PREFIX

LOST_PREFIX = "lost:"
SIGNING_KEY_LABEL = "oi:signing-key"

# SET owners[room] = ARGV[2] only if it is still ARGV[1] ("" meaning: absent). Returns 1 when it changed.
_CAS_OWNER = """
local current = redis.call('HGET', KEYS[1], ARGV[3])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[2])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    node_id: str
    url: str
    live: int  # live interviews on the node
    capacity: int  # live interviews it admits
    cpu_pct: float
    loop_lag_ms: float
    at: float  # wall clock of the heartbeat

    @property
    def load(self) -> float:
        """Share of capacity in use; CPU breaks ties (a node busy with something else is the worse choice)."""
        return self.live / max(1, self.capacity) + self.cpu_pct / 100_000.0


@dataclass(frozen=True, slots=True)
class Owner:
    node_id: str | None  # None: nobody has claimed the room yet
    lost: bool  # the owner was found dead and the room waits for another node

    @property
    def raw(self) -> str:
        if self.node_id is None:
            return ""
        return LOST_PREFIX + self.node_id if self.lost else self.node_id


class NodeRegistry:
    """Heartbeats, liveness and room ownership. Takes its client from the caller."""

    def __init__(self, client: Redis, node_id: str, ttl_s: float = 3.0, prefix: str = DEFAULT_PREFIX) -> None:
        self._r = client
        self.node_id = node_id
        self.ttl_s = ttl_s
        self._p = prefix
        self._cas = client.register_script(_CAS_OWNER)

    def _node_key(self, node_id: str) -> str:
        return f"{self._p}node:{node_id}"

    @property
    def _owners(self) -> str:
        return f"{self._p}owners"

    async def heartbeat(self, info: NodeInfo) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(self._node_key(info.node_id), json.dumps(asdict(info)), px=int(self.ttl_s * 1000))
            pipe.hset(f"{self._p}nodes", info.node_id, info.url)
            await pipe.execute()

    async def withdraw(self) -> None:
        """A clean shutdown: say so at once instead of letting the heartbeat expire."""
        await self._r.delete(self._node_key(self.node_id))

    async def live_nodes(self) -> list[NodeInfo]:
        ids = [_text(i) for i in await self._r.hkeys(f"{self._p}nodes")]
        if not ids:
            return []
        beats = await self._r.mget([self._node_key(i) for i in ids])
        return [NodeInfo(**json.loads(b)) for b in beats if b is not None]

    async def is_alive(self, node_id: str) -> bool:
        return bool(await self._r.exists(self._node_key(node_id)))

    async def url_of(self, node_id: str) -> str | None:
        url = await self._r.hget(f"{self._p}nodes", node_id)
        return _text(url) if url is not None else None

    async def least_loaded(self) -> NodeInfo | None:
        nodes = await self.live_nodes()
        return min(nodes, key=lambda n: (n.load, n.node_id)) if nodes else None

    async def owner(self, room_id: str) -> Owner:
        raw = await self._r.hget(self._owners, room_id)
        if raw is None:
            return Owner(None, False)
        text = _text(raw)
        if text.startswith(LOST_PREFIX):
            return Owner(text[len(LOST_PREFIX) :], True)
        return Owner(text, False)

    async def owners(self) -> dict[str, Owner]:
        result = {}
        for room, raw in (await self._r.hgetall(self._owners)).items():
            text = _text(raw)
            lost = text.startswith(LOST_PREFIX)
            result[_text(room)] = Owner(text[len(LOST_PREFIX) :] if lost else text, lost)
        return result

    async def swap_owner(self, room_id: str, expected: Owner, new_raw: str) -> bool:
        """Compare-and-set the room's owner entry; True when this call changed it."""
        return bool(await self._cas(keys=[self._owners], args=[expected.raw, new_raw, room_id]))

    async def claim(self, room_id: str, expected: Owner) -> bool:
        return await self.swap_owner(room_id, expected, self.node_id)

    async def mark_lost(self, room_id: str, dead: Owner) -> bool:
        """Mark the room as lost by its dead owner; only the first node to notice wins (and records it)."""
        if dead.node_id is None or dead.lost:
            return False
        return await self.swap_owner(room_id, dead, LOST_PREFIX + dead.node_id)

    async def assign(self, room_id: str, node_id: str) -> None:
        """A new room goes to a node before anyone connects (the least-loaded one)."""
        await self._r.hsetnx(self._owners, room_id, node_id)

    async def release(self, room_id: str) -> None:
        """The room ended: nobody owns it any more."""
        await self._r.hdel(self._owners, room_id)


def shared_signing_key(url: str, master: bytes, prefix: str = DEFAULT_PREFIX) -> str:
    """The cluster's token signing key: created once by whichever node starts first, then read by all.

    Redis holds it only wrapped by the master key (which every node is given), never in clear; a clear key left
    by an older version is wrapped and removed here. Synchronous on purpose: the application factory needs it
    before any event loop runs.
    """
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        wrapped_key, clear_key = f"{prefix}signing_key_wrapped", f"{prefix}signing_key"
        clear = client.get(clear_key)
        secret = _text(clear) if clear is not None else secrets.token_urlsafe(32)
        client.set(wrapped_key, wrap(master, secret.encode(), SIGNING_KEY_LABEL), nx=True)
        stored = unwrap(master, _text(client.get(wrapped_key)), SIGNING_KEY_LABEL).decode()
        if clear is not None:
            client.delete(clear_key)
        return stored
    finally:
        client.close()


def rewrap_signing_key(url: str, old: bytes, new: bytes, prefix: str = DEFAULT_PREFIX) -> None:
    """Key rotation: the signing key wrapped under the new master key instead of the old one."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        wrapped_key = f"{prefix}signing_key_wrapped"
        current = client.get(wrapped_key)
        if current is not None:
            secret = unwrap(old, _text(current), SIGNING_KEY_LABEL)
            client.set(wrapped_key, wrap(new, secret, SIGNING_KEY_LABEL))
    finally:
        client.close()


def _text(value: object) -> str:
    """A Redis reply as text (the client is not set to decode responses)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a Redis string, got {value!r}")
