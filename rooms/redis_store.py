"""The room store on Redis, for several nodes sharing one set of rooms, timelines and reports.

Keys (all under a prefix, `oi:` by default):
  room:{id}       the room as JSON
  rooms           sorted set of room ids by created_at (for listing, newest first)
  timeline:{id}   list of observation records (JSON), appended in batches as they are recorded
  report:{id}     the report as JSON
  notes:{id}      list of interviewers' notes (JSON); note ids come from the counter `note_seq`
  decision:{id}   HR's human decision as JSON

Durability is Redis's: "nothing stored is lost" holds when Redis runs with the append-only file
(`appendonly yes`; `appendfsync everysec` loses at most a second on an OS crash, `always` nothing).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from typing import Any

from redis.asyncio import Redis

from rooms.model import Observation, Room
from rooms.redis_migrations import migrate_redis
from rooms.review import Decision, HumanDecision, Note

DEFAULT_PREFIX = "oi:"


def room_to_json(room: Room) -> str:
    # Every field, generically: fields other parts add to Room travel without this module knowing them.
    data = {f.name: getattr(room, f.name) for f in fields(Room)}
    return json.dumps(data, separators=(",", ":"))  # enum members are str subclasses: stored as their value


def room_from_json(text: str | bytes) -> Room:
    data = json.loads(text)
    values: dict[str, Any] = {}
    for f in fields(Room):
        if f.name not in data:
            continue  # stored before the field existed: its default applies
        value = data[f.name]
        if isinstance(f.default, enum.Enum) and value is not None:
            value = type(f.default)(value)  # StrEnum fields (status, mode) come back as their enum
        values[f.name] = value
    return Room(**values)


class RedisRoomStore:
    """`RoomStore` on a Redis server. Takes its client (redis.asyncio) from the caller, who owns and closes it."""

    def __init__(self, client: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._r = client
        self._p = prefix

    def _key(self, kind: str, room_id: str = "") -> str:
        return f"{self._p}{kind}:{room_id}" if room_id else f"{self._p}{kind}"

    async def open(self) -> None:
        await self._r.ping()
        await migrate_redis(self._r, self._p)  # versioned, once for all nodes (rooms/redis_migrations.py)

    async def create_room(self, room: Room) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(self._key("room", room.id), room_to_json(room), nx=True)
            pipe.zadd(self._key("rooms"), {room.id: room.created_at})
            created, _ = await pipe.execute()
        if not created:
            raise ValueError(f"room {room.id} exists")  # ids are random: as the SQLite store's integrity error

    async def get_room(self, room_id: str) -> Room | None:
        text = await self._r.get(self._key("room", room_id))
        return room_from_json(text) if text is not None else None

    async def save_room(self, room: Room) -> None:
        # xx: like the SQLite UPDATE, saving never resurrects a room that is not there.
        await self._r.set(self._key("room", room.id), room_to_json(room), xx=True)

    async def list_rooms(self, limit: int = 100) -> list[Room]:
        ids = await self._r.zrevrange(self._key("rooms"), 0, max(0, limit - 1))
        if not ids:
            return []
        texts = await self._r.mget([self._key("room", i.decode() if isinstance(i, bytes) else str(i)) for i in ids])
        return [room_from_json(t) for t in texts if t is not None]

    async def append_observations(self, room_id: str, observations: Sequence[Observation]) -> None:
        if observations:
            records = [json.dumps(o.to_record(), separators=(",", ":")) for o in observations]
            await self._r.rpush(self._key("timeline", room_id), *records)

    async def timeline(self, room_id: str) -> list[Observation]:
        records = await self._r.lrange(self._key("timeline", room_id), 0, -1)
        observations = [Observation.from_record(json.loads(r)) for r in records]
        # Same order as the SQLite store (t, then insertion): sorted() is stable.
        return sorted(observations, key=lambda o: o.t)

    async def last_observation_t(self, room_id: str, tail: int = 500) -> float | None:
        """The latest media time among the last `tail` stored records: where a lost segment stopped."""
        records = await self._r.lrange(self._key("timeline", room_id), -tail, -1)
        return max((float(json.loads(r)["t"]) for r in records), default=None)

    async def save_report(self, room_id: str, report: dict[str, Any]) -> None:
        await self._r.set(self._key("report", room_id), json.dumps(report))

    async def get_report(self, room_id: str) -> dict[str, Any] | None:
        text = await self._r.get(self._key("report", room_id))
        return json.loads(text) if text is not None else None

    async def delete_room(self, room_id: str) -> bool:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.delete(self._key("room", room_id))
            pipe.delete(
                self._key("timeline", room_id),
                self._key("report", room_id),
                self._key("notes", room_id),
                self._key("decision", room_id),
            )
            pipe.zrem(self._key("rooms"), room_id)
            deleted, *_ = await pipe.execute()
        return bool(deleted)

    async def add_note(self, note: Note) -> Note:
        note = replace(note, id=int(await self._r.incr(self._key("note_seq"))))
        await self._r.rpush(self._key("notes", note.room_id), json.dumps(asdict(note)))
        return note

    async def notes(self, room_id: str) -> list[Note]:
        notes = [Note(**json.loads(r)) for r in await self._r.lrange(self._key("notes", room_id), 0, -1)]
        return sorted(notes, key=lambda n: (n.t, n.id or 0))

    async def save_decision(self, decision: HumanDecision) -> None:
        data = asdict(decision)
        data["decision"] = decision.decision.value
        await self._r.set(self._key("decision", decision.room_id), json.dumps(data))

    async def get_decision(self, room_id: str) -> HumanDecision | None:
        text = await self._r.get(self._key("decision", room_id))
        if text is None:
            return None
        data = json.loads(text)
        data["decision"] = Decision(data["decision"])
        return HumanDecision(**data)

    async def close(self) -> None:
        """Nothing of its own to release: the client belongs to whoever made it."""
