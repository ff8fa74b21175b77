"""Media workers (realtime/media_workers.py): interviews spread over one worker process per core, and a worker
killed mid-interview loses its candidate's media for a moment, never what was already analysed, and nobody else's.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.reconnecting import ReconnectingBot, until, watch
from tests.support.server_process import RunningServer, room_token, start_server, stop_server

pytestmark = pytest.mark.usefixtures("loopback_ice")


def media_worker_pids(server_pid: int) -> list[int]:
    """The server's children started by multiprocessing's spawn (its resource tracker is not one)."""
    children: list[int] = []
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [
        pid
        for pid in children
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "data", "--media-workers", "2", "--no-transcript", "--asr-processes", "1")
    try:
        yield running
    finally:
        stop_server(running)


async def test_killed_media_worker_loses_nothing_analysed_and_nobody_elses_media(
    server: RunningServer, bot_media: Path
) -> None:
    workers = media_worker_pids(server.process.pid)
    assert len(workers) == 2, workers
    rooms = [server.create_room(title=f"Worker {i}") for i in range(2)]
    bots, paths = [], []
    for room in rooms:
        candidate, rid = room_token(room["candidate_url"]), room["id"]
        bots.append(ReconnectingBot(bot_media, f"/api/rooms/{rid}/offer?token={candidate}", ""))
        paths.append(f"/api/rooms/{rid}/live?token={room_token(room['interviewer_url'])}")

    async with watch(server.base_url, paths[0]) as first, watch(server.base_url, paths[1]) as second:
        dashboards = (first, second)
        try:
            for bot in bots:
                await bot.connect(server.base_url)
            await until(lambda: all(len(d.after(0)) >= 20 for d in dashboards), 40, "both interviews analysed")

            os.kill(workers[0], signal.SIGKILL)
            killed = time.time()
            # The two interviews were on different workers (each new one goes to the least busy): exactly one
            # loses its candidate's connection; the other's analysis never pauses.
            await until(
                lambda: any(m["value"] is False for d in dashboards for m in d.after(killed, "candidate_connected")),
                15,
                "the killed worker's candidate shown as disconnected",
            )
            hit = next(i for i, d in enumerate(dashboards) if d.after(killed, "candidate_connected"))
            spared = dashboards[1 - hit]
            await asyncio.sleep(3)
            spared_times = [at for at, m in spared.received if m["name"] == "face_present" and at > killed - 1]
            assert spared_times and max(b - a for a, b in zip(spared_times, spared_times[1:], strict=False)) < 1.0
            assert not spared.after(killed, "candidate_connected")

            # Like the page, the candidate offers again: the session opens on the surviving worker.
            answered = await bots[hit].connect(server.base_url)
            await until(lambda: len(dashboards[hit].after(answered)) >= 10, 30, "analysis resumed")
            # A replacement worker is started at once.
            await until(lambda: len(media_worker_pids(server.process.pid)) == 2, 120, "a replacement worker")
            assert workers[0] not in media_worker_pids(server.process.pid)
        finally:
            for bot in bots:
                await bot.close()

    for room in rooms:
        token = room_token(room["interviewer_url"])
        status, _ = await asyncio.to_thread(server.request, "POST", f"/api/rooms/{room['id']}/end", token=token)
        assert status == 200
    room = rooms[hit]
    token = room_token(room["interviewer_url"])
    report, _ = await asyncio.to_thread(server.wait_for_report, room["id"], token, 30)
    status, timeline = await asyncio.to_thread(server.request, "GET", f"/api/rooms/{room['id']}/timeline")
    assert status == 200
    started = report["started_at"]
    face = [o["t"] for o in timeline["observations"] if o["name"] == "face_present"]
    before = [t for t in face if t < killed - started]
    after = [t for t in face if t > answered - started]
    # Observations reach this process as they are made: the kill loses at most the frame in flight.
    assert (killed - started) - max(before) < 1.0, (killed - started, max(before))
    assert len(before) >= 20 and len(after) >= 10, (len(before), len(after))
    # The report counts both workers' frames: what the first analysed outlived it.
    assert report["analysis"]["frames_analyzed"] == len(face)
