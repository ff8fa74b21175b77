"""Writes a room's observations to the store as they happen, in small batches."""

from __future__ import annotations

import asyncio
import logging

from rooms.model import Observation
from rooms.store import RoomStore

log = logging.getLogger(__name__)


class TimelineRecorder:
    """Batches observations and writes them every `interval_s`, so a crash loses at most that much.

    The buffer is not bounded by count: it holds at most one interval of a single interview's observations
    (about a hundred), and dropping any would make the stored record, and so the report, wrong.
    """

    def __init__(self, store: RoomStore, room_id: str, interval_s: float = 1.0) -> None:
        self._store = store
        self._room_id = room_id
        self._interval_s = interval_s
        self._pending: list[Observation] = []
        self._task = asyncio.create_task(self._run(), name=f"record-{room_id}")
        self.added = 0  # observations taken so far (the server counts those that arrive after an interview's end)

    def add(self, observations: list[Observation]) -> None:
        self._pending.extend(observations)
        self.added += len(observations)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.flush()
            except Exception:  # keep recording; the batch stays pending and is retried
                log.exception("writing the timeline of room %s failed", self._room_id)

    async def flush(self) -> None:
        if not self._pending:
            return
        batch = self._pending
        self._pending = []
        try:
            await self._store.append_observations(self._room_id, batch)
        except BaseException:
            self._pending = batch + self._pending
            raise

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()
