"""Webhooks to a loopback receiver: signed events through an interview, retries, restarts, deletion on request."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.bot import candidate_bot
from tests.support.server_process import ADMIN_TOKEN, RunningServer, free_port, room_token, start_server, stop_server

SECRET = "test-webhook-secret-0123456789"
# Short backoff so retries happen within a test: 0.3 s, then 0.6 s, capped at 1 s (half fixed, half jitter).
# The receivers listen on loopback, which webhooks may reach only when the operator allows it.
FAST_RETRIES = ("--webhook-retry-base", "0.3", "--webhook-retry-max", "1", "--webhook-allowed-network", "127.0.0.1/32")


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signature_is_valid(self, secret: str) -> bool:
        """The documented check, written out as a receiver would: HMAC-SHA256 over "<timestamp>.<raw body>"."""
        timestamp = self.headers["X-Interview-Timestamp"]
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers["X-Interview-Signature"], f"sha256={expected}")


@dataclass
class Receiver:
    """An HR system's endpoint on loopback. `fail_first[path]` attempts per event id answer 500."""

    port: int = field(default_factory=free_port)
    fail_first: dict[str, int] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{name}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        delivery = Delivery(request.path, dict(request.headers), await request.read(), time.time())
        self.deliveries.append(delivery)
        event_id = delivery.headers["X-Interview-Event-Id"]
        seen = sum(
            1 for d in self.deliveries if d.path == request.path and d.headers["X-Interview-Event-Id"] == event_id
        )
        if seen <= self.fail_first.get(request.path, 0):
            return web.Response(status=500, text="receiver is down for maintenance")
        return web.Response(status=204)

    def received(self, path: str, event_type: str, room_id: str) -> list[Delivery]:
        return [
            d
            for d in self.deliveries
            if d.path == path and d.event["type"] == event_type and d.event["data"].get("room_id") == room_id
        ]

    async def wait_for(self, path: str, event_type: str, room_id: str, count: int = 1, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(path, event_type, room_id)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"{event_type} for {room_id} not received {count}x at {path}: {self.deliveries}")


async def api(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None, token: str | None = ADMIN_TOKEN
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, path, json=body, headers=headers) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


@pytest.fixture(scope="module")
def webhook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("webhooks") / "data", *FAST_RETRIES)
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.stop()


async def _subscribe(http: aiohttp.ClientSession, url: str, events: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url, "secret": SECRET, "description": "test receiver"}
    if events is not None:
        body["events"] = events
    status, subscription = await api(http, "POST", "/api/webhooks", body)
    assert status == 201, subscription
    assert subscription["secret"] == SECRET
    return subscription


