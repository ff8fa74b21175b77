"""The audit log and the deletion receipts: who read or changed what, and proof of what retention removed.

- Audit entries: every read of a report, recording, replay or transcript, every decision, export, deletion and
  link revocation, with who (role, a token id that is a digest of the token, never the token), what, when and
  from where. They hold personal data (who looked at whom), so retention prunes them like the interviews.
- Deletion receipts: what was removed for a room (rows, keys, files with their sha256) and when. They hold no
  personal data (ids, counts, digests) and outlive the deletion they prove: retention never prunes them.

Two backends with one interface: SQLite in the data directory, Redis (sorted sets by time) for several nodes.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rooms.sqlite_thread import SqliteThread


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str  # e.g. "report.read", "recording.read", "decision.write", "room.delete", "links.revoke"
    role: str  # admin, hr, interviewer, candidate, system (the retention job)
    token_id: str  # a digest of the credential used ("" for the system)
    room_id: str | None
    address: str  # the client address ("" for the system)
    at: float = field(default_factory=time.time)
    detail: dict[str, Any] | None = None
    id: str = field(default_factory=lambda: secrets.token_hex(8))

    def to_public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DeletionReceipt:
    room_id: str
    deleted_at: float
    reason: str  # "retention" or "request"
    removed: dict[str, Any]  # what went: {"rows": {...}, "redis_keys": n, "files": [{"path", "bytes", "sha256"}]}
    id: str = field(default_factory=lambda: secrets.token_hex(8))

    def to_public(self) -> dict[str, Any]:
        return asdict(self)


class AuditLog(Protocol):
    async def open(self) -> None: ...
    async def append(self, entry: AuditEntry) -> None: ...
    async def entries(self, room_id: str | None = None, limit: int = 100) -> list[AuditEntry]: ...
    async def prune(self, before: float) -> int: ...
    async def add_receipt(self, receipt: DeletionReceipt) -> None: ...
    async def receipts(self, room_id: str | None = None, limit: int = 100) -> list[DeletionReceipt]: ...
    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id TEXT PRIMARY KEY, at REAL NOT NULL, room_id TEXT, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_room ON audit (room_id, at);
CREATE TABLE IF NOT EXISTS deletion_receipts (
    id TEXT PRIMARY KEY, deleted_at REAL NOT NULL, room_id TEXT NOT NULL, record TEXT NOT NULL
);
"""


class SqliteAuditLog:
    def __init__(self, path: Path) -> None:
        self._sql = SqliteThread(path, _SCHEMA, "audit")

    async def open(self) -> None:
        await self._sql.open()

    async def append(self, entry: AuditEntry) -> None:
        await self._sql.run(
            self._execute,
            "INSERT INTO audit (id, at, room_id, record) VALUES (?, ?, ?, ?)",
            (entry.id, entry.at, entry.room_id, json.dumps(entry.to_public())),
        )

    async def entries(self, room_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        where, params = ("WHERE room_id=?", (room_id,)) if room_id else ("", ())
        rows = await self._sql.run(
            self._select, f"SELECT record FROM audit {where} ORDER BY at DESC LIMIT ?", (*params, limit)
        )
        return [AuditEntry(**json.loads(r[0])) for r in rows]

    async def prune(self, before: float) -> int:
        return await self._sql.run(self._execute, "DELETE FROM audit WHERE at < ?", (before,))

    async def add_receipt(self, receipt: DeletionReceipt) -> None:
        await self._sql.run(
            self._execute,
            "INSERT INTO deletion_receipts (id, deleted_at, room_id, record) VALUES (?, ?, ?, ?)",
            (receipt.id, receipt.deleted_at, receipt.room_id, json.dumps(receipt.to_public())),
        )

    async def receipts(self, room_id: str | None = None, limit: int = 100) -> list[DeletionReceipt]:
        where, params = ("WHERE room_id=?", (room_id,)) if room_id else ("", ())
        rows = await self._sql.run(
            self._select,
            f"SELECT record FROM deletion_receipts {where} ORDER BY deleted_at DESC LIMIT ?",
            (*params, limit),
        )
        return [DeletionReceipt(**json.loads(r[0])) for r in rows]

    def _execute(self, sql: str, params: tuple[Any, ...]) -> int:
        with self._sql.conn:
            return self._sql.conn.execute(sql, params).rowcount

    def _select(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        return self._sql.conn.execute(sql, params).fetchall()

    async def close(self) -> None:
        await self._sql.close()


class RedisAuditLog:
    """Sorted sets scored by time: `audit` (all), `audit:<room>` (per room), `receipts`, `receipts:<room>`."""

    def __init__(self, client: Any, prefix: str = "oi:") -> None:
        self._r = client
        self._p = prefix

    async def open(self) -> None:
        await self._r.ping()

    async def append(self, entry: AuditEntry) -> None:
        record = json.dumps(entry.to_public())
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zadd(f"{self._p}audit", {record: entry.at})
            if entry.room_id:
                pipe.zadd(f"{self._p}audit:{entry.room_id}", {record: entry.at})
            await pipe.execute()

    async def entries(self, room_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        key = f"{self._p}audit:{room_id}" if room_id else f"{self._p}audit"
        records = await self._r.zrevrange(key, 0, limit - 1)
        return [AuditEntry(**json.loads(r)) for r in records]

    async def prune(self, before: float) -> int:
        old = await self._r.zrangebyscore(f"{self._p}audit", "-inf", f"({before}")
        if not old:
            return 0
        rooms = {json.loads(r).get("room_id") for r in old} - {None}
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(f"{self._p}audit", "-inf", f"({before}")
            for room_id in rooms:
                pipe.zremrangebyscore(f"{self._p}audit:{room_id}", "-inf", f"({before}")
            await pipe.execute()
        return len(old)

    async def add_receipt(self, receipt: DeletionReceipt) -> None:
        record = json.dumps(receipt.to_public())
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zadd(f"{self._p}receipts", {record: receipt.deleted_at})
            pipe.zadd(f"{self._p}receipts:{receipt.room_id}", {record: receipt.deleted_at})
            await pipe.execute()

    async def receipts(self, room_id: str | None = None, limit: int = 100) -> list[DeletionReceipt]:
        key = f"{self._p}receipts:{room_id}" if room_id else f"{self._p}receipts"
        records = await self._r.zrevrange(key, 0, limit - 1)
        return [DeletionReceipt(**json.loads(r)) for r in records]

    async def close(self) -> None:
        pass  # the client belongs to the caller
