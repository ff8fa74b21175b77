"""Per-interview data keys, stored wrapped by the master key (rooms/crypto.py), cached unwrapped in memory.

Backends: a small SQLite file (`<data>/keys.sqlite3`) for one node, a Redis hash (`oi:data_keys`) for several.
Deleting a room's data key crypto-shreds what was encrypted with it. `rewrap` moves every key to a new master
key (rotation); until it finishes, keys wrapped by either master key are read.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

from rooms.crypto import DecryptionError, key_id, new_key, unwrap, wrap, wrapped_by
from rooms.sqlite_thread import SqliteThread


class WrappedKeys(Protocol):
    async def open(self) -> None: ...
    async def get(self, room_id: str) -> str | None: ...
    async def put_if_absent(self, room_id: str, wrapped: str) -> str: ...  # returns the value now stored
    async def replace(self, room_id: str, wrapped: str) -> None: ...
    async def delete(self, room_id: str) -> bool: ...
    async def all(self) -> dict[str, str]: ...
    async def close(self) -> None: ...


class Keyring:
    def __init__(self, master: bytes, store: WrappedKeys, previous_master: bytes | None = None) -> None:
        self._master = master
        self._previous = previous_master  # during a rotation: keys not yet re-wrapped
        self._store = store
        self._cache: dict[str, bytes] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def master_id(self) -> str:
        return key_id(self._master)

    async def data_key(self, room_id: str) -> bytes:
        """The room's data key, created (and stored wrapped) on first use."""
        cached = self._cache.get(room_id)
        if cached is not None:
            return cached
        wrapped = await self._store.get(room_id)
        if wrapped is None:
            wrapped = await self._store.put_if_absent(room_id, wrap(self._master, new_key(), _label(room_id)))
        key = self._unwrap(wrapped, room_id)
        self._cache[room_id] = key
        return key

    async def existing_key(self, room_id: str) -> bytes | None:
        """The room's data key if it has one (reading never creates one)."""
        if room_id in self._cache:
            return self._cache[room_id]
        wrapped = await self._store.get(room_id)
        return None if wrapped is None else self._unwrap(wrapped, room_id)

    async def shred(self, room_id: str) -> bool:
        """Forget the room's data key: what it encrypted can never be read again."""
        self._cache.pop(room_id, None)
        return await self._store.delete(room_id)

    async def rewrap(self, new_master: bytes) -> int:
        """Re-wrap every data key under `new_master`; returns how many keys moved."""
        moved = 0
        for room_id, wrapped in (await self._store.all()).items():
            if wrapped_by(wrapped) == key_id(new_master):
                continue
            key = self._unwrap(wrapped, room_id)
            await self._store.replace(room_id, wrap(new_master, key, _label(room_id)))
            moved += 1
        self._previous, self._master = self._master, new_master
        return moved

    def _unwrap(self, wrapped: str, room_id: str) -> bytes:
        for master in (self._master, self._previous):
            if master is not None and wrapped_by(wrapped) == key_id(master):
                return unwrap(master, wrapped, _label(room_id))
        raise DecryptionError(f"the data key of room {room_id} was wrapped by master key {wrapped_by(wrapped)}")

    async def close(self) -> None:
        await self._store.close()


def _label(room_id: str) -> str:
    return f"oi:data-key:{room_id}"


_SCHEMA = "CREATE TABLE IF NOT EXISTS data_keys (room_id TEXT PRIMARY KEY, wrapped TEXT NOT NULL);"


class SqliteWrappedKeys:
    def __init__(self, path: Path) -> None:
        self._sql = SqliteThread(path, _SCHEMA, "keys")

    async def open(self) -> None:
        await self._sql.open()

    async def get(self, room_id: str) -> str | None:
        rows = await self._sql.run(self._select, "SELECT wrapped FROM data_keys WHERE room_id=?", (room_id,))
        return rows[0][0] if rows else None

    async def put_if_absent(self, room_id: str, wrapped: str) -> str:
        await self._sql.run(self._execute, "INSERT OR IGNORE INTO data_keys VALUES (?, ?)", (room_id, wrapped))
        stored = await self.get(room_id)
        assert stored is not None
        return stored

    async def replace(self, room_id: str, wrapped: str) -> None:
        await self._sql.run(self._execute, "UPDATE data_keys SET wrapped=? WHERE room_id=?", (wrapped, room_id))

    async def delete(self, room_id: str) -> bool:
        return await self._sql.run(self._delete, room_id)

    async def all(self) -> dict[str, str]:
        return dict(await self._sql.run(self._select, "SELECT room_id, wrapped FROM data_keys", ()))

    def _select(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return self._sql.conn.execute(sql, params).fetchall()

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._sql.conn:
            self._sql.conn.execute(sql, params)

    def _delete(self, room_id: str) -> bool:
        # secure_delete: the wrapped key does not linger in free pages of the file.
        self._sql.conn.execute("PRAGMA secure_delete=ON")
        with self._sql.conn:
            deleted = self._sql.conn.execute("DELETE FROM data_keys WHERE room_id=?", (room_id,)).rowcount > 0
        self._sql.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    async def close(self) -> None:
        await self._sql.close()


class RedisWrappedKeys:
    """One hash, `oi:data_keys`: room id -> wrapped key (the client belongs to the caller)."""

    def __init__(self, client: Any, key: str = "oi:data_keys") -> None:
        self._r = client
        self._key = key

    async def open(self) -> None:
        await self._r.ping()

    async def get(self, room_id: str) -> str | None:
        value = await self._r.hget(self._key, room_id)
        return value.decode() if isinstance(value, bytes) else value

    async def put_if_absent(self, room_id: str, wrapped: str) -> str:
        await self._r.hsetnx(self._key, room_id, wrapped)
        stored = await self.get(room_id)
        assert stored is not None
        return stored

    async def replace(self, room_id: str, wrapped: str) -> None:
        await self._r.hset(self._key, room_id, wrapped)

    async def delete(self, room_id: str) -> bool:
        return bool(await self._r.hdel(self._key, room_id))

    async def all(self) -> dict[str, str]:
        raw = await self._r.hgetall(self._key)
        return {_text(k): _text(v) for k, v in raw.items()}

    async def close(self) -> None:
        pass


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
