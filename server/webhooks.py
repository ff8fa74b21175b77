"""Webhook delivery: signs each event, POSTs it to the subscribed endpoints, retries with backoff until acked.

Signature scheme (like Stripe's): `X-Interview-Signature: sha256=<hex>` where hex is
HMAC-SHA256(secret, f"{X-Interview-Timestamp}.{raw body}"). The timestamp is the attempt's Unix time in seconds,
so a receiver can refuse stale replays; `X-Interview-Event-Id` is the same on every attempt, so a receiver dedupes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from rooms.outbox import Attempt, DeliveryJob, WebhookOutbox
from server.keys import OUTBOX, SETTINGS, WEBHOOK_TARGETS
from server.logs import url_for_logs
from server.webhook_targets import GuardedResolver, RefusedTarget, TargetPolicy

log = logging.getLogger(__name__)
USER_AGENT = "OpenInterview-Webhooks/1"
# Error texts are short and never hold the receiver's answer (its body could be an internal service's data).
_ERROR_BYTES = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Interview-Signature` value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_s: float = 5.0
    max_s: float = 3600.0
    # With the defaults, 20 attempts span about 19 hours before a delivery is marked failed.
    max_attempts: int = 20

    def next_attempt_at(self, now: float, attempts_so_far: int) -> float | None:
        """When to try again after `attempts_so_far` failures, or None to give up.

        Exponential, capped, with "equal jitter" (half fixed, half random) so endpoints coming back after an
        outage are not hit by every queued delivery in the same second.
        """
        if attempts_so_far >= self.max_attempts:
            return None
        delay = min(self.max_s, self.base_s * 2 ** (attempts_so_far - 1))
        return now + delay / 2 + random.uniform(0, delay / 2)


class WebhookDispatcher:
    """One task that claims due deliveries from the outbox and sends them, at most `concurrency` at once."""

    def __init__(
        self,
        outbox: WebhookOutbox,
        http: aiohttp.ClientSession,
        policy: RetryPolicy,
        concurrency: int = 4,
        timeout_s: float = 10.0,
        targets: TargetPolicy | None = None,
    ) -> None:
        self._targets = targets or TargetPolicy()
        self._outbox = outbox
        self._http = http
        self._policy = policy
        self._concurrency = concurrency
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        # Longer than an attempt can take: a lease only outlives its attempt if the process died during it.
        self._lease_s = timeout_s + 30.0
        self._wake = asyncio.Event()
        self._in_flight: dict[asyncio.Task[None], DeliveryJob] = {}
        outbox.add_listener(self._wake.set)

    async def run(self) -> None:
        while True:
            try:
                await self._step()
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception:
                # The outbox keeps everything: log, pause, and carry on rather than stop delivering for good.
                log.exception("webhook dispatcher step failed")
                await asyncio.sleep(1.0)

    async def _step(self) -> None:
        self._wake.clear()
        free = self._concurrency - len(self._in_flight)
        if free > 0:
            for job in await self._outbox.claim_due(time.time(), free, self._lease_s):
                task = asyncio.create_task(self._deliver(job))
                self._in_flight[task] = job
                task.add_done_callback(self._done)
        if len(self._in_flight) < self._concurrency:
            await self._sleep_until_due()
        else:
            await self._wake.wait()  # full: a finishing delivery wakes us

    async def _sleep_until_due(self) -> None:
        next_due = await self._outbox.next_due_at()
        # Capped so a delivery released or retried by another path is picked up within a few seconds.
        # At least a moment, so nothing can make this loop spin.
        wait = 5.0 if next_due is None else min(5.0, max(0.05, next_due - time.time()))
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=wait)
        except TimeoutError:
            pass

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery task failed", exc_info=task.exception())

    async def _deliver(self, job: DeliveryJob) -> None:
        number = job.attempts + 1
        body = job.event.body.encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Interview-Event": job.event.type.value,
            "X-Interview-Event-Id": job.event.id,
            "X-Interview-Timestamp": timestamp,
            "X-Interview-Signature": signature(job.secret, timestamp, body),
            "X-Interview-Attempt": str(number),
        }
        started = time.time()
        status_code: int | None = None
        error: str | None = None
        try:
            refusal = self._policy_refusal(job.url)
            if refusal is not None:
                raise RefusedTarget(refusal)
            async with self._http.post(
                job.url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                status_code = response.status
                if not 200 <= response.status < 300:
                    error = f"HTTP {response.status}"  # the body is neither read nor kept
        except RefusedTarget as exc:
            error = f"refused: {exc}"[:_ERROR_BYTES]
        except TimeoutError:
            error = "timed out"
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, RefusedTarget):
                error = f"refused: {exc.os_error}"[:_ERROR_BYTES]
            else:
                error = f"{type(exc).__name__}: {exc}"[:_ERROR_BYTES]
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_BYTES]
        except Exception as exc:
            # Still an attempt: recorded and retried, never a delivery stuck under its lease.
            log.exception("webhook %s to %s: unexpected error", job.event.id, url_for_logs(job.url))
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_BYTES]
        finished = time.time()
        attempt = Attempt(number, started, (finished - started) * 1000.0, status_code, error)
        retry_at = None if error is None else self._policy.next_attempt_at(finished, number)
        if error is not None:
            log.info("webhook %s to %s failed (attempt %d): %s", job.event.id, url_for_logs(job.url), number, error)
        await self._outbox.record_attempt(job, attempt, retry_at)

    def _policy_refusal(self, url: str) -> str | None:
        """IP literals skip the resolver (aiohttp connects to them directly): check them here."""
        host = urlsplit(url).hostname or ""
        return self._targets.check_literal(host)

    async def stop(self) -> None:
        """Cancel attempts in flight and make them due again, so the next start sends them at once."""
        jobs = list(self._in_flight.values())
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._outbox.release([job.delivery_id for job in jobs])


async def webhooks_context(app: web.Application) -> AsyncIterator[None]:
    """The outbox (before the interviews, which emit into it) and its dispatcher task."""
    settings = app[SETTINGS]
    outbox = WebhookOutbox(settings.data_dir / "webhooks.sqlite3")
    await outbox.open()
    app[OUTBOX] = outbox
    targets = TargetPolicy(settings.webhook_allowed_networks)
    app[WEBHOOK_TARGETS] = targets
    # Every name is resolved through the guard, at connection time: no rebinding between check and use.
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=GuardedResolver(targets)))
    policy = RetryPolicy(settings.webhook_retry_base_s, settings.webhook_retry_max_s, settings.webhook_max_attempts)
    dispatcher = WebhookDispatcher(outbox, http, policy, settings.webhook_concurrency, targets=targets)
    tasks = [
        asyncio.create_task(dispatcher.run(), name="webhook-dispatcher"),
        asyncio.create_task(_prune_periodically(outbox, settings.retention_days), name="webhook-prune"),
    ]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await dispatcher.stop()
    await http.close()
    await outbox.close()


async def _prune_periodically(outbox: WebhookOutbox, retention_days: int, every_s: float = 6 * 3600) -> None:
    """The delivery log is kept as long as interview data (`--retention-days`), then forgotten."""
    while True:
        try:
            pruned = await outbox.prune(time.time() - retention_days * 86400)
            if pruned:
                log.info("pruned %d webhook deliveries older than %d days", pruned, retention_days)
        except Exception:
            log.exception("pruning the webhook outbox failed")
        await asyncio.sleep(every_s)
