"""The template store and the rooms table's added columns, on a real SQLite file (no server)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rooms.model import Room, RoomMode, RoomStatus
from rooms.script import Phase, ScriptState
from rooms.store import SqliteRoomStore
from rooms.template_store import RoomScript, SqliteTemplateStore
from rooms.templates import Template

BODY = {
    "title": "T",
    "questions": [{"text": "Q1"}, {"text": "Q2", "retakes": 2}],
    "rules": [{"when": "overall >= 80", "then": "advance"}],
}


async def test_templates_and_scripts_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "interviews.sqlite3"
    rooms = SqliteRoomStore(path)
    await rooms.open()
    store = SqliteTemplateStore(path)  # the same file, its own connection
    await store.open()
    try:
        template = Template.from_json(BODY, id="t1", created_at=10.0)
        await store.create_template(template)
        assert await store.get_template("t1") == template
        edited = Template.from_json({**BODY, "title": "T2"}, id="t1", created_at=10.0, updated_at=20.0, version=2)
        assert await store.update_template(edited)
        assert (await store.get_template("t1")).title == "T2"
        assert not await store.update_template(Template.from_json(BODY, id="nope", created_at=0.0))

        room = Room("r1", "T", "Ada", created_at=1.0, template_id="t1", mode=RoomMode.ONE_WAY)
        await rooms.create_room(room)
        assert await rooms.get_room("r1") == room
        await store.save_room_script(RoomScript("r1", template, ScriptState()))
        assert [s.room_id for s in await store.unfinished_scripts()] == ["r1"]
        done = ScriptState(phase=Phase.DONE, finished_at=5.0, seq=9)
        await store.save_room_script(RoomScript("r1", template, done))
        script = await store.get_room_script("r1")
        assert script is not None and script.state == done and script.template == template
        assert await store.unfinished_scripts() == []
        assert await store.delete_template("t1") and await store.get_template("t1") is None
        assert (await store.get_room_script("r1")).template == template  # the room's copy stays
    finally:
        await store.close()
        await rooms.close()


async def test_data_dir_from_before_templates_gains_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "interviews.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE rooms (id TEXT PRIMARY KEY, title TEXT NOT NULL, candidate_name TEXT NOT NULL,
            status TEXT NOT NULL, created_at REAL NOT NULL, started_at REAL, ended_at REAL, version INTEGER NOT NULL);
        INSERT INTO rooms VALUES ('old', 'Old room', 'Grace', 'ended', 1.0, 2.0, 3.0, 3);
        """
    )
    old.commit()
    old.close()
    for _ in range(2):  # and opening again finds nothing left to add
        rooms = SqliteRoomStore(path)
        await rooms.open()
        try:
            room = await rooms.get_room("old")
            assert room is not None and room.status is RoomStatus.ENDED
            assert room.mode is RoomMode.LIVE and room.template_id is None
        finally:
            await rooms.close()
