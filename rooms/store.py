"""Where rooms, timelines and reports are kept.

`RoomStore` is the interface the server codes against; `SqliteRoomStore` is the embedded default that needs no
server: one SQLite file in the data directory, written through a single dedicated thread so the event loop
never blocks on disk and SQLite never sees two writers from this process.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rooms.migrations import Migration, add_columns, migrate, sql, steps
from rooms.model import Observation, Room, RoomMode, RoomStatus
from rooms.review import Decision, HumanDecision, Note
from rooms.sqlite_thread import SqliteStore

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

    async def delete_room(self, room_id: str) -> bool:
        """Remove the room and everything stored about it (deletion on request); False if it did not exist."""
        ...

    async def add_note(self, note: Note) -> Note: ...  # returns the note with its id

    async def notes(self, room_id: str) -> list[Note]: ...  # in media-time order

    async def save_decision(self, decision: HumanDecision) -> None: ...  # replaces an earlier one

    async def get_decision(self, room_id: str) -> HumanDecision | None: ...

    async def close(self) -> None: ...


# The schema's history, one migration per release that changed it (rooms/migrations.py); never edit a released one,
# add the next.
_MIGRATIONS = (
    Migration(
        1,
        "rooms, timelines and reports (first release)",
        sql(
            """
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
            )
            """
        ),
    ),
    Migration(
        2,
        "templates and one-way interviews; interviewers' notes and HR decisions",
        steps(
            add_columns("rooms", ("template_id", "TEXT"), ("mode", "TEXT NOT NULL DEFAULT 'live'")),
            sql(
                """
                CREATE TABLE IF NOT EXISTS notes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    room_id TEXT NOT NULL,
                    t REAL NOT NULL,
                    text TEXT NOT NULL,
                    rating INTEGER,
                    author TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX IF NOT EXISTS notes_room_t ON notes (room_id, t);
                CREATE TABLE IF NOT EXISTS decisions (
                    room_id TEXT PRIMARY KEY,
                    decision TEXT NOT NULL,
                    note TEXT NOT NULL,
                    feedback TEXT NOT NULL,
                    share_feedback INTEGER NOT NULL,
                    share_scores INTEGER NOT NULL,
                    decided_by TEXT NOT NULL,
                    decided_at REAL NOT NULL
                )
                """
            ),
        ),
    ),
    Migration(3, "the room's interview language", add_columns("rooms", ("language", "TEXT NOT NULL DEFAULT 'en'"))),
    Migration(
        4,
        "revocable links (the room's links generation) and per-room retention",
        add_columns("rooms", ("links_version", "INTEGER NOT NULL DEFAULT 1"), ("retention_days", "INTEGER")),
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


def _migrate(db: sqlite3.Connection) -> None:
    migrate(db, "rooms", _MIGRATIONS)


class SqliteRoomStore(SqliteStore):
    """The embedded store: `<data_dir>/interviews.sqlite3`, WAL journal, one connection on one thread."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "rooms", _migrate)

    async def create_room(self, room: Room) -> None:
        await self._run(self._insert_room, room)

    def _insert_room(self, room: Room) -> None:
        self._conn.execute(
            "INSERT INTO rooms (id, title, candidate_name, status, created_at, started_at, ended_at, version,"
            " template_id, mode, language, links_version, retention_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)",
            (
                *_room_row(room),
                room.template_id,
                room.mode.value,
                room.language,
                room.links_version,
                room.retention_days,
            ),
        )

    async def save_room(self, room: Room) -> None:
        await self._run(self._update_room, room)

    def _update_room(self, room: Room) -> None:
        self._conn.execute(
            "UPDATE rooms SET title=?, candidate_name=?, status=?, created_at=?, started_at=?, ended_at=?,"
            " version=?, links_version=?, retention_days=? WHERE id=?",
            (*_room_row(room)[1:], room.links_version, room.retention_days, room.id),
        )

    async def get_room(self, room_id: str) -> Room | None:
        rows = await self._run(self._select_rooms, "WHERE id=?", (room_id,))
        return rows[0] if rows else None

    async def list_rooms(self, limit: int = 100) -> list[Room]:
        return await self._run(self._select_rooms, "ORDER BY created_at DESC LIMIT ?", (limit,))

    def _select_rooms(self, where: str, params: tuple[Any, ...]) -> list[Room]:
        cursor = self._conn.execute(
            "SELECT id, title, candidate_name, status, created_at, started_at, ended_at, version, template_id, mode,"
            " language, links_version, retention_days FROM rooms " + where,
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
                template_id=r[8],
                mode=RoomMode(r[9] or RoomMode.LIVE),
                language=r[10],
                links_version=r[11],
                retention_days=r[12],
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

    async def delete_room(self, room_id: str) -> bool:
        return await self._run(self._delete_room, room_id)

    def _delete_room(self, room_id: str) -> bool:
        # secure_delete overwrites the freed pages, and the checkpoint moves that into the main file, so the
        # personal data does not linger in free pages or the WAL.
        self._conn.execute("PRAGMA secure_delete=ON")
        # One transaction: a crash leaves either the whole room or none of it. Tables other parts add per room
        # belong in this list too.
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM timeline WHERE room_id=?", (room_id,))
            self._conn.execute("DELETE FROM reports WHERE room_id=?", (room_id,))
            self._conn.execute("DELETE FROM notes WHERE room_id=?", (room_id,))
            self._conn.execute("DELETE FROM decisions WHERE room_id=?", (room_id,))
            cursor = self._conn.execute("DELETE FROM rooms WHERE id=?", (room_id,))
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cursor.rowcount > 0

    async def add_note(self, note: Note) -> Note:
        note_id = await self._run(self._insert_note, note)
        return dataclasses.replace(note, id=note_id)

    def _insert_note(self, note: Note) -> int:
        cursor = self._conn.execute(
            "INSERT INTO notes (room_id, t, text, rating, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (note.room_id, note.t, note.text, note.rating, note.author, note.created_at),
        )
        return int(cursor.lastrowid or 0)

    async def notes(self, room_id: str) -> list[Note]:
        return await self._run(self._select_notes, room_id)

    def _select_notes(self, room_id: str) -> list[Note]:
        cursor = self._conn.execute(
            "SELECT id, t, text, rating, author, created_at FROM notes WHERE room_id=? ORDER BY t, id", (room_id,)
        )
        return [Note(room_id, r[1], r[2], r[3], r[4], r[5], id=r[0]) for r in cursor.fetchall()]

    async def save_decision(self, decision: HumanDecision) -> None:
        await self._run(self._upsert_decision, decision)

    def _upsert_decision(self, d: HumanDecision) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO decisions (room_id, decision, note, feedback, share_feedback, share_scores,"
            " decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                d.room_id,
                d.decision.value,
                d.note,
                d.feedback,
                d.share_feedback,
                d.share_scores,
                d.decided_by,
                d.decided_at,
            ),
        )

    async def get_decision(self, room_id: str) -> HumanDecision | None:
        return await self._run(self._select_decision, room_id)

    def _select_decision(self, room_id: str) -> HumanDecision | None:
        r = self._conn.execute(
            "SELECT decision, note, feedback, share_feedback, share_scores, decided_by, decided_at FROM decisions"
            " WHERE room_id=?",
            (room_id,),
        ).fetchone()
        if r is None:
            return None
        return HumanDecision(room_id, Decision(r[0]), r[1], r[2], bool(r[3]), bool(r[4]), r[5], r[6])


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
