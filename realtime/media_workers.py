"""Media workers: the node's interviews spread over one worker process per core (realtime/media_worker.py).

Why: one Python process carries the per-packet WebRTC work of every candidate on one GIL; at 8 candidates its
event loop ran ~95 ms late while a core sat idle. Each worker owns the peers, pipelines and recorders of the
interviews it was given; this process keeps everything else (HTTP, store, bus, timelines, reports), so a room's
observations are stored and fanned out exactly as with in-process sessions (realtime/media_host.py).

An interview stays on its worker for its life. A worker that dies takes its sessions' media with it, never what
was already analysed (the observations were forwarded as they were made): its candidates show as disconnected,
their pages reconnect, and the reconnect opens the session again on a live worker, with the same media-time
origin. A replacement worker is started at once. The same split works with several nodes: a node owns a room
(server/cluster.py), and inside the node a worker owns its media.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from analyzers.base import Marker
from realtime import media_worker
from realtime.loop_monitor import NodeLoad
from realtime.media_host import RtcConfigSource, SessionSpec
from realtime.media_worker import WorkerSpec
from realtime.pipeline import ObservationSink
from realtime.session import ConnectionListener
from rooms import errors
from rooms.errors import Unavailable
from rooms.model import Observation

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 180.0  # loading and warming the models (the speech model's children too) on a busy machine
CALL_TIMEOUT_S = 30.0  # an offer's answer gathers host candidates: well under a second when healthy
CLOSE_TIMEOUT_S = 120.0  # a close waits for the pipeline's final flush (bounded by the pipeline itself)
STOP_TIMEOUT_S = 15.0
SpecFactory = Callable[[int, Path], WorkerSpec]  # (worker index, its socket) -> the spec it starts with


class WorkerGone(Exception):
    """The worker process ended (crashed or was killed) while a call was in flight."""


class _Worker:
    """This process's handle on one worker: its process, the call client, the event reader."""

    def __init__(self, pool: MediaWorkers, spec: WorkerSpec) -> None:
        self._pool = pool
        self.spec = spec
        self.process = multiprocessing.get_context("spawn").Process(
            target=media_worker.run, args=(spec,), name=f"media-worker-{spec.index}"
        )
        self.sessions: dict[str, RemoteSession] = {}
        self.load: NodeLoad | None = None
        self.alive = False
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process.start()
        self._http = aiohttp.ClientSession(
            connector=aiohttp.UnixConnector(path=str(self.spec.socket_path)),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),  # calls set their own; events never end
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if not self.process.is_alive():
                raise RuntimeError(f"media worker {self.spec.index} exited at start (code {self.process.exitcode})")
            try:
                self._ws = await self._http.ws_connect("http://worker/events", heartbeat=None, max_msg_size=0)
                break
            except (aiohttp.ClientConnectionError, FileNotFoundError):
                if time.monotonic() > deadline:
                    message = f"media worker {self.spec.index} not ready after {READY_TIMEOUT_S:.0f} s"
                    raise RuntimeError(message) from None
                await asyncio.sleep(0.2)
        self.alive = True
        self._reader = asyncio.create_task(self._read_events(), name=f"media-worker-{self.spec.index}-events")

    async def call(self, op: str, room_id: str, *args: Any) -> Any:
        if not self.alive or self._http is None:
            raise WorkerGone(f"media worker {self.spec.index} is gone")
        body = pickle.dumps((op, room_id, args), protocol=pickle.HIGHEST_PROTOCOL)
        timeout = aiohttp.ClientTimeout(total=CLOSE_TIMEOUT_S if op == "close" else CALL_TIMEOUT_S)
        try:
            async with self._http.post("http://worker/call", data=body, timeout=timeout) as response:
                reply = pickle.loads(await response.read())
        except (TimeoutError, aiohttp.ClientError) as exc:
            if not self.process.is_alive():
                raise WorkerGone(f"media worker {self.spec.index} is gone") from exc
            raise
        if reply[0] == "ok":
            return reply[1]
        _, kind, message, retry_after_s = reply
        raise _domain_error(kind, message, retry_after_s)

    async def _read_events(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                if message.type is not aiohttp.WSMsgType.BINARY:
                    break
                self._dispatch(pickle.loads(message.data))
        except Exception:
            log.exception("media worker %d: reading its events failed", self.spec.index)
        finally:
            self.alive = False
            self._pool.lost(self)

    def _dispatch(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "status":
            _, self.load, viewers = message
            for room_id, count in viewers.items():
                session = self.sessions.get(room_id)
                if session is not None:
                    session.viewers = count
            return
        session = self.sessions.get(message[1])
        if session is None:
            return
        if kind == "observations":
            session.deliver(message[2])
        elif kind == "connection":
            session.set_connected(message[2])
        elif kind == "closed":
            session.set_closed()
        elif kind == "finished":
            self.sessions.pop(session.room_id, None)
            session.set_finished()

    async def stop(self) -> None:
        """Close the event connection (the worker then closes its sessions and exits), then reap the process."""
        self.alive = False
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.process.join, STOP_TIMEOUT_S)
        if self.process.is_alive():
            log.warning("media worker %d did not stop in %.0f s; killing it", self.spec.index, STOP_TIMEOUT_S)
            self.process.kill()
            await loop.run_in_executor(None, self.process.join, 5.0)


def _domain_error(kind: str, message: str, retry_after_s: int | None) -> Exception:
    error = getattr(errors, kind, None) if kind else None
    if isinstance(error, type) and issubclass(error, errors.Unavailable):
        return error(message, retry_after_s=retry_after_s or 5)
    if isinstance(error, type) and issubclass(error, errors.DomainError):
        return error(message)
    return RuntimeError(f"media worker: {message}")


class MediaWorkers:
    """The node's media workers, and the `MediaHost` that opens each interview on the least busy one."""

    def __init__(self, count: int, spec_for: SpecFactory) -> None:
        self._count = count
        self._spec_for = spec_for
        # Unix socket paths are limited to ~107 bytes, too few for a deep data directory: a private temp folder.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="interview-media-"))
        self._workers: list[_Worker] = []
        self._restarts: set[asyncio.Task[None]] = set()
        self._closing = False

    async def start(self) -> None:
        """Start every worker and wait until each has warmed its models (in parallel: one per core)."""
        self._workers = [self._new_worker(i) for i in range(self._count)]
        await asyncio.gather(*(w.start() for w in self._workers))
        log.info("%d media workers ready", self._count)

    def _new_worker(self, index: int) -> _Worker:
        return _Worker(self, self._spec_for(index, self._socket_dir / f"worker-{index}.sock"))

    def least_busy(self) -> _Worker:
        """The live worker with the fewest sessions (an interview stays on the worker it opened on)."""
        alive = [w for w in self._workers if w.alive]
        if not alive:
            raise Unavailable("the media workers are restarting; try again in a few seconds", retry_after_s=5)
        return min(alive, key=lambda w: (len(w.sessions), w.spec.index))

    async def open(
        self, spec: SessionSpec, rtc_config: RtcConfigSource, sink: ObservationSink, on_connection: ConnectionListener
    ) -> RemoteSession:
        session = RemoteSession(self, spec, rtc_config, sink, on_connection)
        await session.open_on(self.least_busy())
        return session

    def load(self) -> NodeLoad | None:
        loads = [w.load for w in self._workers if w.alive and w.load is not None]
        if not loads:
            return None
        total = loads[0]
        for load in loads[1:]:
            total = total.combined(load)
        return total

    def lost(self, worker: _Worker) -> None:
        """A worker's event stream ended: its sessions lost their media; start a replacement."""
        sessions, worker.sessions = list(worker.sessions.values()), {}
        for session in sessions:
            session.worker_lost()
        if self._closing:
            return
        log.error(
            "media worker %d ended (exit code %s); %d interviews lost their media and will reconnect",
            worker.spec.index,
            worker.process.exitcode,
            len(sessions),
        )
        task = asyncio.create_task(self._replace(worker), name=f"restart-media-worker-{worker.spec.index}")
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _replace(self, worker: _Worker) -> None:
        await worker.stop()
        replacement = self._new_worker(worker.spec.index)
        self._workers[self._workers.index(worker)] = replacement
        try:
            await replacement.start()
        except Exception:
            log.exception("media worker %d could not be restarted", worker.spec.index)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._restarts):
            task.cancel()
        await asyncio.gather(*self._restarts, return_exceptions=True)
        await asyncio.gather(*(w.stop() for w in self._workers), return_exceptions=True)
        shutil.rmtree(self._socket_dir, ignore_errors=True)


