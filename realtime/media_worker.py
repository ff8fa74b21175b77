"""A media worker process: the interviews the server hands it, each with its peer, pipeline and recorder.

One worker per core (realtime/media_workers.py starts them): the per-packet WebRTC work (RTP, SRTP, jitter
buffers, decoding) and the analysis glue of an interview run in its worker's interpreter, so ten candidates are
not serialised behind one GIL. A worker knows nothing of rooms, stores or HTTP clients: it serves its parent on a
Unix socket in the data directory (owner-only, like every file there):
- `POST /call`: one pickled call (`open`, `candidate`, `viewer`, `mark`, `close`), one pickled result;
- `GET /events`: a WebSocket on which the worker sends, in order, every observation of its sessions, each change
  of a candidate's connection, a session's end of close and of its tail, and once a second its own load and its
  sessions' viewer counts.
Pickle is safe here: both ends are the same code, and the socket is the server user's alone.

A worker lives as long as its parent: it exits when the parent's event connection closes or the parent dies
(a killed server leaves no orphaned worker holding ports and models).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from aiortc import RTCConfiguration

from realtime.engine import AnalysisEngine
from realtime.ice import restricted_host_addresses
from realtime.loop_monitor import NodeMonitor
from realtime.media_host import LocalMedia, SessionSpec
from realtime.pipeline import PipelineConfig
from realtime.recording import RecordingConfig, Recordings
from realtime.session import InterviewSession
from rooms.errors import DomainError, InvalidInput, NotFound
from rooms.model import Observation

log = logging.getLogger(__name__)

STATUS_EVERY_S = 1.0
# Messages waiting for the parent. The parent reads a local socket as they come; reaching this means it stopped
# reading, and the worker's memory must not grow for it (counted in the log).
MAX_PENDING_EVENTS = 20_000


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """Everything a worker needs, sent to it once at start (pickled: plain data and importable functions)."""

    index: int
    socket_path: Path
    engine_factory: Callable[[], AnalysisEngine]
    pipeline_config: PipelineConfig
    recordings_root: Path
    recording_config: RecordingConfig
    ice_hosts: tuple[str, ...]
    parent_pid: int
    configure_logging: Callable[[], None] | None = None


def run(spec: WorkerSpec) -> None:
    """The worker process's entry point."""
    # Ctrl-C reaches the whole process group, and a service manager's stop may SIGTERM every process of the
    # service: the parent decides when its workers stop (it drains live interviews first), so both are ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if spec.configure_logging is not None:
        spec.configure_logging()
    asyncio.run(_serve(spec))


async def _serve(spec: WorkerSpec) -> None:
    with restricted_host_addresses(spec.ice_hosts):
        engine = spec.engine_factory()
        await engine.start()
        recordings = Recordings(spec.recordings_root, spec.recording_config) if spec.recording_config.enabled else None
        worker = MediaWorker(LocalMedia(engine, spec.pipeline_config, recordings))
        runner = web.AppRunner(worker.app(), access_log=None, handle_signals=False)
        await runner.setup()
        with contextlib.suppress(FileNotFoundError):
            spec.socket_path.unlink()
        await web.UnixSite(runner, str(spec.socket_path)).start()
        log.info("media worker %d ready (pid %d)", spec.index, os.getpid())
        watch_parent = asyncio.create_task(_exit_with_parent(spec.parent_pid, worker.stop))
        try:
            await worker.stopped.wait()
        finally:
            watch_parent.cancel()
            await worker.close()
            await runner.cleanup()
            if recordings is not None:
                await recordings.close()
            engine.close()
            with contextlib.suppress(FileNotFoundError):
                spec.socket_path.unlink()
            log.info("media worker %d stopped", spec.index)


async def _exit_with_parent(parent_pid: int, stop: Callable[[], None]) -> None:
    while os.getppid() == parent_pid:
        await asyncio.sleep(1.0)
    log.warning("media worker: the server (pid %d) is gone; stopping", parent_pid)
    stop()


