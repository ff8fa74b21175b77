"""Versioned schema migrations for the Redis store, run when a node opens it (rooms/redis_store.py).

The version lives in `<prefix>schema_version`. Several nodes may start at once: the first takes the lock
`<prefix>schema_lock` (SET NX with an expiry, so a node that dies mid-upgrade does not block the others for
long) and migrates; the others wait for it and find the work done. Each migration is idempotent, so one cut
short by a crash is simply run again. A store written by a newer release is refused (SchemaTooNew).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from rooms.migrations import SchemaTooNew

LOCK_TTL_S = 120


@dataclass(frozen=True, slots=True)
class RedisMigration:
    version: int
    description: str
    apply: Callable[[Redis, str], Awaitable[None]]


async def _first_release(client: Redis, prefix: str) -> None:
    """Release 3ea7283 wrote rooms, timelines, reports, notes and decisions as they are read today."""


async def _room_language(client: Redis, prefix: str) -> None:
    """Release 01c617a added Room.language; rooms stored before it are English interviews ("en")."""
    async for key in client.scan_iter(match=f"{prefix}room:*", count=500):
        text = await client.get(key)
        if text is None:
            continue
        data = json.loads(text)
        if "language" not in data:
            data["language"] = "en"
            # xx: a room deleted meanwhile stays deleted.
            await client.set(key, json.dumps(data, separators=(",", ":")), xx=True)


MIGRATIONS: tuple[RedisMigration, ...] = (
    RedisMigration(1, "rooms, timelines, reports, notes and decisions (first release)", _first_release),
    RedisMigration(2, "the room's interview language", _room_language),
)
SCHEMA_VERSION = len(MIGRATIONS)


async def schema_version(client: Redis, prefix: str) -> int:
    value = await client.get(f"{prefix}schema_version")
    return int(value) if value is not None else 0


async def migrate_redis(
    client: Redis, prefix: str, migrations: Sequence[RedisMigration] = MIGRATIONS, wait_s: float = 300.0
) -> int:
    """Bring the store under `prefix` up to the last migration; returns the version reached."""
    latest = len(migrations)
    token = secrets.token_hex(8)
    lock = f"{prefix}schema_lock"
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        current = await schema_version(client, prefix)
        if current > latest:
            raise SchemaTooNew(
                f"the Redis store under {prefix!r} is at schema version {current}, newer than this release knows "
                f"({latest}): run the release that wrote it"
            )
        if current == latest:
            return latest
        if await client.set(lock, token, nx=True, ex=LOCK_TTL_S):
            break
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"another node has held {lock} for {wait_s:.0f} s")
        await asyncio.sleep(0.2)  # another node is migrating
    try:
        for migration in migrations[await schema_version(client, prefix) :]:
            await migration.apply(client, prefix)
            await client.set(f"{prefix}schema_version", migration.version)
    finally:
        if await client.get(lock) in (token, token.encode()):
            await client.delete(lock)
    return latest
