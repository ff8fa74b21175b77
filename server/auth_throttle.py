"""Throttling repeated authentication failures per client address: guessing tokens gets slow, then 429.

After `max_failures` failed authentications within `window_s`, an address is refused (429 with Retry-After)
for `block_s` on every request that carries a credential, before its token is even checked. Bounded memory:
at most `max_addresses` addresses are tracked; the oldest are forgotten first.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

from aiohttp import web

from rooms.errors import TooManyRequests
from server.auth import AuthError
from server.sessions import SESSION_COOKIE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AuthThrottle:
    def __init__(
        self, max_failures: int = 10, window_s: float = 60.0, block_s: float = 60.0, max_addresses: int = 10_000
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.block_s = block_s
        self._max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._blocked_until: dict[str, float] = {}

    def retry_after(self, address: str, now: float | None = None) -> float:
        """Seconds this address must still wait (0: it may try)."""
        now = time.monotonic() if now is None else now
        until = self._blocked_until.get(address, 0.0)
        if until <= now:
            self._blocked_until.pop(address, None)
            return 0.0
        return until - now

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        times = self._failures.pop(address, None) or deque()
        times.append(now)
        while times and times[0] < now - self.window_s:
            times.popleft()
        if len(times) >= self.max_failures:
            self._blocked_until[address] = now + self.block_s
            times.clear()
        self._failures[address] = times
        while len(self._failures) > self._max_addresses:
            self._failures.popitem(last=False)
        if len(self._blocked_until) > self._max_addresses:
            for stale in [a for a, until in self._blocked_until.items() if until <= now]:
                del self._blocked_until[stale]


THROTTLE = web.AppKey("auth_throttle", AuthThrottle)


def carries_credential(request: web.Request) -> bool:
    return "Authorization" in request.headers or "token" in request.query or SESSION_COOKIE in request.cookies


@web.middleware
async def auth_throttle(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Inside the error middleware: it sees AuthError before that turns it into a 401."""
    throttle = request.app[THROTTLE]
    address = request.remote or "unknown"
    if carries_credential(request):
        wait = throttle.retry_after(address)
        if wait > 0:
            raise TooManyRequests("too many failed authentications from this address", math.ceil(wait))
    try:
        return await handler(request)
    except AuthError:
        throttle.failed(address)
        raise
