"""Where templates and each room's script (template snapshot + one-way progress) are kept.

The embedded default shares the rooms' SQLite file (`interviews.sqlite3`, WAL) through its own connection on its
own single thread, like `SqliteRoomStore`: the event loop never waits on disk, and SQLite's file locking (with a
busy timeout) orders the two writers.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rooms.migrations import Migration, migrate, sql
from rooms.script import ScriptState
from rooms.sqlite_thread import SqliteStore
from rooms.templates import Template

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RoomScript:
    """A room's copy of its template, taken at creation, and (one-way rooms) where the candidate is in it."""

    room_id: str
    template: Template
    state: ScriptState | None


class TemplateStore(Protocol):
    async def create_template(self, template: Template) -> None: ...

    async def get_template(self, template_id: str) -> Template | None: ...

    async def list_templates(self, limit: int = 200) -> list[Template]: ...

    async def update_template(self, template: Template) -> bool: ...

    async def delete_template(self, template_id: str) -> bool: ...

    async def save_room_script(self, script: RoomScript) -> None: ...

    async def get_room_script(self, room_id: str) -> RoomScript | None: ...

    async def unfinished_scripts(self) -> list[RoomScript]: ...

    async def delete_room_script(self, room_id: str) -> bool: ...

    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS templates (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS room_scripts (
    room_id TEXT PRIMARY KEY,
    template TEXT NOT NULL,
    state TEXT,
    done INTEGER NOT NULL DEFAULT 0
);
"""
# The schema's history (rooms/migrations.py): never edit a released migration, add the next.
_MIGRATIONS = (Migration(1, "question templates and one-way scripts (first release)", sql(_SCHEMA)),)


def _migrate(db: sqlite3.Connection) -> None:
    migrate(db, "templates", _MIGRATIONS)


class SqliteTemplateStore(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "templates", _migrate)

    async def create_template(self, template: Template) -> None:
        await self._run(self._insert, template)

    def _insert(self, template: Template) -> None:
        self._conn.execute(
            "INSERT INTO templates (id, title, body, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?)",
            (template.id, template.title, _dumps(template.to_json()), template.created_at, template.updated_at, 1),
        )

    async def get_template(self, template_id: str) -> Template | None:
        rows = await self._run(self._select, "WHERE id=?", (template_id,))
        return rows[0] if rows else None

    async def list_templates(self, limit: int = 200) -> list[Template]:
        return await self._run(self._select, "ORDER BY updated_at DESC LIMIT ?", (limit,))

    def _select(self, where: str, params: tuple[Any, ...]) -> list[Template]:
        rows = self._conn.execute(
            "SELECT id, body, created_at, updated_at, version FROM templates " + where, params
        ).fetchall()
        return [
            Template.from_json(json.loads(body), id=id_, created_at=created, updated_at=updated, version=version)
            for id_, body, created, updated, version in rows
        ]

    async def update_template(self, template: Template) -> bool:
        """Replace a template's content; False when there is no such template. The version goes up by one."""
        return await self._run(self._update, template)

    def _update(self, template: Template) -> bool:
        cursor = self._conn.execute(
            "UPDATE templates SET title=?, body=?, updated_at=?, version=version+1 WHERE id=?",
            (template.title, _dumps(template.to_json()), template.updated_at, template.id),
        )
        return cursor.rowcount > 0

    async def delete_template(self, template_id: str) -> bool:
        return await self._run(self._delete, template_id)

    def _delete(self, template_id: str) -> bool:
        return self._conn.execute("DELETE FROM templates WHERE id=?", (template_id,)).rowcount > 0

    async def save_room_script(self, script: RoomScript) -> None:
        await self._run(self._upsert_script, script)

    def _upsert_script(self, script: RoomScript) -> None:
        state = None if script.state is None else _dumps(script.state.to_json())
        done = int(script.state is None or script.state.finished_at is not None)
        self._conn.execute(
            "INSERT INTO room_scripts (room_id, template, state, done) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(room_id) DO UPDATE SET template=excluded.template, state=excluded.state,"
            " done=excluded.done",
            (script.room_id, _dumps(script.template.to_json()), state, done),
        )

    async def get_room_script(self, room_id: str) -> RoomScript | None:
        rows = await self._run(self._select_scripts, "WHERE room_id=?", (room_id,))
        return rows[0] if rows else None

    async def unfinished_scripts(self) -> list[RoomScript]:
        """One-way scripts still running: their timers must be set again after a restart."""
        return await self._run(self._select_scripts, "WHERE done=0", ())

    async def delete_room_script(self, room_id: str) -> bool:
        return await self._run(self._delete_script, room_id)

    def _delete_script(self, room_id: str) -> bool:
        return self._conn.execute("DELETE FROM room_scripts WHERE room_id=?", (room_id,)).rowcount > 0

    def _select_scripts(self, where: str, params: tuple[Any, ...]) -> list[RoomScript]:
        rows = self._conn.execute("SELECT room_id, template, state FROM room_scripts " + where, params).fetchall()
        scripts = []
        for room_id, template_json, state_json in rows:
            data = json.loads(template_json)
            template = Template.from_json(
                data,
                id=data["id"],
                created_at=data["created_at"],
                updated_at=data["updated_at"],
                version=data["version"],
            )
            state = None if state_json is None else ScriptState.from_json(json.loads(state_json))
            scripts.append(RoomScript(room_id, template, state))
        return scripts


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)
