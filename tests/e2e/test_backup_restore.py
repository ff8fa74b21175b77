"""`run.py backup DIR` while the server runs (an interview live, its timeline being written), then
`run.py restore DIR` into a fresh data directory: the restored server serves the old report and recording,
and the links handed out before still open (the signing key came along)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.bot import candidate_bot
from tests.support.server_process import ADMIN_TOKEN, ROOT, RunningServer, room_token, start_server, stop_server

pytestmark = pytest.mark.usefixtures("loopback_ice")


def _run(command: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), command, *args], capture_output=True, text=True, timeout=120
    )


def _recording(server: RunningServer, room_id: str, timeout_s: float = 60.0) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{server.base_url}/api/rooms/{room_id}/recording", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if response.status == 200:
                    return response.read()
                assert response.status == 202, response.status  # still being joined
        except urllib.error.HTTPError as error:
            assert error.code in (202, 409), error.code
        time.sleep(0.3)
    raise AssertionError("recording not joined in time")


async def test_backup_while_serving_then_restore_into_a_fresh_data_dir(tmp_path: Path, bot_media: Path) -> None:
    data, backup_dir, fresh = tmp_path / "data", tmp_path / "backup", tmp_path / "restored"
    server = start_server(data, "--no-transcript")
    try:
        done = server.create_room(title="Finished before the backup")
        offer = f"/api/rooms/{done['id']}/offer?token={room_token(done['candidate_url'])}"
        async with candidate_bot(server.base_url, offer, bot_media):
            await asyncio.sleep(5)
        assert (await asyncio.to_thread(server.request, "POST", f"/api/rooms/{done['id']}/end"))[0] == 200
        report, _ = await asyncio.to_thread(server.wait_for_report, done["id"], ADMIN_TOKEN)
        recording = await asyncio.to_thread(_recording, server, done["id"])

        live = server.create_room(title="Live during the backup")
        offer = f"/api/rooms/{live['id']}/offer?token={room_token(live['candidate_url'])}"
        async with candidate_bot(server.base_url, offer, bot_media):
            await asyncio.sleep(3)  # its timeline is being written while the backup copies the database
            made = await asyncio.to_thread(_run, "backup", str(backup_dir), "--data-dir", str(data))
        assert made.returncode == 0, made.stdout + made.stderr
        print(made.stdout.strip())
    finally:
        stop_server(server)

    # The copy is a sound database on its own (no WAL beside it).
    for database in backup_dir.glob("*.sqlite3"):
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list(backup_dir.glob("*-wal"))

    restored = _run("restore", str(backup_dir), "--data-dir", str(fresh))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    print(restored.stdout.strip())
    assert (fresh / "signing_key").stat().st_mode & 0o077 == 0  # keys stay private to the service user

    server = start_server(fresh, "--no-transcript")
    try:
        status, again = server.request("GET", f"/api/rooms/{done['id']}/report")
        assert status == 200 and again == report
        assert _recording(server, done["id"]) == recording
        status, page = server.request("GET", done["report_url"], token=None)  # an old link still opens
        assert status == 200, page
        assert server.request("GET", f"/api/rooms/{live['id']}")[0] == 200
    finally:
        stop_server(server)

    # Never over an existing database; never from a damaged backup.
    refused = _run("restore", str(backup_dir), "--data-dir", str(fresh))
    assert refused.returncode == 1 and "already holds a database" in refused.stdout
    damaged = next(p for p in sorted(backup_dir.glob("recordings/**/*")) if p.is_file())
    damaged.write_bytes(damaged.read_bytes()[:-10])
    refused = _run("restore", str(backup_dir), "--data-dir", str(tmp_path / "other"))
    assert refused.returncode == 1 and "does not match its checksum" in refused.stdout
    assert not (tmp_path / "other").exists()
