"""The webhook outbox and its retry policy, in process: leases, the attempt log, durability, backoff."""

from __future__ import annotations

import time
from pathlib import Path

from rooms.outbox import Attempt, DeliveryJob, Event, EventType, WebhookOutbox
from server.webhooks import RetryPolicy

SECRET = "test-webhook-secret-0123456789"


def test_backoff_doubles_with_jitter_up_to_the_cap_then_gives_up() -> None:
    policy = RetryPolicy(base_s=2.0, max_s=60.0, max_attempts=8)
    for attempts, delay in ((1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0), (6, 60.0), (7, 60.0)):
        waits = [policy.next_attempt_at(1000.0, attempts) - 1000.0 for _ in range(200)]
        assert all(delay / 2 <= w <= delay for w in waits), (attempts, min(waits), max(waits))
        assert max(waits) - min(waits) > delay / 10  # jittered, not lock-step
    assert policy.next_attempt_at(1000.0, 8) is None


async def test_outbox_leases_claimed_deliveries_and_keeps_the_attempt_log(tmp_path: Path) -> None:
    outbox = WebhookOutbox(tmp_path / "webhooks.sqlite3")
    await outbox.open()
    try:
        wanted = await outbox.add_subscription("http://127.0.0.1:9/a", (EventType.REPORT_READY,), secret=SECRET)
        await outbox.add_subscription("http://127.0.0.1:9/b", (EventType.ROOM_CREATED,))
        event: Event = await outbox.enqueue(EventType.REPORT_READY, {"room_id": "r1"})
        now = time.time()
        [job] = await outbox.claim_due(now, limit=10, lease_s=30)
        assert isinstance(job, DeliveryJob) and job.url == wanted.url and job.event.body == event.body
        assert await outbox.claim_due(now, limit=10, lease_s=30) == []  # leased: not sent twice at once
        await outbox.record_attempt(job, Attempt(1, now, 5.0, 503, "HTTP 503"), retry_at=now + 1)
        [again] = await outbox.claim_due(now + 1, limit=10, lease_s=30)
        assert again.attempts == 1 and again.event.id == event.id
        await outbox.release([again.delivery_id])  # a shutdown cut the attempt short: due again
        [again] = await outbox.claim_due(now + 1, limit=10, lease_s=30)
        await outbox.record_attempt(again, Attempt(2, now + 1, 4.0, 200, None), retry_at=None)
        [record] = await outbox.deliveries()
        assert record.status.value == "delivered" and record.attempts == 2
        assert [a.status_code for a in record.attempt_log] == [503, 200]
        assert await outbox.next_due_at() is None
        # Retention: finished deliveries older than the cut-off go; pending ones stay, whatever their age.
        await outbox.enqueue(EventType.REPORT_READY, {"room_id": "r-pending"})
        assert await outbox.prune(before=time.time() + 1) == 1
        assert [d.status.value for d in await outbox.deliveries()] == ["pending"]
    finally:
        await outbox.close()
    # Durable: a new outbox on the same file sees the same log, and a lease left by a crash does not hold
    # a delivery back after the restart.
    reopened = WebhookOutbox(tmp_path / "webhooks.sqlite3")
    await reopened.open()
    try:
        [kept] = await reopened.deliveries()
        assert kept.status.value == "pending" and kept.event_id != event.id
        [job] = await reopened.claim_due(time.time(), limit=10, lease_s=3600)
        crashed = job.event
    finally:
        await reopened.close()
    restarted = WebhookOutbox(tmp_path / "webhooks.sqlite3")
    await restarted.open()
    try:
        [job] = await restarted.claim_due(time.time(), limit=10, lease_s=30)
        assert job.event.id == crashed.id and job.attempts == 0
    finally:
        await restarted.close()
