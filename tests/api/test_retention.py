"""Issue 14, findings 2 and 3 (single node): the consent notice promised deletion after `retention_days` and
nothing deleted anything; `room_scripts` rows survived deletion. Now retention deletes with a receipt."""

from __future__ import annotations

import hashlib
import sqlite3
import time

from aiohttp.test_utils import TestClient

from rooms.model import RoomStatus
from server.keys import SETTINGS, STORE, TEMPLATES
from tests.api.conftest import admin

DAY = 86400.0


async def _ended_room(client: TestClient, ended_days_ago: float, **extra: object) -> dict:
    template = await (
        await client.post(
            "/api/templates", json={"title": "Backend", "questions": [{"text": "A project?"}]}, headers=admin()
        )
    ).json()
    body = {"title": "Engineer", "candidate_name": "Ada", "template_id": template["id"], **extra}
    response = await client.post("/api/rooms", json=body, headers=admin())
    assert response.status == 201, await response.text()
    room = await response.json()
    store = client.app[STORE]
    stored = await store.get_room(room["id"])
    stored.status = RoomStatus.ENDED
    stored.started_at = time.time() - ended_days_ago * DAY - 600
    stored.ended_at = time.time() - ended_days_ago * DAY
    await store.save_room(stored)
    return room


def _event_types(client: TestClient, room_id: str) -> list[str]:
    with sqlite3.connect(client.app[SETTINGS].data_dir / "webhooks.sqlite3") as db:
        rows = db.execute("SELECT type FROM events WHERE body LIKE ?", (f"%{room_id}%",)).fetchall()
    return [r[0] for r in rows]


def _media(client: TestClient, room_id: str) -> tuple[bytes, str]:
    folder = client.app[SETTINGS].data_dir / "recordings" / room_id
    folder.mkdir(parents=True)
    content = b"webm bytes of the candidate " + room_id.encode()
    (folder / "recording.webm").write_bytes(content)
    return content, hashlib.sha256(content).hexdigest()


async def test_retention_deletes_expired_interviews_everywhere_with_a_receipt(client: TestClient) -> None:
    expired = await _ended_room(client, ended_days_ago=91)  # default retention: 90 days
    kept_default = await _ended_room(client, ended_days_ago=10)
    kept_override = await _ended_room(client, ended_days_ago=91, retention_days=365)
    short_override = await _ended_room(client, ended_days_ago=8, retention_days=7)
    _, digest = _media(client, expired["id"])
    _media(client, kept_default["id"])
    assert await client.app[TEMPLATES].get_room_script(expired["id"]) is not None

    response = await client.post("/api/retention/run", headers=admin())
    assert response.status == 200
    receipts = (await response.json())["receipts"]
    assert sorted(r["room_id"] for r in receipts) == sorted([expired["id"], short_override["id"]])

    # Everything about the expired interview is gone: rows, media, script copy, webhook events.
    for room in (expired, short_override):
        assert (await client.get(f"/api/rooms/{room['id']}", headers=admin())).status == 404
        assert await client.app[TEMPLATES].get_room_script(room["id"]) is None
        # Of its webhook events only the deletion's own announcement is left.
        assert _event_types(client, room["id"]) == ["candidate.deleted"]
    assert not (client.app[SETTINGS].data_dir / "recordings" / expired["id"]).exists()
    for room in (kept_default, kept_override):
        assert (await client.get(f"/api/rooms/{room['id']}", headers=admin())).status == 200
    assert (client.app[SETTINGS].data_dir / "recordings" / kept_default["id"]).exists()

    # The receipt outlives the deletion: what went, when, and the sha256 of every removed file.
    listed = await (await client.get(f"/api/deletion-receipts?room_id={expired['id']}", headers=admin())).json()
    [receipt] = listed["receipts"]
    assert receipt["reason"] == "retention" and receipt["deleted_at"] > time.time() - 60
    assert receipt["removed"]["files"] == [
        {"path": f"{expired['id']}/recording.webm", "bytes": receipt["removed"]["files"][0]["bytes"], "sha256": digest}
    ]
    assert receipt["removed"]["script"] is True and receipt["removed"]["webhook_events"] >= 1
    assert "Ada" not in str(receipt)  # no personal data in a receipt
    audit = await (await client.get(f"/api/audit?room_id={expired['id']}", headers=admin())).json()
    assert "retention.delete" in [e["action"] for e in audit["entries"]]

    # Running again deletes nothing more.
    again = await (await client.post("/api/retention/run", headers=admin())).json()
    assert again["receipts"] == []


async def test_deletion_on_request_removes_the_script_and_writes_a_receipt(client: TestClient) -> None:
    room = await _ended_room(client, ended_days_ago=0)
    _, digest = _media(client, room["id"])
    response = await client.delete(f"/api/rooms/{room['id']}", headers=admin())
    assert response.status == 204
    assert await client.app[TEMPLATES].get_room_script(room["id"]) is None  # survived deletion before
    listed = await (await client.get(f"/api/deletion-receipts?room_id={room['id']}", headers=admin())).json()
    [receipt] = listed["receipts"]
    assert receipt["id"] == response.headers["X-Deletion-Receipt"] and receipt["reason"] == "request"
    assert receipt["removed"]["files"][0]["sha256"] == digest
    actions = [e["action"] for e in (await (await client.get("/api/audit", headers=admin())).json())["entries"]]
    assert "room.delete" in actions


async def test_audit_records_reads_and_decisions(client: TestClient) -> None:
    room = await _ended_room(client, ended_days_ago=0)
    reader = room["report_url"].split("token=", 1)[1]
    await client.get(f"/api/rooms/{room['id']}/report", headers=admin(reader))
    await client.get(f"/api/rooms/{room['id']}/timeline", headers=admin(reader))
    decision = {"decision": "advance", "note": "Strong answers"}
    response = await client.put(f"/api/rooms/{room['id']}/decision", json=decision, headers=admin())
    assert response.status == 200, await response.text()
    entries = (await (await client.get(f"/api/audit?room_id={room['id']}", headers=admin())).json())["entries"]
    by_action = {e["action"]: e for e in entries}
    assert {"transcript.read", "decision.write"} <= set(by_action)
    read = by_action["transcript.read"]
    assert read["role"] == "hr-read-only" and read["token_id"] and reader not in str(entries)
    assert read["address"] and read["at"] > time.time() - 60
    # Only the admin reads the audit log.
    assert (await client.get("/api/audit", headers=admin(reader))).status == 403
