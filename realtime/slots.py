"""Bounded hand-offs between the track readers and the analysis workers."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A one-item mailbox: `put` replaces an item nobody took yet (counted in `dropped`).

    Video analysis only ever wants the newest frame; anything older would be stale by the time it ran.
    """

    def __init__(self) -> None:
        self._item: T | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = 0

    def put(self, item: T) -> None:
        if self._item is not None:
            self.dropped += 1
        self._item = item
        self._ready.set()

    async def get(self) -> T | None:
        """The newest item, waiting for one; None once closed and empty."""
        while self._item is None and not self._closed:
            self._ready.clear()
            await self._ready.wait()
        item, self._item = self._item, None
        return item

    def close(self) -> None:
        self._closed = True
        self._ready.set()


class BoundedBuffer(Generic[T]):
    """A FIFO holding at most `capacity` items; on overflow the oldest go and the gap is counted.

    Speech analysis needs unbroken audio, so it takes everything, but never more than a bounded window:
    an overflow means analysis fell behind, which is reported rather than hidden as growing latency.
    """

    def __init__(self, capacity: int) -> None:
        self._items: deque[T] = deque()
        self._capacity = capacity
        self._ready = asyncio.Event()
        self._closed = False
        self.overflows = 0  # how many times a gap started
        self.lost = 0  # items lost in those gaps
        self._in_gap = False

    def put(self, item: T) -> None:
        if len(self._items) >= self._capacity:
            self._items.popleft()
            self.lost += 1
            if not self._in_gap:
                self.overflows += 1
                self._in_gap = True
        else:
            self._in_gap = False
        self._items.append(item)
        self._ready.set()

    async def take_all(self) -> list[T]:
        """Everything buffered, waiting for at least one item; [] once closed and empty."""
        while not self._items and not self._closed:
            self._ready.clear()
            await self._ready.wait()
        items = list(self._items)
        self._items.clear()
        return items

    def close(self) -> None:
        self._closed = True
        self._ready.set()
