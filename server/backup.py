"""`run.py backup DIR` and `run.py restore DIR`: a consistent copy of a data directory, also while serving.

What a data directory holds: SQLite databases (`*.sqlite3`: rooms, timelines, reports, templates, webhooks),
recordings (`recordings/<room_id>/`), and keys (`signing_key`, which every issued link depends on, `master_key` when
it is kept in the data directory, and `admin_token`). Databases are copied with SQLite's online backup API, which
gives a consistent snapshot while the server keeps writing (WAL); recordings and keys are plain files, written whole
before they are renamed into place. A `manifest.json` lists every file with its size and SHA-256; restore checks
them all before it writes anything, and only into a data directory that holds no database yet.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.settings import SettingError, Settings

MANIFEST = "manifest.json"
# master_key: the data keys that seal recordings and reports are wrapped under it (docs/security.md); without it
# a restored directory cannot be read. It is here only when it lives in the data directory (the default):
# a deployment that keeps it elsewhere (INTERVIEW_MASTER_KEY, --master-key-file) keeps backups apart from it.
KEY_FILES = ("signing_key", "admin_token", "master_key")
RECORDINGS = "recordings"
FORMAT = 1


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class BackupSummary:
    databases: int
    recordings: int
    keys: int
    bytes: int
    seconds: float


def backup(data_dir: Path, target: Path) -> BackupSummary:
    """Copy `data_dir` into `target` (new or empty)."""
    start = time.monotonic()
    if not data_dir.is_dir():
        raise BackupError(f"no data directory at {data_dir}")
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, object]] = []
    databases = sorted(p for p in data_dir.glob("*.sqlite3") if p.is_file())
    for path in databases:
        _backup_database(path, target / path.name)
        files.append(_entry(target, target / path.name, "database"))
    keys = 0
    for name in KEY_FILES:
        if (data_dir / name).is_file():
            _copy_private(data_dir / name, target / name)
            files.append(_entry(target, target / name, "key"))
            keys += 1
    recordings = 0
    for path in sorted((data_dir / RECORDINGS).rglob("*")) if (data_dir / RECORDINGS).is_dir() else []:
        # Partial files (".part", ".tmp") are still being written; their finished form arrives in the next backup.
        if not path.is_file() or path.suffix in (".part", ".tmp"):
            continue
        destination = target / path.relative_to(data_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, destination)
        except FileNotFoundError:
            continue  # deleted (room deletion) or renamed (a segment finishing) since the listing
        files.append(_entry(target, destination, "recording"))
        recordings += 1
    manifest = {"format": FORMAT, "created_at": time.time(), "source": str(data_dir.resolve()), "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum(int(f["bytes"]) for f in files)  # type: ignore[call-overload]
    return BackupSummary(len(databases), recordings, keys, size, time.monotonic() - start)


def restore(source: Path, data_dir: Path) -> BackupSummary:
    """Copy a backup into `data_dir`, which must hold no database yet; every file is verified first."""
    start = time.monotonic()
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not a backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    entries = manifest["files"]
    for entry in entries:
        path = _inside(source, entry["path"])
        if not path.is_file():
            raise BackupError(f"the backup is missing {entry['path']}")
        if path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{entry['path']} does not match its checksum: the backup is damaged")
    if data_dir.exists() and any(data_dir.glob("*.sqlite3")):
        raise BackupError(f"{data_dir} already holds a database: restore into a new, empty data directory")
    data_dir.mkdir(parents=True, exist_ok=True)
    counts = {"database": 0, "recording": 0, "key": 0}
    for entry in entries:
        destination = _inside(data_dir, entry["path"])
        destination.parent.mkdir(parents=True, exist_ok=True)
        if entry["kind"] == "key":
            _copy_private(_inside(source, entry["path"]), destination)
        else:
            shutil.copy2(_inside(source, entry["path"]), destination)
        counts[entry["kind"]] += 1
    size = sum(int(e["bytes"]) for e in entries)
    return BackupSummary(counts["database"], counts["recording"], counts["key"], size, time.monotonic() - start)


def _backup_database(source: Path, destination: Path) -> None:
    # Read-only URI: the backup never creates, migrates or locks the live database for writing.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(destination)
    try:
        with dst:
            src.backup(dst)  # pages copied in one pass; restarts by itself if the server writes meanwhile
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _copy_private(source: Path, destination: Path) -> None:
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(source.read_bytes())


def _entry(root: Path, path: Path, kind: str) -> dict[str, object]:
    relative = path.relative_to(root).as_posix()
    return {"path": relative, "kind": kind, "bytes": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise BackupError(f"the manifest names a path outside the backup: {relative!r}")
    return path


def _data_dir(argv: Sequence[str], command: str) -> tuple[Path, Path]:
    parser = argparse.ArgumentParser(prog=f"run.py {command}")
    parser.add_argument("dir", type=Path, metavar="DIR", help="the backup folder")
    parser.add_argument("--data-dir", type=Path, default=None, help="the server's data directory (as it serves)")
    parser.add_argument("--config", type=Path, default=None, metavar="FILE.toml", help="the server's config file")
    args = parser.parse_args(argv)
    flags = {"data_dir": args.data_dir} if args.data_dir is not None else {}
    try:
        settings = Settings.load(args.config, os.environ, flags)
    except SettingError as exc:
        parser.error(str(exc))
    return args.dir, settings.data_dir


def backup_command(argv: Sequence[str]) -> int:
    target, data_dir = _data_dir(argv, "backup")
    try:
        summary = backup(data_dir, target)
    except (BackupError, sqlite3.Error, OSError) as exc:
        print(f"backup failed: {exc}", flush=True)
        return 1
    print(
        f"backed up {data_dir} to {target}: {summary.databases} database(s), {summary.recordings} recording "
        f"file(s), {summary.keys} key(s), {summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f} s",
        flush=True,
    )
    return 0


def restore_command(argv: Sequence[str]) -> int:
    source, data_dir = _data_dir(argv, "restore")
    try:
        summary = restore(source, data_dir)
    except (BackupError, OSError, KeyError, ValueError) as exc:
        print(f"restore failed: {exc}", flush=True)
        return 1
    print(
        f"restored {source} into {data_dir}: {summary.databases} database(s), {summary.recordings} recording "
        f"file(s), {summary.keys} key(s), {summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f} s",
        flush=True,
    )
    return 0