async def test_interview_lifecycle_is_delivered_signed_and_deletion_removes_everything(
    webhook_server: RunningServer, receiver: Receiver, bot_media: Path, loopback_ice: None
) -> None:
    server = webhook_server
    async with aiohttp.ClientSession(server.base_url) as http:
        subscription = await _subscribe(http, receiver.url("/hr"))
        status, listed = await api(http, "GET", "/api/webhooks")
        assert status == 200 and subscription["id"] in [w["id"] for w in listed["webhooks"]]
        assert all("secret" not in w for w in listed["webhooks"])  # shown once, at creation

        status, room = await api(http, "POST", "/api/rooms", {"title": "Webhooks", "candidate_name": "Grace Hopper"})
        assert status == 201, room
        room_id, interviewer = room["id"], room_token(room["interviewer_url"])
        await receiver.wait_for("/hr", "room.created", room_id)

        async with candidate_bot(
            server.base_url, f"/api/rooms/{room_id}/offer?token={room_token(room['candidate_url'])}", bot_media
        ):
            await receiver.wait_for("/hr", "interview.started", room_id)
            await asyncio.sleep(2.0)
            # Deletion of a live interview is refused: it must be ended first.
            status, body = await api(http, "DELETE", f"/api/rooms/{room_id}")
            assert status == 409, body
        status, ended = await api(http, "POST", f"/api/rooms/{room_id}/end", token=interviewer)
        assert status == 200 and ended["status"] == "ended", ended
        await receiver.wait_for("/hr", "interview.ended", room_id)
        ready = (await receiver.wait_for("/hr", "report.ready", room_id))[0]
        if ready.event["data"]["transcript"] == "pending":
            # The report came while the last speech was still decoding: the rebuilt one is announced again.
            again = (await receiver.wait_for("/hr", "report.ready", room_id, count=2))[1]
            assert again.event["data"]["transcript"] == "complete", again.event
        else:
            assert ready.event["data"]["transcript"] == "complete", ready.event

        announced = 2 if ready.event["data"]["transcript"] == "pending" else 1
        events = {
            name: receiver.received("/hr", name, room_id)
            for name in ("room.created", "interview.started", "interview.ended", "report.ready")
        }
        for name, received in events.items():
            assert len(received) == (announced if name == "report.ready" else 1), (name, received)
            delivery = received[0]
            assert delivery.signature_is_valid(SECRET), name
            assert not delivery.signature_is_valid("another-secret"), name
            assert abs(int(delivery.headers["X-Interview-Timestamp"]) - delivery.received_at) < 5
            assert delivery.headers["X-Interview-Event"] == name == delivery.event["type"]
            assert delivery.headers["X-Interview-Event-Id"] == delivery.event["id"]
            assert delivery.headers["X-Interview-Attempt"] == "1"
            assert delivery.headers["Content-Type"] == "application/json"
            # Ids, times, links: no scores and no name leave the server in an event.
            assert b"metrics" not in delivery.body and b"Grace" not in delivery.body, delivery.body
        assert len({d[0].event["id"] for d in events.values()}) == 4
        started = events["interview.started"][0].event["data"]
        ended_data = events["interview.ended"][0].event["data"]
        assert started["started_at"] == ended_data["started_at"] and ended_data["ended_at"] > started["started_at"]

        # report.ready carries the link; fetching it with an HR-side token gets the report.
        report_path = ready.event["data"]["links"]["report"]
        assert report_path == f"/api/rooms/{room_id}/report"
        status, report = await api(http, "GET", report_path)
        assert status == 200 and "metrics" in report, report

        # The delivery log lists each delivery with its attempt.
        event_id = events["report.ready"][0].event["id"]
        status, log = await api(http, "GET", f"/api/webhooks/deliveries?event_id={event_id}")
        assert status == 200, log
        [entry] = log["deliveries"]
        assert entry["status"] == "delivered" and entry["attempts"] == 1, entry
        assert entry["event_type"] == "report.ready" and entry["url"] == receiver.url("/hr")
        assert entry["attempt_log"][0]["status_code"] == 204 and entry["attempt_log"][0]["error"] is None

        # The admin page shows subscriptions and deliveries; it needs the admin token (a header, or the session
        # cookie of /admin/sign-in: never the token in the page's URL).
        async with http.get("/admin/webhooks", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as page:
            html = await page.text()
            assert page.status == 200
            assert receiver.url("/hr") in html and event_id in html and 'data-status="delivered"' in html
        async with http.get("/admin/webhooks", headers={"Authorization": f"Bearer {interviewer}"}) as page:
            assert page.status == 403
        async with http.get("/api/openapi.json") as document:
            assert document.status == 200 and "/api/webhooks" in (await document.json())["paths"]

        # Deletion on request: everything about the room goes, media directory included.
        media = server.data_dir / "recordings" / room_id
        # The recording feature writes the interview there; a file of our own proves the whole directory goes.
        media.mkdir(parents=True, exist_ok=True)
        (media / "operator-copy.webm").write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 1024)
        status, body = await api(http, "DELETE", f"/api/rooms/{room_id}", token=interviewer)
        assert status == 403, body
        status, body = await api(http, "DELETE", f"/api/rooms/{room_id}")
        assert status == 204, body
        assert not media.exists()
        for path in (f"/api/rooms/{room_id}", f"/api/rooms/{room_id}/timeline", f"/api/rooms/{room_id}/report"):
            status, body = await api(http, "GET", path)
            assert status == 404, (path, body)
        status, body = await api(http, "DELETE", f"/api/rooms/{room_id}")
        assert status == 404, body
        deleted = (await receiver.wait_for("/hr", "candidate.deleted", room_id))[0]
        assert deleted.signature_is_valid(SECRET) and set(deleted.event["data"]) == {"room_id", "deleted_at"}
        status, _ = await api(http, "DELETE", f"/api/webhooks/{subscription['id']}")
        assert status == 204

    # Not only hidden by the API: no row about the room is left in the database.
    with sqlite3.connect(f"file:{server.data_dir / 'interviews.sqlite3'}?mode=ro", uri=True) as db:
        for table, column in (("rooms", "id"), ("timeline", "room_id"), ("reports", "room_id")):
            count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column}=?", (room_id,)).fetchone()[0]
            assert count == 0, table


