"""One suite, both implementations: the embedded SQLite store and local bus, and the Redis store and bus.

The Redis side runs against a real redis-server started on a free loopback port (tests/redis_server.py).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from rooms.bus import LocalBus
from rooms.model import Observation, ObservationType, Room, RoomStatus
from rooms.redis_bus import RedisBus
from rooms.redis_store import RedisRoomStore
from rooms.review import Decision, HumanDecision, Note
from rooms.store import SqliteRoomStore
from tests.support.redis_server import RedisServer, redis_server  # noqa: F401 (fixture)


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "sqlite":
        sqlite = SqliteRoomStore(tmp_path / "rooms.sqlite3")
        await sqlite.open()
        yield sqlite
        await sqlite.close()
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    client = Redis.from_url(server.url)
    # A fresh key prefix per test: tests never see each other's rooms.
    redis_store = RedisRoomStore(client, prefix=f"t{secrets.token_hex(4)}:")
    await redis_store.open()
    yield redis_store
    await redis_store.close()
    await client.aclose()


def _room(room_id: str, created_at: float, **changes: object) -> Room:
    return Room(id=room_id, title=f"Title {room_id}", candidate_name="Ada Lovelace", created_at=created_at, **changes)


def _obs(t: float, name: str = "face_present", value: object = 1.0, detail: dict | None = None) -> Observation:
    return Observation(ObservationType.METRIC, name, value, t, 1_700_000_000.0 + t, detail)


async def test_rooms_round_trip_update_and_list(store) -> None:
    first, second = _room("r1", 100.0), _room("r2", 200.0)
    second.language = "zh"
    await store.create_room(first)
    await store.create_room(second)
    assert await store.get_room("r1") == first
    assert await store.get_room("missing") is None

    first.status, first.started_at, first.version = RoomStatus.LIVE, 150.5, 2
    await store.save_room(first)
    loaded = await store.get_room("r1")
    assert loaded == first and loaded.status is RoomStatus.LIVE

    assert [r.id for r in await store.list_rooms()] == ["r2", "r1"]  # newest first
    assert (await store.get_room("r2")).language == "zh"
    assert [r.id for r in await store.list_rooms(limit=1)] == ["r2"]


async def test_creating_a_room_twice_fails_and_saving_never_creates(store) -> None:
    await store.create_room(_room("dup", 1.0))
    with pytest.raises(Exception):  # noqa: B017 (each backend raises its own integrity error)
        await store.create_room(_room("dup", 2.0))
    await store.save_room(_room("ghost", 3.0))
    assert await store.get_room("ghost") is None


async def test_timeline_keeps_every_record_in_media_time_order(store) -> None:
    await store.create_room(_room("t1", 1.0))
    await store.append_observations("t1", [_obs(2.0), _obs(1.0, "speaking", True)])
    await store.append_observations("t1", [_obs(1.0, "eye_contact", 0.5, {"yaw": 3.2}), _obs(3.0, "label", "x")])
    await store.append_observations("t1", [])
    timeline = await store.timeline("t1")
    assert [(o.t, o.name) for o in timeline] == [
        (1.0, "speaking"),
        (1.0, "eye_contact"),
        (2.0, "face_present"),
        (3.0, "label"),
    ]  # equal t keeps insertion order
    assert timeline[1].detail == {"yaw": 3.2} and timeline[0].value is True
    assert timeline[1].arrival == pytest.approx(1_700_000_001.0)
    assert await store.timeline("other") == []


async def test_reports_are_replaced_whole(store) -> None:
    await store.create_room(_room("rep", 1.0))
    assert await store.get_report("rep") is None
    await store.save_report("rep", {"generated_at": 1.0, "metrics": {"a": {"value": 1}}})
    await store.save_report("rep", {"generated_at": 2.0, "metrics": {}})
    assert await store.get_report("rep") == {"generated_at": 2.0, "metrics": {}}


async def test_notes_and_decisions(store) -> None:
    await store.create_room(_room("n", 1.0))
    late = await store.add_note(Note("n", 9.0, "good answer", 4, "lead", time.time()))
    early = await store.add_note(Note("n", 2.0, "nervous start", None, "observer", time.time()))
    assert late.id is not None and early.id is not None and late.id != early.id
    assert [n.text for n in await store.notes("n")] == ["nervous start", "good answer"]
    decision = HumanDecision("n", Decision.ADVANCE, "strong", "thank you", True, False, "hr", 5.0)
    await store.save_decision(decision)
    await store.save_decision(HumanDecision("n", Decision.HOLD, "", "", False, False, "hr", 6.0))
    loaded = await store.get_decision("n")
    assert loaded is not None and loaded.decision is Decision.HOLD and loaded.decided_at == 6.0
    assert await store.get_decision("none") is None


async def test_delete_room_removes_everything(store) -> None:
    await store.create_room(_room("gone", 1.0))
    await store.append_observations("gone", [_obs(1.0)])
    await store.save_report("gone", {"generated_at": 1.0})
    await store.add_note(Note("gone", 1.0, "x", None, "lead", 1.0))
    assert await store.delete_room("gone") is True
    assert await store.get_room("gone") is None
    assert await store.timeline("gone") == [] and await store.get_report("gone") is None
    assert await store.notes("gone") == [] and "gone" not in [r.id for r in await store.list_rooms()]
    assert await store.delete_room("gone") is False


# --- the bus -------------------------------------------------------------------------------------------------


@pytest.fixture(params=["local", "redis"])
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[tuple[LocalBus, LocalBus]]:
    """(publisher side, watcher side): the same bus locally; two nodes' buses on one Redis."""
    if request.param == "local":
        bus = LocalBus()
        yield bus, bus
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    clients = [Redis.from_url(server.url), Redis.from_url(server.url)]
    prefix = f"t{secrets.token_hex(4)}:live:"
    node_a, node_b = (RedisBus(c, node_id=n, channel_prefix=prefix) for c, n in zip(clients, "ab", strict=True))
    for bus in (node_a, node_b):
        bus.start()
    await asyncio.wait_for(asyncio.gather(node_a.connected.wait(), node_b.connected.wait()), 5)
    yield node_a, node_b
    for bus in (node_a, node_b):
        await bus.close()
    for client in clients:
        await client.aclose()


