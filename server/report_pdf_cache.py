"""PDF rendering, bounded: one render at a time per node (each is seconds of CPU), and each report version
rendered once (the same annotated report gives the same bytes, so repeat downloads cost nothing)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class ReportPdfs:
    def __init__(self, concurrency: int = 1, max_entries: int = 16) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._max_entries = max_entries
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    @staticmethod
    def version(report: dict[str, Any]) -> str:
        """The report version: a digest of everything the PDF shows (scores, notes, the decision)."""
        return hashlib.sha256(json.dumps(report, sort_keys=True, default=str).encode()).hexdigest()

    async def get(self, room_id: str, report: dict[str, Any], render: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The PDF and whether it came from the cache; `render` runs in a worker thread, one at a time."""
        key = (room_id, self.version(report))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached, True
        async with self._semaphore:
            cached = self._cache.get(key)  # rendered by the request we waited behind
            if cached is not None:
                return cached, True
            pdf = await asyncio.get_running_loop().run_in_executor(None, render)
        for stale in [k for k in self._cache if k[0] == room_id]:
            del self._cache[stale]  # an older version of the same report
        self._cache[key] = pdf
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return pdf, False

    def forget(self, room_id: str) -> None:
        """A deleted interview's PDF goes with it."""
        for key in [k for k in self._cache if k[0] == room_id]:
            del self._cache[key]
