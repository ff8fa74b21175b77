"""Where rooms, timelines and reports are kept.

`RoomStore` is the interface the server codes against; `SqliteRoomStore` is the embedded default that needs no
server: one SQLite file in the data directory, written through a single dedicated thread so the event loop
never blocks on disk and SQLite never sees two writers from this process.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rooms.model import Observation, Room, RoomStatus

T = TypeVar("T")


class RoomStore(Protocol):
    async def create_room(self, room: Room) -> None: ...

    async def get_room(self, room_id: str) -> Room | None: ...

    async def save_room(self, room: Room) -> None: ...

    async def list_rooms(self, limit: int = 100) -> list[Room]: ...

    async def append_observations(self, room_id: str, observations: Sequence[Observation]) -> None: ...

    async def timeline(self, room_id: str) -> list[Observation]: ...

    async def save_report(self, room_id: str, report: dict[str, Any]) -> None: ...

    async def get_report(self, room_id: str) -> dict[str, Any] | None: ...

    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    candidate_name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS timeline (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL,
    t REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_room_t ON timeline (room_id, t);
CREATE TABLE IF NOT EXISTS reports (
    room_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    report TEXT NOT NULL
);
"""


class SqliteRoomStore:
    """The embedded store: `<data_dir>/interviews.sqlite3`, WAL journal, one connection on one thread."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL keeps WAL durable across a process crash (only an OS crash may lose the last commits).
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def create_room(self, room: Room) -> None:
        await self._run(self._insert_room, room)

    def _insert_room(self, room: Room) -> None:
        self._conn.execute(
            "INSERT INTO rooms (id, title, candidate_name, status, created_at, started_at, ended_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _room_row(room),
        )

    async def save_room(self, room: Room) -> None:
        await self._run(self._update_room, room)

    def _update_room(self, room: Room) -> None:
        self._conn.execute(
            "UPDATE rooms SET title=?, candidate_name=?, status=?, created_at=?, started_at=?, ended_at=?,"
            " version=? WHERE id=?",
            (*_room_row(room)[1:], room.id),
        )

    async def get_room(self, room_id: str) -> Room | None:
        rows = await self._run(self._select_rooms, "WHERE id=?", (room_id,))
        return rows[0] if rows else None

    async def list_rooms(self, limit: int = 100) -> list[Room]:
        return await self._run(self._select_rooms, "ORDER BY created_at DESC LIMIT ?", (limit,))

    def _select_rooms(self, where: str, params: tuple[Any, ...]) -> list[Room]:
        cursor = self._conn.execute(
            "SELECT id, title, candidate_name, status, created_at, started_at, ended_at, version FROM rooms " + where,
            params,
        )
        return [
            Room(
                id=r[0],
                title=r[1],
                candidate_name=r[2],
                status=RoomStatus(r[3]),
                created_at=r[4],
                started_at=r[5],
                ended_at=r[6],
                version=r[7],
            )
            for r in cursor.fetchall()
        ]

    async def append_observations(self, room_id: str, observations: Sequence[Observation]) -> None:
        if observations:
            rows = [(room_id, o.t, json.dumps(o.to_record(), separators=(",", ":"))) for o in observations]
            await self._run(self._insert_timeline, rows)

    def _insert_timeline(self, rows: list[tuple[str, float, str]]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT INTO timeline (room_id, t, record) VALUES (?, ?, ?)", rows)

    async def timeline(self, room_id: str) -> list[Observation]:
        return await self._run(self._select_timeline, room_id)

    def _select_timeline(self, room_id: str) -> list[Observation]:
        cursor = self._conn.execute("SELECT record FROM timeline WHERE room_id=? ORDER BY t, seq", (room_id,))
        return [Observation.from_record(json.loads(r[0])) for r in cursor.fetchall()]

    async def save_report(self, room_id: str, report: dict[str, Any]) -> None:
        await self._run(self._upsert_report, room_id, report)

    def _upsert_report(self, room_id: str, report: dict[str, Any]) -> None:
        self._conn.execute(
            "INSERT INTO reports (room_id, created_at, report) VALUES (?, ?, ?)"
            " ON CONFLICT(room_id) DO UPDATE SET created_at=excluded.created_at, report=excluded.report",
            (room_id, report.get("generated_at", 0.0), json.dumps(report)),
        )

    async def get_report(self, room_id: str) -> dict[str, Any] | None:
        return await self._run(self._select_report, room_id)

    def _select_report(self, room_id: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT report FROM reports WHERE room_id=?", (room_id,)).fetchone()
        return json.loads(row[0]) if row else None

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)


def _room_row(room: Room) -> tuple[Any, ...]:
    return (
        room.id,
        room.title,
        room.candidate_name,
        room.status.value,
        room.created_at,
        room.started_at,
        room.ended_at,
        room.version,
    )
