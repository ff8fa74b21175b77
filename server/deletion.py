"""Deleting an interview everywhere it lives, with a receipt that outlives it.

What an interview leaves behind:
- shared by every node (the room store: SQLite, or Redis with several nodes): the room, timeline, report,
  notes, human decision;
- on the node(s) that handled it: the recording (data/recordings/<room_id>/), the one-way script copy
  (room_scripts), webhook events about it (the outbox), a cached PDF.

`delete_interview` removes this node's copies and the shared rows at once. With several nodes, the room id is
also added to a shared "deleted rooms" hash in Redis; every node drains it (`drain_cluster_deletions`, every few
seconds and at start-up), so the node that holds the recording deletes it even if it was down at the time.
Each removal writes a deletion receipt: the room id, what went (with the sha256 and size of every media file)
and when. Receipts hold no personal data and are never pruned.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from rooms.audit import DeletionReceipt
from server.keys import AUDIT, INTERVIEWS, KEYRING, OUTBOX, REPORT_PDFS, SETTINGS, TEMPLATES

log = logging.getLogger(__name__)
DELETED_ROOMS_KEY = "oi:deleted_rooms"  # Redis hash: room id -> when it was deleted
DRAIN_EVERY_S = 5.0
# Rooms this node already purged (deleted here, or drained): the drain skips them. Above all the deleting node's
# own: its outbox now holds the candidate.deleted announcement, which the drain must not forget before delivery.
PURGED = web.AppKey("purged_rooms", set)


def _media_dir(app: web.Application, room_id: str) -> Path:
    return app[SETTINGS].data_dir / "recordings" / room_id


def _hash_and_remove(path: Path) -> list[dict[str, Any]]:
    """Every file under `path` with its size and sha256, then the whole tree removed."""
    if not path.exists():
        return []
    files = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with file.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        size = file.stat().st_size
        files.append({"path": str(file.relative_to(path.parent)), "bytes": size, "sha256": digest.hexdigest()})
    shutil.rmtree(path)
    return files


async def purge_local(app: web.Application, room_id: str) -> dict[str, Any]:
    """Remove this node's copies of an interview; returns what went (for the receipt)."""
    files = await asyncio.get_running_loop().run_in_executor(None, _hash_and_remove, _media_dir(app, room_id))
    removed: dict[str, Any] = {"node": app[SETTINGS].node_id, "files": files}
    if TEMPLATES in app:
        removed["script"] = await app[TEMPLATES].delete_room_script(room_id)
    if OUTBOX in app:
        removed["webhook_events"] = await app[OUTBOX].forget_room(room_id)
    if REPORT_PDFS in app:
        app[REPORT_PDFS].forget(room_id)
    if KEYRING in app:
        # Crypto-shredding: copies of the sealed recording elsewhere (backups) can no longer be read.
        removed["data_key"] = await app[KEYRING].shred(room_id)
    return removed


async def delete_interview(app: web.Application, room_id: str, reason: str) -> DeletionReceipt:
    """Delete an interview (409 while live, 404 if unknown) and write its receipt."""
    removed = await app[INTERVIEWS].delete(room_id, lambda: purge_local(app, room_id))
    app[PURGED].add(room_id)
    removed["store"] = ["room", "timeline", "report", "notes", "decision"]
    deleted_at = time.time()
    if app[SETTINGS].redis_url:
        # The other nodes purge their copies (the recording may be on one of them): see the module docstring.
        from server.cluster import redis_of

        await redis_of(app).hset(DELETED_ROOMS_KEY, room_id, str(deleted_at))
        removed["other_nodes"] = "queued: each node deletes its copies and writes its own receipt"
    receipt = DeletionReceipt(room_id=room_id, deleted_at=deleted_at, reason=reason, removed=removed)
    await app[AUDIT].add_receipt(receipt)
    log.info("deleted interview %s (%s): %d media files", room_id, reason, len(removed["files"]))
    return receipt


async def drain_cluster_deletions(app: web.Application) -> int:
    """Purge this node's copies of rooms other nodes deleted (each once per process)."""
    from server.cluster import redis_of

    done = app[PURGED]
    deleted = await redis_of(app).hgetall(DELETED_ROOMS_KEY)
    purged = 0
    for raw_id in deleted:
        room_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        if room_id in done:
            continue
        removed = await purge_local(app, room_id)
        done.add(room_id)
        if removed["files"] or removed.get("script") or removed.get("webhook_events"):
            purged += 1
            receipt = DeletionReceipt(room_id=room_id, deleted_at=time.time(), reason="cluster", removed=removed)
            await app[AUDIT].add_receipt(receipt)
            log.info("purged this node's copies of deleted interview %s", room_id)
    return purged