class RemoteSession:
    """A live interview whose media a worker handles, driven like an in-process InterviewSession."""

    def __init__(
        self,
        pool: MediaWorkers,
        spec: SessionSpec,
        rtc_config: RtcConfigSource,
        sink: ObservationSink,
        on_connection: ConnectionListener,
    ) -> None:
        self.room_id = spec.room_id
        self._pool = pool
        self._spec = spec
        self._rtc_config = rtc_config
        self._sink = sink
        self._on_connection = on_connection
        self._worker: _Worker | None = None
        self._marks: asyncio.Task[None] | None = None  # markers go out one after another, in order
        self._closed = asyncio.Event()  # the worker's close is done and everything it produced has arrived
        self._finished = asyncio.Event()
        self._connected = False
        self.viewers = 0  # as the worker last reported (once a second)

    async def open_on(self, worker: _Worker) -> None:
        await worker.call("open", self.room_id, self._spec)
        worker.sessions[self.room_id] = self
        self._worker = worker
        self._closed.clear()
        self._finished.clear()

    @property
    def candidate_connected(self) -> bool:
        return self._connected

    @property
    def viewer_count(self) -> int:
        return self.viewers

    async def connect_candidate(self, offer_sdp: str) -> str:
        if self._worker is None or not self._worker.alive:
            # Its worker died: the candidate's reconnect opens the session again, on a live worker.
            await self.open_on(self._pool.least_busy())
        assert self._worker is not None
        return await self._worker.call("candidate", self.room_id, offer_sdp, self._rtc_config())

    async def add_viewer(self, offer_sdp: str, viewer: str = "") -> str:
        if self._worker is None or not self._worker.alive:
            raise errors.Conflict("the candidate is not streaming yet")
        return await self._worker.call("viewer", self.room_id, offer_sdp, viewer, self._rtc_config())

    def mark(self, marker: Marker) -> None:
        previous, worker = self._marks, self._worker
        if worker is None:
            return

        async def send() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                await worker.call("mark", self.room_id, marker)
            except Exception as exc:  # the marker is in the timeline already; only the analyzers miss it
                log.warning("room %s: marker %s did not reach its media worker: %r", self.room_id, marker.name, exc)

        self._marks = asyncio.create_task(send(), name=f"mark-{self.room_id}")

    async def close(self) -> None:
        if self._marks is not None:
            await asyncio.gather(self._marks, return_exceptions=True)
        worker = self._worker
        if worker is None or not worker.alive:
            self._finished.set()
            return
        try:
            await worker.call("close", self.room_id)
            # The final observations travel on the event stream, behind the worker's "closed": wait for it (bounded:
            # a worker too far behind to send it must not hold the interview's end).
            await asyncio.wait_for(self._closed.wait(), CALL_TIMEOUT_S)
        except WorkerGone:
            self._finished.set()
        except TimeoutError:
            log.error("room %s: its media worker closed it but its final observations did not follow", self.room_id)
        self.set_connected(False)

    async def finished(self) -> None:
        """Every observation of this session has arrived (the transcript's tail included)."""
        await self._finished.wait()

    # Called by the worker's event reader.
    def deliver(self, observations: list[Observation]) -> None:
        try:
            self._sink(observations)
        except Exception:
            log.exception("room %s: storing observations from its media worker failed", self.room_id)

    def set_connected(self, connected: bool) -> None:
        if connected != self._connected:
            self._connected = connected
            self._on_connection(connected)

    def set_closed(self) -> None:
        self._closed.set()

    def set_finished(self) -> None:
        self._closed.set()
        self._finished.set()

    def worker_lost(self) -> None:
        self.viewers = 0  # their connections were the worker's
        self.set_connected(False)
        self._worker = None
        self._closed.set()
        self._finished.set()
