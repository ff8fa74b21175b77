"""The interview lifecycle on this node: create, connect, watch, end, report."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable

from aiortc import RTCConfiguration

from analyzers.base import Marker
from realtime.engine import AnalysisEngine
from realtime.pipeline import InterviewPipeline, PipelineConfig
from realtime.session import InterviewSession
from rooms.bus import EventBus
from rooms.errors import Conflict, NotFound, Unavailable
from rooms.model import Observation, ObservationType, Room, RoomStatus
from rooms.recorder import TimelineRecorder
from rooms.report import build_report
from rooms.store import RoomStore
from server.node_health import NodeMonitor

log = logging.getLogger(__name__)


class Admission:
    """Turns new interviews away before they would degrade the ones already running.

    Two limits: a configured number of live interviews (what the benchmark showed this node carries), and
    measured overload (the event loop running late), which catches what the count cannot: a slower machine,
    a noisy neighbour, a heavier mix of work.
    """

    def __init__(self, max_interviews: int, monitor: NodeMonitor, max_loop_lag_ms: float = 50.0) -> None:
        self.max_interviews = max_interviews
        self._monitor = monitor
        self._max_loop_lag_ms = max_loop_lag_ms

    def check(self, live_interviews: int) -> None:
        if live_interviews >= self.max_interviews:
            raise Unavailable(
                f"this server is at capacity ({self.max_interviews} live interviews); "
                "try again shortly or join through another node",
                retry_after_s=15,
            )
        # The mean over the monitor's window: a start-up or GC pause is no reason to turn a candidate away.
        lag = self._monitor.load().loop_lag_mean_ms
        if lag > self._max_loop_lag_ms:
            raise Unavailable(f"this server is overloaded (event loop {lag:.0f} ms late); try again shortly")


class Interviews:
    def __init__(
        self,
        store: RoomStore,
        bus: EventBus,
        engine: AnalysisEngine,
        rtc_config: Callable[[], RTCConfiguration],
        pipeline_config: PipelineConfig,
        admission: Admission,
        emotion_inference: bool = False,
    ) -> None:
        self._store = store
        self._bus = bus
        self._engine = engine
        self._rtc_config = rtc_config
        self._pipeline_config = pipeline_config
        self._admission = admission
        self._emotion_inference = emotion_inference
        self._sessions: dict[str, InterviewSession] = {}
        self._recorders: dict[str, TimelineRecorder] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._report_tasks: set[asyncio.Task[None]] = set()

    @property
    def sessions(self) -> dict[str, InterviewSession]:
        return self._sessions

    async def create(self, title: str, candidate_name: str) -> Room:
        room = Room(id=secrets.token_urlsafe(9), title=title, candidate_name=candidate_name, created_at=time.time())
        await self._store.create_room(room)
        return room

    async def get(self, room_id: str) -> Room:
        room = await self._store.get_room(room_id)
        if room is None:
            raise NotFound("unknown room")
        return room

    async def candidate_offer(self, room_id: str, offer_sdp: str) -> str:
        async with self._locks[room_id]:
            room = await self.get(room_id)
            if room.status is RoomStatus.ENDED:
                raise Conflict("the interview has ended")
            session = self._sessions.get(room_id)
            if session is None:
                # Only new interviews are turned away: a reconnect is already counted and must get back in.
                self._admission.check(len(self._sessions))
                if room.started_at is None:
                    room.started_at = time.time()
                session = await self._open_session(room)
            answer = await session.connect_candidate(offer_sdp)
            if room.status is RoomStatus.WAITING:
                room.status = RoomStatus.LIVE
                room.version += 1
                await self._store.save_room(room)
                self._publish_status(room, "room_status", room.status.value)
            return answer

    async def _open_session(self, room: Room) -> InterviewSession:
        assert room.started_at is not None
        analyzer_sessions = await self._engine.open_sessions(room.id)
        recorder = TimelineRecorder(self._store, room.id)
        self._recorders[room.id] = recorder

        def sink(observations: list[Observation]) -> None:
            self._bus.publish(room.id, observations)
            recorder.add(observations)

        pipeline = InterviewPipeline(
            room.id, room.started_at, self._engine, analyzer_sessions, sink, self._pipeline_config
        )
        session = InterviewSession(
            room.id,
            pipeline,
            self._rtc_config,
            on_candidate_connection=lambda up: self._publish_status(room, "candidate_connected", up),
        )
        self._sessions[room.id] = session
        return session

    async def viewer_offer(self, room_id: str, offer_sdp: str) -> str:
        await self.get(room_id)
        session = self._sessions.get(room_id)
        if session is None:
            raise Conflict("the candidate is not streaming yet")
        return await session.add_viewer(offer_sdp)

    async def mark(self, room_id: str, name: str, label: str | None) -> Observation:
        """Record a script marker (a question's start or end) now, on the interview's media time."""
        room = await self.get(room_id)
        session = self._sessions.get(room_id)
        if room.status is not RoomStatus.LIVE or session is None or room.started_at is None:
            raise Conflict("the interview is not live")
        now = time.time()
        marker = Marker(name, now - room.started_at)
        session.pipeline.mark(marker)
        observation = Observation(
            ObservationType.EVENT, name, label, marker.t, now, {"label": label} if label else None
        )
        self._bus.publish(room_id, [observation])
        self._recorders[room_id].add([observation])
        return observation

    def status_snapshot(self, room: Room) -> list[Observation]:
        """What a dashboard needs on (re)connecting before live observations flow."""
        session = self._sessions.get(room.id)
        return [
            self._status(room, "room_status", room.status.value),
            self._status(room, "candidate_connected", bool(session and session.candidate_connected)),
        ]

    async def end(self, room_id: str) -> Room:
        async with self._locks[room_id]:
            room = await self.get(room_id)
            if room.status is RoomStatus.ENDED:
                return room
            await self._stop_session(room_id)
            room.status = RoomStatus.ENDED
            room.ended_at = time.time()
            room.started_at = room.started_at or room.ended_at
            room.version += 1
            await self._store.save_room(room)
            self._publish_status(room, "room_status", room.status.value)
        task = asyncio.create_task(self.write_report(room))
        self._report_tasks.add(task)
        task.add_done_callback(self._report_tasks.discard)
        return room

    async def write_report(self, room: Room) -> dict:
        timeline = await self._store.timeline(room.id)
        report = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: build_report(room, timeline, time.time(), emotion_inference=self._emotion_inference),
        )
        await self._store.save_report(room.id, report)
        log.info("report for room %s ready (%d observations)", room.id, len(timeline))
        return report

    async def recover(self) -> None:
        """After a restart: write the reports that ended rooms are missing (a crash during generation)."""
        for room in await self._store.list_rooms(limit=1000):
            if room.status is RoomStatus.ENDED and await self._store.get_report(room.id) is None:
                await self.write_report(room)

    async def _stop_session(self, room_id: str) -> None:
        session = self._sessions.pop(room_id, None)
        if session is not None:
            await session.close()
        recorder = self._recorders.pop(room_id, None)
        if recorder is not None:
            await recorder.close()

    def _publish_status(self, room: Room, name: str, value: str | bool) -> None:
        observation = self._status(room, name, value)
        self._bus.publish(room.id, [observation])
        recorder = self._recorders.get(room.id)
        if recorder is not None:
            recorder.add([observation])

    @staticmethod
    def _status(room: Room, name: str, value: str | bool) -> Observation:
        now = time.time()
        t = now - room.started_at if room.started_at else 0.0
        return Observation(ObservationType.STATUS, name, value, t, now)

    async def close(self) -> None:
        """Shutdown: stop every session and save what it analyzed; rooms stay live for a reconnect."""
        for room_id in list(self._sessions):
            await self._stop_session(room_id)
        await asyncio.gather(*self._report_tasks, return_exceptions=True)