async def _take(subscription, count: int, timeout: float = 5.0) -> list[Observation]:
    received: list[Observation] = []

    async def take() -> None:
        async for observation in subscription:
            received.append(observation)
            if len(received) == count:
                return

    await asyncio.wait_for(take(), timeout)
    return received


async def test_bus_delivers_a_rooms_observations_to_each_subscriber(buses) -> None:
    publisher, watcher = buses
    here = publisher.subscribe("room")
    there, other = watcher.subscribe("room"), watcher.subscribe("other-room")
    await asyncio.sleep(0.1)
    sent = [_obs(1.0), _obs(1.1, "speaking", True, {"k": 1})]
    publisher.publish("room", sent)
    assert await _take(there, 2) == sent
    assert await _take(here, 2) == sent  # the publishing node's own viewers get each one once
    with pytest.raises(TimeoutError):
        await _take(other, 1, timeout=0.3)
    for s in (here, there, other):
        s.close()


async def test_a_slow_subscriber_loses_its_own_oldest(buses) -> None:
    publisher, watcher = buses
    slow, fast = watcher.subscribe("r", max_pending=3), watcher.subscribe("r")
    await asyncio.sleep(0.1)
    publisher.publish("r", [_obs(float(i)) for i in range(10)])
    assert [o.t for o in await _take(fast, 10)] == [float(i) for i in range(10)]
    await asyncio.sleep(0.1)
    assert [o.t for o in await _take(slow, 3)] == [7.0, 8.0, 9.0] and slow.dropped == 7
    slow.close()
    fast.close()


async def test_redis_bus_recovers_after_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    clients = [Redis.from_url(server.url), Redis.from_url(server.url)]
    node_a, node_b = RedisBus(clients[0], "a"), RedisBus(clients[1], "b")
    try:
        for bus in (node_a, node_b):
            bus.start()
        await asyncio.wait_for(asyncio.gather(node_a.connected.wait(), node_b.connected.wait()), 5)
        watch = node_b.subscribe("r")
        node_a.publish("r", [_obs(1.0)])
        assert [o.t for o in await _take(watch, 1)] == [1.0]

        server.stop()
        await asyncio.sleep(0.5)
        node_a.publish("r", [_obs(2.0)])  # Redis is down: publishing must neither block nor raise
        server.start()
        await asyncio.wait_for(node_b.connected.wait(), 10)
        await asyncio.sleep(0.2)
        # The live view comes back: observations published after the restart arrive again.
        deadline = time.monotonic() + 10
        got: list[float] = []
        while time.monotonic() < deadline and 3.0 not in got:
            node_a.publish("r", [_obs(3.0)])
            try:
                got += [o.t for o in await _take(watch, 1, timeout=0.5)]
            except TimeoutError:
                pass
        assert 3.0 in got and node_b.reconnects >= 1
        watch.close()
    finally:
        for bus in (node_a, node_b):
            await bus.close()
        for client in clients:
            await client.aclose()
        server.stop()
