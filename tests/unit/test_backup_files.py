"""backup()/restore() on a data directory made here: every kind of file comes back byte for byte, keys stay
private, in-progress segments are left out, and a manifest that points outside the backup is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from server.backup import BackupError, backup, restore


def _data_dir(root: Path) -> Path:
    data = root / "data"
    (data / "recordings" / "room1" / "segments").mkdir(parents=True)
    with sqlite3.connect(data / "interviews.sqlite3") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE rooms (id TEXT)")
        db.execute("INSERT INTO rooms VALUES ('room1')")
    for name in ("signing_key", "master_key"):
        (data / name).write_text(f"{name}-value\n")
        (data / name).chmod(0o600)
    (data / "recordings" / "room1" / "segments" / "video-000001.webm").write_bytes(b"\x1aE\xdf\xa3 finished")
    (data / "recordings" / "room1" / "segments" / "video-000002.webm.part").write_bytes(b"being written")
    return data


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    summary = backup(data, tmp_path / "backup")
    assert (summary.databases, summary.recordings, summary.keys) == (1, 1, 2)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert not any(f["path"].endswith(".part") for f in manifest["files"])

    restored = tmp_path / "restored"
    restore(tmp_path / "backup", restored)
    with sqlite3.connect(restored / "interviews.sqlite3") as db:
        assert db.execute("SELECT id FROM rooms").fetchall() == [("room1",)]
    segment = Path("recordings/room1/segments/video-000001.webm")
    assert (restored / segment).read_bytes() == (data / segment).read_bytes()
    for name in ("signing_key", "master_key"):
        assert (restored / name).read_text() == f"{name}-value\n"
        assert (restored / name).stat().st_mode & 0o777 == 0o600

    with pytest.raises(BackupError, match="not empty"):
        backup(data, tmp_path / "backup")


def test_a_manifest_pointing_outside_the_backup_is_refused(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    backup(data, tmp_path / "backup")
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][0]["path"] = "../../etc/passwd"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="outside the backup"):
        restore(tmp_path / "backup", tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
