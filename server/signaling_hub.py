"""Who is waiting to talk to whom: the two seats of each room's peer-to-peer call (candidate, lead interviewer).

The hub only relays small signaling messages (offer, answer, ICE candidates) between the two browsers; their
media flows directly between them and never through this server. It knows nothing of HTTP: a seat holds any
object with an async `send(message)` and `close()`, which keeps it testable and free of aiohttp.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class Seat(enum.StrEnum):
    CANDIDATE = "candidate"
    INTERVIEWER = "interviewer"

    @property
    def other(self) -> Seat:
        return Seat.INTERVIEWER if self is Seat.CANDIDATE else Seat.CANDIDATE


class Channel(Protocol):
    async def send(self, message: dict[str, Any]) -> None: ...

    async def close(self, reason: str, final: bool) -> None:
        """`final`: the client must not come back (replaced, or the interview ended); otherwise it may retry."""


@dataclass(slots=True)
class RateLimit:
    """A token bucket: `burst` messages at once, `per_second` sustained. A browser trickling ICE on a real
    network sends a few dozen candidates per negotiation; anything far beyond that is a misbehaving client."""

    burst: float = 60.0
    per_second: float = 10.0
    tokens: float = field(default=-1.0)
    stamp: float = 0.0

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class SignalingHub:
    """One seat per side per room; a newer connection takes the seat (a reload or a reconnect)."""

    def __init__(self) -> None:
        self._rooms: dict[str, dict[Seat, Channel]] = {}

    def occupied(self, room_id: str, seat: Seat) -> bool:
        return seat in self._rooms.get(room_id, {})

    async def join(self, room_id: str, seat: Seat, channel: Channel) -> None:
        seats = self._rooms.setdefault(room_id, {})
        previous = seats.get(seat)
        seats[seat] = channel
        if previous is not None:
            await previous.close("replaced by a newer connection", final=True)
        other = seats.get(seat.other)
        # Both sides learn whether the other is there; the interviewer starts a call when it is.
        await channel.send({"type": "peer", "present": other is not None})
        if other is not None:
            await other.send({"type": "peer", "present": True})

    async def leave(self, room_id: str, seat: Seat, channel: Channel) -> None:
        seats = self._rooms.get(room_id)
        if not seats or seats.get(seat) is not channel:
            return  # already replaced: the newer connection keeps the seat
        del seats[seat]
        other = seats.get(seat.other)
        if not seats:
            del self._rooms[room_id]
        if other is not None:
            await other.send({"type": "peer", "present": False})

    async def relay(self, room_id: str, seat: Seat, message: dict[str, Any]) -> bool:
        """Pass a message to the other side; False when nobody sits there (the sender will hear "peer")."""
        other = self._rooms.get(room_id, {}).get(seat.other)
        if other is None:
            return False
        await other.send({**message, "from": seat.value})
        return True

    async def close_room(self, room_id: str, reason: str, final: bool = True) -> None:
        for channel in list(self._rooms.pop(room_id, {}).values()):
            await channel.close(reason, final)

    async def close(self) -> None:
        """Shutdown: the clients reconnect to the restarted server (or another node)."""
        for room_id in list(self._rooms):
            await self.close_room(room_id, "server shutting down", final=False)