class MediaWorker:
    """The sessions of one worker and the two endpoints its parent uses."""

    def __init__(self, media: LocalMedia) -> None:
        self._media = media
        self._sessions: dict[str, InterviewSession] = {}
        self._rtc: dict[str, RTCConfiguration] = {}  # the latest configuration the parent sent, per session
        self._events: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue(MAX_PENDING_EVENTS)
        self._events_lost = 0
        self._monitor = NodeMonitor()
        self._tails: set[asyncio.Task[None]] = set()
        self.stopped = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/call", self._call)
        app.router.add_get("/events", self._stream_events)
        return app

    def stop(self) -> None:
        self.stopped.set()

    def _send(self, *message: Any) -> None:
        try:
            self._events.put_nowait(message)
        except asyncio.QueueFull:
            self._events_lost += 1
            if self._events_lost in (1, 10, 100) or self._events_lost % 1000 == 0:
                log.error("media worker: the server is not reading events; %d lost", self._events_lost)

    async def _call(self, request: web.Request) -> web.Response:
        op, room_id, args = pickle.loads(await request.read())
        try:
            result: Any = await self._dispatch(op, room_id, *args)
            reply: tuple[Any, ...] = ("ok", result)
        except DomainError as exc:  # the parent raises it again, as if the session were its own
            reply = ("error", type(exc).__name__, str(exc), getattr(exc, "retry_after_s", None))
        except Exception as exc:
            log.exception("media worker call %s for room %s failed", op, room_id)
            reply = ("error", "", f"{type(exc).__name__}: {exc}", None)
        return web.Response(body=pickle.dumps(reply), content_type="application/octet-stream")

    async def _dispatch(self, op: str, room_id: str, *args: Any) -> Any:
        if op == "open":
            (spec,) = args
            await self._open(spec)
            return None
        session = self._sessions.get(room_id)
        if session is None:
            raise NotFound("this media worker has no such session")
        if op == "candidate":
            offer_sdp, rtc = args
            self._rtc[room_id] = rtc
            return await session.connect_candidate(offer_sdp)
        if op == "viewer":
            offer_sdp, viewer, rtc = args
            self._rtc[room_id] = rtc
            return await session.add_viewer(offer_sdp, viewer)
        if op == "mark":
            (marker,) = args
            session.mark(marker)
            return None
        if op == "close":
            await self._close(room_id, session)
            return None
        raise InvalidInput(f"unknown media worker call {op!r}")

    async def _open(self, spec: SessionSpec) -> None:
        previous = self._sessions.pop(spec.room_id, None)
        if previous is not None:  # the parent lost track of it (it restarted its bookkeeping): start clean
            await previous.close()
        room_id = spec.room_id

        def sink(observations: list[Observation]) -> None:
            self._send("observations", room_id, observations)

        def on_connection(connected: bool) -> None:
            self._send("connection", room_id, connected)

        self._sessions[room_id] = await self._media.open(spec, lambda: self._rtc[room_id], sink, on_connection)

    async def _close(self, room_id: str, session: InterviewSession) -> None:
        self._sessions.pop(room_id, None)
        self._rtc.pop(room_id, None)
        await session.close()
        # On the event stream, after every observation the close produced: the parent's close returns on this,
        # not on the call's reply, which travels on another connection and could overtake them.
        self._send("closed", room_id)
        # What the session still finishes after its bounded close (the transcript's backlog, the recording's last
        # segments) keeps flowing to the parent, which hears when the last of it is out.

        async def tail() -> None:
            try:
                await session.finished()
            finally:
                self._send("finished", room_id)

        task = asyncio.create_task(tail(), name=f"tail-{room_id}")
        self._tails.add(task)
        task.add_done_callback(self._tails.discard)

    async def _stream_events(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        status = asyncio.create_task(self._report_status(), name="worker-status")
        sender = asyncio.create_task(self._send_events(ws), name="worker-events")
        try:
            async for message in ws:  # the parent sends nothing: this ends when it closes the stream or goes away
                if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            status.cancel()
            sender.cancel()
            await asyncio.gather(status, sender, return_exceptions=True)
            # The parent's only connection: without it nobody would store what this worker analyses.
            self.stop()
        return ws

    async def _send_events(self, ws: web.WebSocketResponse) -> None:
        try:
            while True:
                message = await self._events.get()
                await ws.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        except ConnectionError:
            pass
        except Exception:
            log.exception("media worker: sending events to the server failed")
        await ws.close()  # not sending means nothing is stored: end the stream, and with it this worker

    async def _report_status(self) -> None:
        self._monitor.start()
        try:
            while True:
                await asyncio.sleep(STATUS_EVERY_S)
                # The connection state travels as it changes ("connection"); viewers come and go unannounced.
                viewers = {room_id: s.viewer_count for room_id, s in self._sessions.items()}
                self._send("status", self._monitor.own_load(), viewers)
        finally:
            await self._monitor.stop()

    async def close(self) -> None:
        """Stop: close every session (their final observations go out if the parent still listens)."""
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        for task in list(self._tails):
            task.cancel()
        await asyncio.gather(*self._tails, return_exceptions=True)
