"""The durable webhook outbox: subscriptions, the events they receive, and every delivery attempt.

Its own SQLite file (`<data_dir>/webhooks.sqlite3`) on its own thread, so webhook traffic never competes with
the room store's writer. An event is written once, with the exact body every attempt will send; one delivery
row per subscribed endpoint tracks attempts and the next attempt time, so retries survive a restart.
"""

from __future__ import annotations

import enum
import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rooms.migrations import Migration, migrate, sql
from rooms.sqlite_thread import SqliteStore

T = TypeVar("T")


class EventType(enum.StrEnum):
    ROOM_CREATED = "room.created"
    INTERVIEW_STARTED = "interview.started"
    INTERVIEW_ENDED = "interview.ended"
    REPORT_READY = "report.ready"
    CANDIDATE_DELETED = "candidate.deleted"
    INTERVIEW_REMINDER = "interview.reminder"  # a scheduled live interview starts in an hour (the workspace)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or in flight)
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # gave up after the last allowed attempt
    CANCELLED = "cancelled"  # its subscription was removed before it got through


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    url: str
    secret: str
    events: tuple[EventType, ...]
    created_at: float
    description: str = ""

    def to_public(self, with_secret: bool = False) -> dict[str, Any]:
        public: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "events": [e.value for e in self.events],
            "description": self.description,
            "created_at": self.created_at,
            "secret_hint": "…" + self.secret[-4:],
        }
        if with_secret:
            public["secret"] = self.secret
        return public


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: EventType
    created_at: float
    body: str  # the exact JSON every attempt sends, so signatures and receivers' dedupe see the same bytes


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """One claimed delivery: what to send, where, and how many attempts came before."""

    delivery_id: int
    event: Event
    url: str
    secret: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: float
    duration_ms: float
    status_code: int | None
    error: str | None

    def to_public(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "at": self.at,
            "duration_ms": round(self.duration_ms, 1),
            "status_code": self.status_code,
            "error": self.error,
        }


@dataclass(slots=True)
class DeliveryRecord:
    """A row of the delivery log."""

    id: int
    event_id: str
    event_type: str
    subscription_id: str
    url: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: float | None
    last_error: str | None
    created_at: float
    delivered_at: float | None
    attempt_log: list[Attempt] = field(default_factory=list)

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "subscription_id": self.subscription_id,
            "url": self.url,
            "status": self.status.value,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at if self.status is DeliveryStatus.PENDING else None,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "delivered_at": self.delivered_at,
            "attempt_log": [a.to_public() for a in self.attempt_log],
        }