async def test_failed_attempts_are_retried_with_backoff_under_the_same_event_id(
    webhook_server: RunningServer, receiver: Receiver
) -> None:
    receiver.fail_first["/flaky"] = 2
    async with aiohttp.ClientSession(webhook_server.base_url) as http:
        flaky = await _subscribe(http, receiver.url("/flaky"), events=["room.created"])
        room = webhook_server.create_room(title="Flaky receiver")
        attempts = await receiver.wait_for("/flaky", "room.created", room["id"], count=3)
        assert len({a.headers["X-Interview-Event-Id"] for a in attempts}) == 1
        assert [a.headers["X-Interview-Attempt"] for a in attempts] == ["1", "2", "3"]
        assert all(a.body == attempts[0].body and a.signature_is_valid(SECRET) for a in attempts)
        # Backoff: at least half the exponential delay (0.3 s, then 0.6 s) passes between attempts.
        gaps = [b.received_at - a.received_at for a, b in zip(attempts, attempts[1:], strict=False)]
        assert gaps[0] >= 0.15 and gaps[1] >= 0.3, gaps

        event_id = attempts[0].event["id"]
        deadline = time.monotonic() + 5
        while True:
            status, log = await api(http, "GET", f"/api/webhooks/deliveries?event_id={event_id}")
            [entry] = [d for d in log["deliveries"] if d["subscription_id"] == flaky["id"]]
            if entry["status"] == "delivered" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert entry["status"] == "delivered" and entry["attempts"] == 3, entry
        assert [a["status_code"] for a in entry["attempt_log"]] == [500, 500, 204]
        assert "HTTP 500" in entry["attempt_log"][0]["error"]
        # No more attempts once acknowledged; a removed subscription gets nothing more.
        await asyncio.sleep(1.5)
        assert len(receiver.received("/flaky", "room.created", room["id"])) == 3
        status, _ = await api(http, "DELETE", f"/api/webhooks/{flaky['id']}")
        assert status == 204
        later = webhook_server.create_room(title="After unsubscribing")
        await asyncio.sleep(1.0)
        assert not receiver.received("/flaky", "room.created", later["id"])
        status, _ = await api(http, "DELETE", f"/api/webhooks/{flaky['id']}")
        assert status == 404


async def test_bad_subscriptions_and_queries_are_refused(webhook_server: RunningServer) -> None:
    room = webhook_server.create_room(title="Not an admin")
    async with aiohttp.ClientSession(webhook_server.base_url) as http:
        for body in (
            {"url": "ftp://127.0.0.1/x"},
            {"url": "not a url"},
            {"url": "http://127.0.0.1:9/x", "events": ["room.exploded"]},
            {"url": "http://127.0.0.1:9/x", "events": []},
            {"url": "http://127.0.0.1:9/x", "secret": "short"},
        ):
            status, error = await api(http, "POST", "/api/webhooks", body)
            assert status == 400 and error["error"], (body, error)
        status, _ = await api(
            http, "POST", "/api/webhooks", {"url": "http://127.0.0.1:9/x"}, token=room_token(room["interviewer_url"])
        )
        assert status == 403
        status, _ = await api(http, "GET", "/api/webhooks/deliveries", token=None)
        assert status == 401
        status, error = await api(http, "GET", "/api/webhooks/deliveries?status=lost")
        assert status == 400, error
        status, error = await api(http, "POST", "/api/webhooks/deliveries/999999/retry")
        assert status == 404, error


async def test_undelivered_events_survive_a_restart(tmp_path: Path) -> None:
    receiver = Receiver()  # not listening yet: the HR system is down
    data_dir = tmp_path / "data"
    server = start_server(data_dir, *FAST_RETRIES)
    try:
        async with aiohttp.ClientSession(server.base_url) as http:
            await _subscribe(http, receiver.url("/hr"), events=["room.created"])
            room = server.create_room(title="Enqueued while the receiver is down")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                _, log = await api(http, "GET", "/api/webhooks/deliveries")
                if log["deliveries"] and log["deliveries"][0]["attempts"] >= 1:
                    break
                await asyncio.sleep(0.1)
            [entry] = log["deliveries"]
            assert entry["status"] == "pending" and entry["last_error"], entry
    finally:
        stop_server(server)

    await receiver.start()
    server = start_server(data_dir, *FAST_RETRIES)
    try:
        [delivery] = await receiver.wait_for("/hr", "room.created", room["id"])
        assert delivery.event["id"] == entry["event_id"] and delivery.signature_is_valid(SECRET)
        assert int(delivery.headers["X-Interview-Attempt"]) >= 2
        async with aiohttp.ClientSession(server.base_url) as http:
            _, log = await api(http, "GET", f"/api/webhooks/deliveries?event_id={entry['event_id']}")
        assert log["deliveries"][0]["status"] == "delivered"
        assert len(log["deliveries"][0]["attempt_log"]) == log["deliveries"][0]["attempts"]
    finally:
        stop_server(server)
        await receiver.stop()
    assert "Traceback" not in server.log(), server.log()
