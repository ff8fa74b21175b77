"""Issue 14, finding 6: recordings were plain WebM in world-readable folders. An ended interview's recording is
now encrypted under its own data key, still served with Range (the replay page seeks), and deleting the
interview deletes the key, so a copy of the encrypted file (a backup) can never be read again."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from aiohttp.test_utils import TestClient

from rooms.crypto import DecryptionError, decrypt_range, read_header
from rooms.model import RoomStatus
from server.keys import KEYRING, RECORDINGS, STORE, VAULT
from tests.api.conftest import admin


async def _ended_room_with_recording(client: TestClient, content: bytes) -> dict:
    response = await client.post("/api/rooms", json={"title": "Engineer", "candidate_name": "Ada"}, headers=admin())
    room = await response.json()
    stored = await client.app[STORE].get_room(room["id"])
    stored.status, stored.started_at, stored.ended_at = RoomStatus.ENDED, time.time() - 60, time.time()
    await client.app[STORE].save_room(stored)
    media = client.app[RECORDINGS].media(room["id"])
    media.segments_dir.mkdir(parents=True)
    (media.segments_dir / "video-000001.webm").write_bytes(content[:1000])
    media.recording.write_bytes(content)
    return room


async def test_ended_recordings_are_sealed_and_still_seek(client: TestClient) -> None:
    content = os.urandom(300_000)
    room = await _ended_room_with_recording(client, content)
    media = client.app[RECORDINGS].media(room["id"])
    assert await client.app[VAULT].seal(room["id"]) is True  # what the join's hook does after the end
    assert not media.recording.exists() and not media.segments_dir.exists()
    assert content[:4096] not in media.sealed.read_bytes()

    reader = room["report_url"].split("token=", 1)[1]
    url = f"/api/rooms/{room['id']}/recording"
    for header, status, expected in (
        ("bytes=0-99", 206, content[:100]),
        ("bytes=65530-65545", 206, content[65530:65546]),  # across a chunk boundary
        ("bytes=299990-", 206, content[299990:]),
        ("bytes=-10", 206, content[-10:]),
        (None, 200, content),
    ):
        response = await client.get(url, headers={**admin(reader), **({"Range": header} if header else {})})
        assert response.status == status, header
        assert await response.read() == expected, header
        assert response.headers["Accept-Ranges"] == "bytes"
    response = await client.get(url, headers={**admin(reader), "Range": "bytes=400000-"})
    assert response.status == 416


async def test_deleting_an_interview_shreds_its_key(client: TestClient, tmp_path: Path) -> None:
    content = os.urandom(50_000)
    room = await _ended_room_with_recording(client, content)
    await client.app[VAULT].seal(room["id"])
    media = client.app[RECORDINGS].media(room["id"])
    backup = tmp_path / "backup.webm.enc"
    shutil.copy(media.sealed, backup)  # a backup taken before the deletion
    key = await client.app[KEYRING].existing_key(room["id"])
    assert key is not None
    response = await client.delete(f"/api/rooms/{room['id']}", headers=admin())
    assert response.status == 204
    assert await client.app[KEYRING].existing_key(room["id"]) is None
    receipts = await (await client.get(f"/api/deletion-receipts?room_id={room['id']}", headers=admin())).json()
    assert receipts["receipts"][0]["removed"]["data_key"] is True
    # The key is gone from the keyring: the backup opens only with it, and a new key does not open it.
    with backup.open("rb") as f:
        header = read_header(f)
        try:
            b"".join(decrypt_range(os.urandom(32), f, header, 0, 100))
            raise AssertionError("decrypted without the shredded key")
        except DecryptionError:
            pass


async def test_transcripts_and_reports_are_sealed_in_the_store(client: TestClient) -> None:
    from rooms.model import Observation, ObservationType
    from server.keys import SETTINGS

    room = await _ended_room_with_recording(client, b"x" * 10)
    said = "I led the migration of our payment service"
    store = client.app[STORE]
    await store.append_observations(
        room["id"],
        [
            Observation(ObservationType.TRANSCRIPT, "final", said, 3.0, time.time(), {"words": [{"w": "I"}]}),
            Observation(ObservationType.METRIC, "face_present", 1.0, 3.0, time.time()),
        ],
    )
    await store.save_report(room["id"], {"transcript": {"lines": [said]}})
    raw = (client.app[SETTINGS].data_dir / "interviews.sqlite3").read_bytes()
    wal = client.app[SETTINGS].data_dir / "interviews.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert said.encode() not in raw and b"payment" not in raw
    timeline = await store.timeline(room["id"])
    transcript = [o for o in timeline if o.type is ObservationType.TRANSCRIPT]
    assert [(o.value, o.detail) for o in transcript] == [(said, {"words": [{"w": "I"}]})]
    assert (await store.get_report(room["id"]))["transcript"]["lines"] == [said]
    await client.app[KEYRING].shred(room["id"])  # what deletion does: nothing sealed can be read any more
    assert [o.type for o in await store.timeline(room["id"])] == [ObservationType.METRIC]
    assert await store.get_report(room["id"]) is None


def test_a_cluster_node_without_the_shared_master_key_refuses_to_start(tmp_path: Path) -> None:
    import pytest

    from server.app import create_app
    from tests.api.conftest import api_settings, no_models

    settings = api_settings(tmp_path, redis_url="redis://127.0.0.1:9/0")
    with pytest.raises(SystemExit, match="same master key"):
        create_app(settings, no_models)
    with pytest.raises(SystemExit, match="32 bytes"):
        create_app(api_settings(tmp_path, master_key="dG9vIHNob3J0"), no_models)
