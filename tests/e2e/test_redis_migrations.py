"""Upgrades on Redis: a store written by the first Redis release (3ea7283: room JSON without a language, no
schema version) opens with today's code, reads back, and is marked at the latest version; nodes starting
together migrate once; a store from a newer release is refused."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis

from rooms.migrations import SchemaTooNew
from rooms.model import Observation, RoomStatus
from rooms.redis_migrations import SCHEMA_VERSION, migrate_redis, schema_version
from rooms.redis_store import RedisRoomStore
from tests.support.redis_server import RedisServer, redis_server  # noqa: F401 (fixture)

PREFIX = "oi:"
# The room as release 3ea7283's room_to_json wrote it: every Room field of that release, no language.
OLD_ROOM = {
    "id": "room1",
    "title": "Backend engineer",
    "candidate_name": "Ada Lovelace",
    "status": "ended",
    "created_at": 1700000000.0,
    "started_at": 1700000000.0,
    "ended_at": 1700000060.0,
    "version": 3,
    "template_id": None,
    "mode": "live",
}
RECORD = {"type": "metric", "name": "face_present", "value": 1.0, "t": 1.5, "arrival": 1700000001.5}
REPORT = {"duration_s": 60.0, "metrics": {"face_presence": {"value": 0.9}}}
NOTE = {"id": 1, "room_id": "room1", "t": 4.0, "text": "clear answer", "rating": 4, "author": "lead", "created_at": 1.0}


@pytest.fixture
async def client(redis_server: RedisServer):  # noqa: F811
    redis_server.flushall()
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def _first_release_data(client: Redis) -> None:
    await client.set(f"{PREFIX}room:room1", json.dumps(OLD_ROOM, separators=(",", ":")))
    await client.zadd(f"{PREFIX}rooms", {"room1": OLD_ROOM["created_at"]})
    await client.rpush(f"{PREFIX}timeline:room1", json.dumps(RECORD))
    await client.set(f"{PREFIX}report:room1", json.dumps(REPORT))
    await client.rpush(f"{PREFIX}notes:room1", json.dumps(NOTE))
    await client.set(f"{PREFIX}note_seq", 1)


async def test_the_first_redis_release_upgrades_and_reads_back(client: Redis) -> None:
    await _first_release_data(client)
    assert await schema_version(client, PREFIX) == 0
    store = RedisRoomStore(client)
    await store.open()
    room = await store.get_room("room1")
    assert room is not None and room.status is RoomStatus.ENDED and room.version == 3
    assert room.language == "en"
    assert json.loads(await client.get(f"{PREFIX}room:room1"))["language"] == "en"  # written, not only defaulted
    assert await store.timeline("room1") == [Observation.from_record(RECORD)]
    assert await store.get_report("room1") == REPORT
    assert [n.text for n in await store.notes("room1")] == ["clear answer"]
    assert await schema_version(client, PREFIX) == SCHEMA_VERSION == 2
    # Opening again changes nothing.
    before = await client.get(f"{PREFIX}room:room1")
    await RedisRoomStore(client).open()
    assert await client.get(f"{PREFIX}room:room1") == before


async def test_nodes_starting_together_migrate_once(client: Redis, redis_server: RedisServer) -> None:  # noqa: F811
    await _first_release_data(client)
    others = [Redis.from_url(redis_server.url) for _ in range(3)]
    try:
        versions = await asyncio.gather(*(migrate_redis(c, PREFIX) for c in others))
    finally:
        for other in others:
            await other.aclose()
    assert versions == [SCHEMA_VERSION] * 3
    assert await client.get(f"{PREFIX}schema_lock") is None


async def test_a_store_from_a_newer_release_is_refused(client: Redis) -> None:
    await client.set(f"{PREFIX}schema_version", 99)
    with pytest.raises(SchemaTooNew, match="99"):
        await RedisRoomStore(client).open()
