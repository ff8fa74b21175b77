"""Upgrades: a database made by every earlier release opens with today's stores, keeps its data and records its
schema version. The old databases are built with the DDL and rows those releases wrote (frozen here, copied from
their rooms/store.py, template_store.py and outbox.py), never with today's code."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from rooms.migrations import SchemaTooNew, schema_version
from rooms.model import Observation, ObservationType, Room, RoomStatus
from rooms.outbox import WebhookOutbox
from rooms.store import SCHEMA_VERSION, SqliteRoomStore
from rooms.template_store import SqliteTemplateStore

# Releases 2d82594 .. 56e1293 (vertical slice to analyzers): rooms, timeline, reports.
FIRST_RELEASE = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, candidate_name TEXT NOT NULL, status TEXT NOT NULL,
    created_at REAL NOT NULL, started_at REAL, ended_at REAL, version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS timeline (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL, t REAL NOT NULL, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_room_t ON timeline (room_id, t);
CREATE TABLE IF NOT EXISTS reports (room_id TEXT PRIMARY KEY, created_at REAL NOT NULL, report TEXT NOT NULL);
"""
# Releases 3ea7283 .. 7272329 (recording, templates, one-way, notes): the above plus these, and the columns
# template_id and mode added on open.
TEMPLATES_RELEASE = (
    FIRST_RELEASE
    + """
ALTER TABLE rooms ADD COLUMN template_id TEXT;
ALTER TABLE rooms ADD COLUMN mode TEXT NOT NULL DEFAULT 'live';
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL, t REAL NOT NULL, text TEXT NOT NULL,
    rating INTEGER, author TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_room_t ON notes (room_id, t);
CREATE TABLE IF NOT EXISTS decisions (
    room_id TEXT PRIMARY KEY, decision TEXT NOT NULL, note TEXT NOT NULL, feedback TEXT NOT NULL,
    share_feedback INTEGER NOT NULL, share_scores INTEGER NOT NULL, decided_by TEXT NOT NULL, decided_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS templates (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL,
    updated_at REAL NOT NULL, version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS room_scripts (
    room_id TEXT PRIMARY KEY, template TEXT NOT NULL, state TEXT, done INTEGER NOT NULL DEFAULT 0
);
"""
)
# Release 01c617a ("Settings declared once"): the room's language column, added on open.
LANGUAGE_RELEASE = TEMPLATES_RELEASE + "ALTER TABLE rooms ADD COLUMN language TEXT NOT NULL DEFAULT 'en';\n"

RECORD = {"type": "metric", "name": "face_present", "value": 1.0, "t": 1.5, "arrival": 1700000001.5}
REPORT = {"duration_s": 12.0, "metrics": {"face_presence": {"value": 0.9}}}


