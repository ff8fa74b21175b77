"""Live fan-out of observations to whoever watches a room (dashboards today, other nodes later).

Every subscriber has its own bounded queue: a slow viewer loses its own oldest messages (counted) and never
stalls the pipeline or the other viewers.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from rooms.model import Observation


class Subscription(Protocol):
    dropped: int

    def __aiter__(self) -> AsyncIterator[Observation]: ...

    def close(self) -> None: ...


class EventBus(Protocol):
    def publish(self, room_id: str, observations: Sequence[Observation]) -> None: ...

    def subscribe(self, room_id: str, max_pending: int = 2000) -> Subscription: ...


class LocalSubscription:
    """One consumer's bounded mailbox. Iterating yields observations until `close()`."""

    def __init__(self, bus: LocalBus, room_id: str, max_pending: int) -> None:
        self._bus = bus
        self._room_id = room_id
        self._queue: asyncio.Queue[Observation | None] = asyncio.Queue(maxsize=max_pending)
        self.dropped = 0
        self.closed = False

    def offer(self, observation: Observation) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(observation)

    async def __aiter__(self) -> AsyncIterator[Observation]:
        while not self.closed:
            item = await self._queue.get()
            if item is None:
                return
            yield item

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._bus._remove(self._room_id, self)
        # Wake an iterator blocked on an empty queue; a full queue means it is not blocked.
        if not self._queue.full():
            self._queue.put_nowait(None)


class LocalBus:
    """In-process bus: publish is synchronous and never waits on a consumer."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[LocalSubscription]] = defaultdict(set)

    def publish(self, room_id: str, observations: Sequence[Observation]) -> None:
        for subscription in tuple(self._subscribers.get(room_id, ())):
            for observation in observations:
                subscription.offer(observation)

    def subscribe(self, room_id: str, max_pending: int = 2000) -> LocalSubscription:
        subscription = LocalSubscription(self, room_id, max_pending)
        self._subscribers[room_id].add(subscription)
        return subscription

    def subscriber_count(self, room_id: str) -> int:
        return len(self._subscribers.get(room_id, ()))

    def _remove(self, room_id: str, subscription: LocalSubscription) -> None:
        subscribers = self._subscribers.get(room_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[room_id]