_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    deleted_at REAL
);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created_at REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL REFERENCES events(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    leased_until REAL,  -- set while an attempt is in flight
    last_error TEXT,
    created_at REAL NOT NULL,
    delivered_at REAL,
    UNIQUE (event_id, subscription_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    number INTEGER NOT NULL,
    at REAL NOT NULL,
    duration_ms REAL NOT NULL,
    status_code INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, number)
);
"""
# The schema's history (rooms/migrations.py): never edit a released migration, add the next.
_MIGRATIONS = (Migration(1, "webhook subscriptions, events, deliveries and attempts (first release)", sql(_SCHEMA)),)


def _open_outbox(db: sqlite3.Connection) -> None:
    migrate(db, "outbox", _MIGRATIONS)
    _release_leases(db)


class WebhookOutbox(SqliteStore):
    """`<data_dir>/webhooks.sqlite3`: one connection, one thread, WAL journal, like the room store."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "outbox", _open_outbox)
        # Called (on the event loop) after an event is enqueued: the dispatcher wakes instead of polling.
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    # Subscriptions

    async def add_subscription(
        self, url: str, events: tuple[EventType, ...], secret: str | None = None, description: str = ""
    ) -> Subscription:
        subscription = Subscription(
            id="wh_" + secrets.token_urlsafe(9),
            url=url,
            secret=secret or "whsec_" + secrets.token_urlsafe(32),
            events=events,
            created_at=time.time(),
            description=description,
        )
        await self._run(self._insert_subscription, subscription)
        return subscription

    def _insert_subscription(self, s: Subscription) -> None:
        self._conn.execute(
            "INSERT INTO subscriptions (id, url, secret, events, description, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (s.id, s.url, s.secret, json.dumps([e.value for e in s.events]), s.description, s.created_at),
        )

    async def subscriptions(self) -> list[Subscription]:
        return await self._run(self._select_subscriptions)

    def _select_subscriptions(self) -> list[Subscription]:
        rows = self._conn.execute(
            "SELECT id, url, secret, events, description, created_at FROM subscriptions"
            " WHERE deleted_at IS NULL ORDER BY created_at"
        ).fetchall()
        return [Subscription(r[0], r[1], r[2], tuple(EventType(e) for e in json.loads(r[3])), r[5], r[4]) for r in rows]

    async def remove_subscription(self, subscription_id: str) -> bool:
        """Soft delete (the delivery log keeps naming it); its pending deliveries are cancelled."""
        return await self._run(self._remove_subscription, subscription_id, time.time())

    def _remove_subscription(self, subscription_id: str, now: float) -> bool:
        with self._conn:
            self._conn.execute("BEGIN")
            cursor = self._conn.execute(
                "UPDATE subscriptions SET deleted_at=? WHERE id=? AND deleted_at IS NULL", (now, subscription_id)
            )
            self._conn.execute(
                "UPDATE deliveries SET status=? WHERE subscription_id=? AND status=?",
                (DeliveryStatus.CANCELLED.value, subscription_id, DeliveryStatus.PENDING.value),
            )
        return cursor.rowcount > 0

    # Events

    async def enqueue(self, event_type: EventType, data: dict[str, Any]) -> Event:
        """Write an event and one pending delivery per subscription that wants it, in one transaction."""
        now = time.time()
        event_id = "evt_" + secrets.token_urlsafe(12)
        body = json.dumps(
            {"id": event_id, "type": event_type.value, "created_at": now, "data": data}, separators=(",", ":")
        )
        event = Event(event_id, event_type, now, body)
        await self._run(self._insert_event, event)
        for listener in self._listeners:
            listener()
        return event

    def _insert_event(self, event: Event) -> None:
        subscribers = [s.id for s in self._select_subscriptions() if event.type in s.events]
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute(
                "INSERT INTO events (id, type, created_at, body) VALUES (?, ?, ?, ?)",
                (event.id, event.type.value, event.created_at, event.body),
            )
            self._conn.executemany(
                "INSERT INTO deliveries (event_id, subscription_id, status, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(event.id, s, DeliveryStatus.PENDING.value, event.created_at, event.created_at) for s in subscribers],
            )

    # The dispatcher's side

    async def claim_due(self, now: float, limit: int, lease_s: float) -> list[DeliveryJob]:
        """Pending deliveries due by `now`, oldest first, each leased for `lease_s` so nothing is sent twice at
        once; recording the attempt (or `release`, or a restart) ends the lease."""
        return await self._run(self._claim_due, now, limit, lease_s)

    def _claim_due(self, now: float, limit: int, lease_s: float) -> list[DeliveryJob]:
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            rows = self._conn.execute(
                "SELECT d.id, e.id, e.type, e.created_at, e.body, s.url, s.secret, d.attempts"
                " FROM deliveries d JOIN events e ON e.id = d.event_id JOIN subscriptions s ON s.id = d.subscription_id"
                " WHERE d.status=? AND d.next_attempt_at<=? AND (d.leased_until IS NULL OR d.leased_until<=?)"
                " ORDER BY d.next_attempt_at, d.id LIMIT ?",
                (DeliveryStatus.PENDING.value, now, now, limit),
            ).fetchall()
            self._conn.executemany(
                "UPDATE deliveries SET leased_until=? WHERE id=?", [(now + lease_s, r[0]) for r in rows]
            )
        return [DeliveryJob(r[0], Event(r[1], EventType(r[2]), r[3], r[4]), r[5], r[6], r[7]) for r in rows]

    async def next_due_at(self) -> float | None:
        return await self._run(self._next_due_at)

    def _next_due_at(self) -> float | None:
        row = self._conn.execute(
            "SELECT MIN(MAX(next_attempt_at, COALESCE(leased_until, 0))) FROM deliveries WHERE status=?",
            (DeliveryStatus.PENDING.value,),
        ).fetchone()
        return None if row[0] is None else float(row[0])

    async def record_attempt(self, job: DeliveryJob, attempt: Attempt, retry_at: float | None) -> None:
        """Log an attempt. Acknowledged (2xx): delivered. Otherwise retry at `retry_at`, or fail when None."""
        await self._run(self._record_attempt, job, attempt, retry_at)

    def _record_attempt(self, job: DeliveryJob, attempt: Attempt, retry_at: float | None) -> None:
        acknowledged = attempt.error is None
        if acknowledged:
            status, next_at = DeliveryStatus.DELIVERED, attempt.at
        elif retry_at is not None:
            status, next_at = DeliveryStatus.PENDING, retry_at
        else:
            status, next_at = DeliveryStatus.FAILED, attempt.at
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute(
                "INSERT INTO attempts (delivery_id, number, at, duration_ms, status_code, error)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (job.delivery_id, attempt.number, attempt.at, attempt.duration_ms, attempt.status_code, attempt.error),
            )
            # Guarded by status: a subscription removed mid-attempt stays cancelled.
            self._conn.execute(
                "UPDATE deliveries SET status=?, attempts=?, next_attempt_at=?, leased_until=NULL, last_error=?,"
                " delivered_at=? WHERE id=? AND status=?",
                (
                    status.value,
                    attempt.number,
                    next_at,
                    attempt.error,
                    attempt.at if acknowledged else None,
                    job.delivery_id,
                    DeliveryStatus.PENDING.value,
                ),
            )

    async def release(self, delivery_ids: list[int]) -> None:
        """End the leases of attempts cut short (by shutdown): they are due again at their old time."""
        if delivery_ids:
            await self._run(self._release, delivery_ids)

    def _release(self, delivery_ids: list[int]) -> None:
        self._conn.executemany("UPDATE deliveries SET leased_until=NULL WHERE id=?", [(d,) for d in delivery_ids])

    async def retry(self, delivery_id: int) -> bool:
        """An operator's manual retry of a failed delivery: pending again, due now, attempts keep counting."""
        retried = await self._run(self._retry, delivery_id, time.time())
        if retried:
            for listener in self._listeners:
                listener()
        return retried

    def _retry(self, delivery_id: int, now: float) -> bool:
        cursor = self._conn.execute(
            "UPDATE deliveries SET status=?, next_attempt_at=?, leased_until=NULL WHERE id=? AND status=?",
            (DeliveryStatus.PENDING.value, now, delivery_id, DeliveryStatus.FAILED.value),
        )
        return cursor.rowcount > 0

    async def forget_room(self, room_id: str) -> int:
        """Deletion of an interview: its events (with their deliveries and attempts) go, whatever their state.

        Events carry the room id in their body's data (`"room_id": "<id>"`); returns how many events went."""
        return await self._run(self._forget_room, room_id)

    def _forget_room(self, room_id: str) -> int:
        # Both spellings: bodies are compact JSON, but nothing here should depend on how they were dumped.
        escaped = room_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # ids hold "_"
        patterns = (f'%"room_id":"{escaped}"%', f'%"room_id": "{escaped}"%')
        where = "(body LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')"
        with self._conn:
            self._conn.execute("BEGIN")
            ids = "SELECT id FROM events WHERE " + where
            self._conn.execute(
                f"DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id IN ({ids}))",
                patterns,
            )
            self._conn.execute(f"DELETE FROM deliveries WHERE event_id IN ({ids})", patterns)
            cursor = self._conn.execute("DELETE FROM events WHERE " + where, patterns)
        return cursor.rowcount

    async def prune(self, before: float) -> int:
        """Forget finished deliveries (and their events and attempts) created before `before`; pending ones
        stay whatever their age. Returns how many deliveries went."""
        return await self._run(self._prune, before)

    def _prune(self, before: float) -> int:
        pending = DeliveryStatus.PENDING.value
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute(
                "DELETE FROM attempts WHERE delivery_id IN"
                " (SELECT id FROM deliveries WHERE status<>? AND created_at<?)",
                (pending, before),
            )
            cursor = self._conn.execute("DELETE FROM deliveries WHERE status<>? AND created_at<?", (pending, before))
            self._conn.execute(
                "DELETE FROM events WHERE created_at<? AND id NOT IN (SELECT event_id FROM deliveries)", (before,)
            )
            self._conn.execute(
                "DELETE FROM subscriptions WHERE deleted_at IS NOT NULL"
                " AND id NOT IN (SELECT subscription_id FROM deliveries)"
            )
        return cursor.rowcount

    # The delivery log

    async def deliveries(
        self, limit: int = 100, status: DeliveryStatus | None = None, event_id: str | None = None
    ) -> list[DeliveryRecord]:
        return await self._run(self._select_deliveries, limit, status, event_id)

    def _select_deliveries(
        self, limit: int, status: DeliveryStatus | None, event_id: str | None
    ) -> list[DeliveryRecord]:
        where, params = [], []
        if status is not None:
            where.append("d.status=?")
            params.append(status.value)
        if event_id is not None:
            where.append("d.event_id=?")
            params.append(event_id)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = self._conn.execute(
            "SELECT d.id, d.event_id, e.type, d.subscription_id, s.url, d.status, d.attempts, d.next_attempt_at,"
            " d.last_error, d.created_at, d.delivered_at"
            " FROM deliveries d JOIN events e ON e.id = d.event_id JOIN subscriptions s ON s.id = d.subscription_id "
            + clause
            + " ORDER BY d.id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        records = {
            r[0]: DeliveryRecord(r[0], r[1], r[2], r[3], r[4], DeliveryStatus(r[5]), r[6], r[7], r[8], r[9], r[10])
            for r in rows
        }
        if records:
            marks = ",".join("?" * len(records))
            for a in self._conn.execute(
                "SELECT delivery_id, number, at, duration_ms, status_code, error FROM attempts"
                f" WHERE delivery_id IN ({marks}) ORDER BY delivery_id, number",
                tuple(records),
            ):
                records[a[0]].attempt_log.append(Attempt(a[1], a[2], a[3], a[4], a[5]))
        return list(records.values())


def _release_leases(db: sqlite3.Connection) -> None:
    # Nothing is in flight when the process starts: leases left by a crash or a cut-short shutdown go.
    db.execute("UPDATE deliveries SET leased_until=NULL WHERE leased_until IS NOT NULL")