def _old_database(path: Path, ddl: str, columns: int) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(ddl)
    row = ("room1", "Backend engineer", "Ada Lovelace", "ended", 1700000000.0, 1700000000.0, 1700000060.0, 3)
    extra = {8: (), 10: (None, "live"), 11: (None, "live", "zh")}[columns]
    db.execute(f"INSERT INTO rooms VALUES ({', '.join('?' * columns)})", row + extra)
    db.execute("INSERT INTO timeline (room_id, t, record) VALUES (?, ?, ?)", ("room1", 1.5, json.dumps(RECORD)))
    db.execute("INSERT INTO reports VALUES (?, ?, ?)", ("room1", 1700000061.0, json.dumps(REPORT)))
    if columns >= 10:
        db.execute(
            "INSERT INTO notes (room_id, t, text, rating, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            ("room1", 4.0, "clear answer", 4, "lead", 1700000010.0),
        )
        db.execute(
            "INSERT INTO templates VALUES (?, ?, ?, ?, ?, ?)",
            ("tpl1", "Backend", json.dumps({"title": "Backend", "questions": [{"text": "Your system?"}]}), 1, 1, 1),
        )
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("ddl", "columns", "language"),
    [(FIRST_RELEASE, 8, "en"), (TEMPLATES_RELEASE, 10, "en"), (LANGUAGE_RELEASE, 11, "zh")],
    ids=["first-release", "templates-release", "language-release"],
)
async def test_every_earlier_schema_upgrades_and_reads_back(tmp_path: Path, ddl: str, columns: int, language: str):
    path = tmp_path / "interviews.sqlite3"
    _old_database(path, ddl, columns)

    store = SqliteRoomStore(path)
    await store.open()
    try:
        room = await store.get_room("room1")
        assert room is not None
        assert (room.title, room.candidate_name, room.status, room.version) == (
            "Backend engineer",
            "Ada Lovelace",
            RoomStatus.ENDED,
            3,
        )
        assert room.language == language and room.template_id is None
        assert await store.timeline("room1") == [Observation.from_record(RECORD)]
        assert await store.get_report("room1") == REPORT
        notes = await store.notes("room1")
        assert [n.text for n in notes] == (["clear answer"] if columns >= 10 else [])
        # The upgraded schema takes today's rows.
        await store.create_room(Room(id="room2", title="New", candidate_name="Grace", created_at=2.0, language="zh"))
        await store.append_observations("room2", [Observation(ObservationType.METRIC, "speaking", 1.0, 0.5, 2.5)])
        assert (await store.get_room("room2")).language == "zh"
    finally:
        await store.close()

    templates = SqliteTemplateStore(path)
    await templates.open()
    try:
        listed = await templates.list_templates()
        assert [t.id for t in listed] == (["tpl1"] if columns >= 10 else [])
    finally:
        await templates.close()

    db = sqlite3.connect(path)
    assert schema_version(db, "rooms") == SCHEMA_VERSION == 4
    assert schema_version(db, "templates") == 1
    db.close()

    # Opening again is a no-op: nothing re-applied, nothing lost.
    store = SqliteRoomStore(path)
    await store.open()
    assert len(await store.list_rooms()) == 2
    await store.close()


async def test_a_fresh_database_is_created_at_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "interviews.sqlite3"
    store = SqliteRoomStore(path)
    await store.open()
    await store.close()
    db = sqlite3.connect(path)
    assert schema_version(db, "rooms") == SCHEMA_VERSION
    columns = {row[1] for row in db.execute("PRAGMA table_info(rooms)")}
    assert {"template_id", "mode", "language", "links_version", "retention_days"} <= columns
    db.close()


async def test_a_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "interviews.sqlite3"
    store = SqliteRoomStore(path)
    await store.open()
    await store.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_versions SET version=99 WHERE component='rooms'")
    db.commit()
    db.close()
    store = SqliteRoomStore(path)
    with pytest.raises(SchemaTooNew, match="version 99"):
        await store.open()
    await store.close()


async def test_the_first_webhook_outbox_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.sqlite3"
    db = sqlite3.connect(path)
    # Release 3ea7283's outbox, with one subscription.
    db.executescript(
        """
        CREATE TABLE subscriptions (id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL, events TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, deleted_at REAL);
        CREATE TABLE events (id TEXT PRIMARY KEY, type TEXT NOT NULL, created_at REAL NOT NULL, body TEXT NOT NULL);
        CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL REFERENCES events(id),
            subscription_id TEXT NOT NULL REFERENCES subscriptions(id), status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, leased_until REAL, last_error TEXT,
            created_at REAL NOT NULL, delivered_at REAL, UNIQUE (event_id, subscription_id));
        CREATE TABLE attempts (delivery_id INTEGER NOT NULL REFERENCES deliveries(id), number INTEGER NOT NULL,
            at REAL NOT NULL, duration_ms REAL NOT NULL, status_code INTEGER, error TEXT,
            PRIMARY KEY (delivery_id, number));
        INSERT INTO subscriptions VALUES
            ('sub1', 'https://hr.example.org/hook', 's3cret', '["report.ready"]', 'HR', 1.0, NULL);
        """
    )
    db.commit()
    db.close()
    outbox = WebhookOutbox(path)
    await outbox.open()
    try:
        assert [s.url for s in await outbox.subscriptions()] == ["https://hr.example.org/hook"]
    finally:
        await outbox.close()
    db = sqlite3.connect(path)
    assert schema_version(db, "outbox") == 1
    db.close()
