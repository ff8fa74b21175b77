"""The event bus across nodes: a room's observations reach dashboards on every node through Redis pub/sub.

Local subscribers are served exactly as by `LocalBus` (same bounded per-subscriber queues, no Redis hop), and
every publish is also forwarded to Redis tagged with this node's id; each node relays what other nodes
published to its own subscribers. So a dashboard on node B watches a candidate whose media lands on node A.

Publishing stays synchronous and never waits: batches go into a bounded outbox (oldest dropped and counted
when Redis is slow or down) that one task pushes to Redis. The listener and the pusher reconnect on their own
after a Redis restart; observations published while Redis was away are lost to remote viewers only (the stored
timeline is written separately, by the recorder, and retried).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from rooms.bus import LocalBus, LocalSubscription
from rooms.measures import CANDIDATE_CONNECTED, ROOM_STATUS
from rooms.model import Observation, ObservationType

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "oi:live:"
# Status observations whose latest value a dashboard needs on connecting (kept in a hash per room).
_REMEMBERED = (CANDIDATE_CONNECTED, ROOM_STATUS)


class _Message(msgspec.Struct):
    node: str
    records: list[dict[str, Any]]


_encode = msgspec.json.Encoder().encode
_decode: Callable[[bytes], _Message] = msgspec.json.Decoder(_Message).decode


class RedisBus(LocalBus):
    """`LocalBus` plus Redis pub/sub between nodes. Takes its client from the caller, who closes it."""

    def __init__(self, client: Redis, node_id: str, max_outbox: int = 2000, channel_prefix: str = CHANNEL_PREFIX):
        super().__init__()
        self._r = client
        self._node_id = node_id
        self._prefix = channel_prefix
        self._outbox: deque[tuple[str, Sequence[Observation]]] = deque(maxlen=max_outbox)
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._priming: set[asyncio.Task[None]] = set()
        self.outbox_dropped = 0  # batches that never reached Redis (it was down or slower than we publish)
        self.reconnects = 0
        self.connected = asyncio.Event()  # set while the listener holds a live subscription

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._push(), name="redis-bus-push"),
            asyncio.create_task(self._listen(), name="redis-bus-listen"),
        ]

    def subscribe(self, room_id: str, max_pending: int = 2000) -> LocalSubscription:
        """A local subscription, primed with the room's last connection state from whichever node has it.

        The dashboard's snapshot comes from the node it is connected to, which knows nothing of a candidate
        streaming to another node; the primed values follow the snapshot and correct it.
        """
        subscription = super().subscribe(room_id, max_pending)
        task = asyncio.create_task(self._prime(room_id, subscription))
        self._priming.add(task)
        task.add_done_callback(self._priming.discard)
        return subscription

    async def _prime(self, room_id: str, subscription: LocalSubscription) -> None:
        try:
            records = await self._r.hgetall(self._prefix + "last:" + room_id)
        except (RedisError, OSError):
            return
        for raw in records.values():
            if not subscription.closed:
                subscription.offer(Observation.from_record(msgspec.json.decode(raw)))

    def publish(self, room_id: str, observations: Sequence[Observation]) -> None:
        if not observations:
            return
        super().publish(room_id, observations)
        if len(self._outbox) == self._outbox.maxlen:
            self.outbox_dropped += 1
        self._outbox.append((room_id, tuple(observations)))
        self._wakeup.set()

    async def _push(self) -> None:
        failing = False
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._outbox:
                batch = list(self._outbox)
                self._outbox.clear()
                try:
                    async with self._r.pipeline(transaction=False) as pipe:
                        for room_id, observations in batch:
                            message = _Message(self._node_id, [o.to_record() for o in observations])
                            pipe.publish(self._prefix + room_id, _encode(message))
                            self._remember_state(pipe, room_id, observations)
                        await pipe.execute()
                    if failing:
                        log.info("live bus: publishing to Redis again")
                    failing = False
                except (RedisError, OSError) as exc:
                    # Live messages are worth little once late: drop this batch and wait for Redis to return.
                    self.outbox_dropped += len(batch)
                    if not failing:
                        log.warning("live bus: publishing to Redis failed (%s); retrying", exc)
                    failing = True
                    await asyncio.sleep(0.5)

    def _remember_state(self, pipe: Pipeline, room_id: str, observations: Sequence[Observation]) -> None:
        """Keep the room's latest connection state in Redis, for dashboards that connect later on other nodes."""
        latest = {o.name: o for o in observations if o.type is ObservationType.STATUS and o.name in _REMEMBERED}
        if latest:
            key = self._prefix + "last:" + room_id
            pipe.hset(key, mapping={name: _encode(o.to_record()) for name, o in latest.items()})
            pipe.expire(key, 24 * 3600)

    async def _listen(self) -> None:
        """Relay other nodes' observations to local subscribers; resubscribe after any connection loss."""
        attempt = 0
        while True:
            pubsub = self._r.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self._prefix + "*")
                self.connected.set()
                if attempt:
                    log.info("live bus: subscribed to Redis again")
                attempt = 0
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._relay(message)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.connected.clear()
                if attempt == 0:
                    self.reconnects += 1
                    log.warning("live bus: lost Redis (%s); reconnecting", exc)
                attempt += 1
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt) * (0.5 + random.random()))
            finally:
                try:
                    await pubsub.aclose()
                except (RedisError, OSError):
                    pass

    def _relay(self, message: dict[str, Any]) -> None:
        channel = message.get("channel")
        room_id = (channel.decode() if isinstance(channel, bytes) else str(channel))[len(self._prefix) :]
        if not self.subscriber_count(room_id):
            return  # decode only what somebody here watches
        try:
            decoded = _decode(message["data"])
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("live bus: undecodable message on %s", channel)
            return
        if decoded.node == self._node_id:
            return  # already delivered locally when published
        observations = [Observation.from_record(r) for r in decoded.records]
        LocalBus.publish(self, room_id, observations)

    async def close(self) -> None:
        for task in (*self._tasks, *self._priming):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._priming, return_exceptions=True)
