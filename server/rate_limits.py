"""Sliding-window request limits per key (a room, a token): a flood of offers costs the caller, not the node."""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from rooms.errors import TooManyRequests


class SlidingWindow:
    """At most `limit` events per key in any `window_s`; memory bounded to `max_keys` keys (oldest forgotten)."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, key: str, what: str, now: float | None = None) -> None:
        """Count one event, or raise TooManyRequests (429 with Retry-After) when the key is over its limit."""
        now = time.monotonic() if now is None else now
        times = self._events.pop(key, None) or deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        self._events[key] = times
        if len(times) >= self.limit:
            retry = max(1, math.ceil(times[0] + self.window_s - now))
            raise TooManyRequests(f"too many {what}; try again in {retry} s", retry_after_s=retry)
        times.append(now)
        while len(self._events) > self._max_keys:
            self._events.popitem(last=False)


@dataclass
class OfferLimits:
    """The WebRTC offers one room and one token may make (each costs a peer connection and ICE gathering)."""

    candidate_offers: SlidingWindow
    viewer_offers_per_room: SlidingWindow
    viewer_offers_per_token: SlidingWindow

    @classmethod
    def default(cls) -> OfferLimits:
        return cls(
            # A candidate reconnecting after network changes needs a few; 12 a minute is far beyond honest use.
            candidate_offers=SlidingWindow(12, 60.0),
            viewer_offers_per_room=SlidingWindow(30, 60.0),
            viewer_offers_per_token=SlidingWindow(10, 60.0),
        )


def token_key(token: str | None) -> str:
    """A short, non-reversible key for a token (limits and logs never hold the token itself)."""
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]
