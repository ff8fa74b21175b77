"""Recordings at rest: the joined file of an ended interview is encrypted under its data key, then served
decrypted chunk by chunk, so Range requests (a player seeking) decrypt only what they read.

While an interview runs, its segments are plain files (PyAV writes them and the join reads them); once it has
ended and the join is done, `seal` writes recording.webm.enc (rooms/crypto.py) and removes the plain joined file
and segments. Deleting the data key (server/deletion.py) then makes every copy of the sealed file unreadable.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import BinaryIO

from aiohttp import web

from realtime.recording import Recordings
from realtime.recording_files import RoomMedia, room_directories
from rooms.crypto import SealedFile, decrypt_range, encrypt_file, read_header
from rooms.keyring import Keyring
from rooms.model import RoomStatus
from rooms.store import RoomStore

log = logging.getLogger(__name__)
_READ_BYTES = 1 << 20  # plaintext decrypted per executor call while streaming


class RecordingVault:
    def __init__(self, recordings: Recordings, keyring: Keyring, store: RoomStore) -> None:
        self._recordings = recordings
        self._keyring = keyring
        self._store = store

    async def seal(self, room_id: str) -> bool:
        """Encrypt the joined recording of an ended interview; False when it is not (yet) the time."""
        room = await self._store.get_room(room_id)
        if room is None or room.status is not RoomStatus.ENDED:
            return False  # still live (a reconnect adds segments and joins again): sealed after the end
        media = self._recordings.media(room_id)
        key = await self._keyring.data_key(room_id)
        loop = asyncio.get_running_loop()
        sealed = await loop.run_in_executor(None, _seal_files, media, key)
        if sealed:
            log.info("recording of room %s encrypted at rest", room_id)
        return sealed

    async def seal_leftovers(self) -> int:
        """At start-up: ended interviews whose joined file is still plain (a stop between join and seal)."""
        loop = asyncio.get_running_loop()
        rooms = await loop.run_in_executor(None, room_directories, self._recordings.root)
        sealed = 0
        for room_id in rooms:
            media = self._recordings.media(room_id)
            if media.recording.exists() and not media.needs_join():
                sealed += int(await self.seal(room_id))
        return sealed

    async def key_for(self, room_id: str) -> bytes | None:
        return await self._keyring.existing_key(room_id)


def _seal_files(media: RoomMedia, key: bytes) -> bool:
    if not media.recording.exists():
        return False
    encrypt_file(key, media.recording, media.sealed)  # a temporary name, fsync'd, then renamed into place
    media.recording.unlink()
    shutil.rmtree(media.segments_dir, ignore_errors=True)
    return True


def _read_plain(key: bytes, f: BinaryIO, sealed: SealedFile, start: int, end: int) -> bytes:
    return b"".join(decrypt_range(key, f, sealed, start, end))


async def serve_sealed(request: web.Request, path: Path, key: bytes) -> web.StreamResponse:
    """The decrypted recording, with Range support (206 / 416) like a FileResponse."""
    loop = asyncio.get_running_loop()
    f = await loop.run_in_executor(None, path.open, "rb")
    try:
        sealed = await loop.run_in_executor(None, read_header, f)
        size = sealed.size
        try:
            wanted = request.http_range
        except ValueError:
            wanted = slice(None, None)  # unparseable Range: the whole file, as FileResponse does
        start, stop = wanted.start, wanted.stop
        partial = start is not None or stop is not None
        if start is not None and start < 0:
            start = max(0, size + start)
        start = start or 0
        stop = size if stop is None else min(stop, size)
        if partial and start >= size:
            raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
        response = web.StreamResponse(status=206 if partial else 200)
        response.content_type = "video/webm"
        response.content_length = stop - start
        response.headers["Accept-Ranges"] = "bytes"
        if partial:
            response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        await response.prepare(request)
        position = start
        try:
            while position < stop:
                end = min(stop, position + _READ_BYTES)
                data = await loop.run_in_executor(None, _read_plain, key, f, sealed, position, end)
                await response.write(data)
                position = end
            await response.write_eof()
        except ConnectionResetError:
            pass  # the player moved on (a seek aborts the previous range request): nothing to finish
        return response
    finally:
        await loop.run_in_executor(None, f.close)
