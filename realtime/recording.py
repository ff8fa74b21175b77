"""Records each candidate's audio and video on the server while the interview runs, and joins it at the end.

`InterviewRecorder` takes one more subscription to the candidate's tracks (through the session's MediaRelay)
and never slows analysis down:
- one reader task per track (realtime/track_reader.py, shared with analysis) drains it continuously (aiortc's
  queues stay empty) and only samples and hands frames over; it never awaits encoding;
- the hand-off is bounded: when encoding falls behind, video frames are dropped (counted) and audio beyond
  a few seconds is lost (counted; the join fills it with silence), never queued without bound;
- encoding and file writing run on the recordings' own threads, which run at a lower CPU priority
  than analysis, so under load the recording gives way first.

`Recordings` is the node's recording service: it makes recorders, joins finished recordings in the
background, and after a restart joins what a killed server left behind.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiortc.mediastreams import MediaStreamTrack

from realtime.recording_files import RoomMedia, room_directories
from realtime.recording_join import JoinResult, join_segments
from realtime.recording_segments import RecordingConfig, SegmentWriter
from realtime.track_reader import start_reader

log = logging.getLogger(__name__)

AUDIO_BACKLOG_FRAMES = 150  # 3 s of 20 ms frames
VIDEO_BACKLOG_S = 2.0
WRITE_BATCH_S = 0.25  # well inside both backlogs
_RECORDING_NICE = 10  # recording threads yield the CPU to analysis under load


@dataclass(frozen=True, slots=True)
class _Pending:
    kind: str  # "video" | "audio" | "split-video" | "split-audio"
    frame: object | None
    t: float


class InterviewRecorder:
    """One interview's recording on this node; it outlives the candidate's peer connections (reconnects)."""

    def __init__(
        self, room_id: str, origin: float, writer: SegmentWriter, config: RecordingConfig, executor: ThreadPoolExecutor
    ) -> None:
        self.room_id = room_id
        self._origin = origin
        self._writer = writer
        self._config = config
        self._executor = executor
        self._pending: deque[_Pending] = deque()
        self._pending_video = 0
        self._pending_audio = 0
        self._video_backlog = max(2, round(config.fps * VIDEO_BACKLOG_S))
        self._ready = asyncio.Event()
        self._readers: dict[str, tuple[asyncio.Task[None], MediaStreamTrack]] = {}
        self._closed = False
        self._worker = asyncio.create_task(self._write_loop(), name=f"recording-{room_id}")
        # Counters, for health and the bench.
        self.video_frames_dropped = 0  # encoding fell behind
        self.audio_frames_lost = 0
        self.video_frames_queued = 0
        self.audio_frames_queued = 0

    def attach(self, track: MediaStreamTrack) -> None:
        """Record a track; a new track of the same kind (a reconnect) replaces the old one in a new segment."""
        previous = self._readers.pop(track.kind, None)
        if previous is not None:
            previous[0].cancel()
            previous[1].stop()  # unsubscribe from the relay, or it keeps queueing frames for nobody
            self._enqueue(_Pending(f"split-{track.kind}", None, 0.0))
        what = f"the {track.kind} recording reader of room {self.room_id}"
        if track.kind == "video":
            task = start_reader(track, self._origin, self._take_video, what, rate_hz=self._config.fps)
        else:
            task = start_reader(track, self._origin, self._take_audio, what)
        self._readers[track.kind] = (task, track)

    def _take_video(self, frame: object, t: float, arrival: float) -> None:
        if self._pending_video >= self._video_backlog:
            self.video_frames_dropped += 1
            return
        self._pending_video += 1
        self.video_frames_queued += 1
        self._enqueue(_Pending("video", frame, t))

    def _take_audio(self, frame: object, t: float, arrival: float) -> None:
        if self._pending_audio >= AUDIO_BACKLOG_FRAMES:
            self.audio_frames_lost += 1
            return
        self._pending_audio += 1
        self.audio_frames_queued += 1
        self._enqueue(_Pending("audio", frame, t))

    def _enqueue(self, item: _Pending) -> None:
        self._pending.append(item)
        self._ready.set()

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._pending and not self._closed:
                self._ready.clear()
                await self._ready.wait()
            if not self._pending:
                return
            if not self._closed:
                # Fewer, larger hand-offs: a thread round trip per 20 ms audio frame cost more than encoding it.
                await asyncio.sleep(WRITE_BATCH_S)
            batch = list(self._pending)
            self._pending.clear()
            try:
                await loop.run_in_executor(self._executor, self._write, batch)
            except Exception:  # contained: a recording problem must never reach the interview
                log.exception("recording room %s failed", self.room_id)
            finally:
                self._pending_video -= sum(1 for item in batch if item.kind == "video")
                self._pending_audio -= sum(1 for item in batch if item.kind == "audio")

    def _write(self, batch: list[_Pending]) -> None:
        for item in batch:
            if item.kind.startswith("split-"):
                self._writer.split(item.kind[6:])
            else:
                self._writer.write(item.kind, item.frame, item.t)  # type: ignore[arg-type]

    @property
    def video_frames_written(self) -> int:
        return self._writer.video.frames

    async def close(self) -> None:
        """Stop reading, write what is queued, and finish the last segments."""
        for task, track in self._readers.values():
            task.cancel()
            track.stop()
        await asyncio.gather(*(task for task, _ in self._readers.values()), return_exceptions=True)
        self._readers.clear()
        self._closed = True
        self._ready.set()
        await asyncio.gather(self._worker, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._executor, self._writer.close)
        if self.video_frames_dropped or self.audio_frames_lost:
            log.warning(
                "room %s recording dropped %d video frames and lost %d audio frames (encoding fell behind)",
                self.room_id,
                self.video_frames_dropped,
                self.audio_frames_lost,
            )


class RecordingState(StrEnum):
    NONE = "none"  # nothing recorded
    RECORDING = "recording"  # segments, not joined yet (live, or waiting for the join)
    JOINING = "joining"
    READY = "ready"


class Recordings:
    """The node's recordings under `root` (one directory per room): recorders, joins, recovery."""

    def __init__(
        self,
        root: Path,
        config: RecordingConfig,
        threads: int = 2,
        on_joined: Callable[[str], Awaitable[object]] | None = None,
    ) -> None:
        self.root = root
        self.config = config
        # Called after each successful join, inside the join's task (a deletion waits for it): the server
        # encrypts the joined file there once the interview has ended (server/recording_vault.py).
        self.on_joined = on_joined
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="recording", initializer=_lower_thread_priority
        )
        self._joins: dict[str, asyncio.Task[JoinResult | None]] = {}

    def media(self, room_id: str) -> RoomMedia:
        return RoomMedia(self.root, room_id)

    def recorder(self, room_id: str, origin: float) -> InterviewRecorder | None:
        """A recorder for a starting (or resumed) interview; None when recording is off."""
        if not self.config.enabled:
            return None
        writer = SegmentWriter(self.media(room_id), self.config)
        return InterviewRecorder(room_id, origin, writer, self.config, self._executor)

    def join(self, room_id: str, after: Awaitable[object] | None = None) -> asyncio.Task[JoinResult | None]:
        """Join the room's segments in the background, after any join of it already running and after `after`
        (the interview's session finishing: its recorder writes the last segments in the background)."""
        previous = self._joins.get(room_id)
        task = asyncio.create_task(self._join(room_id, previous, after), name=f"join-recording-{room_id}")
        self._joins[room_id] = task
        task.add_done_callback(lambda done: self._forget_join(room_id, done))
        return task

    def _forget_join(self, room_id: str, task: asyncio.Task[JoinResult | None]) -> None:
        if self._joins.get(room_id) is task:
            del self._joins[room_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("recording of room %s not joined", room_id, exc_info=task.exception())

    async def _join(
        self, room_id: str, previous: asyncio.Task[JoinResult | None] | None, after: Awaitable[object] | None = None
    ) -> JoinResult | None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        if after is not None:
            await asyncio.wait([asyncio.ensure_future(after)])  # never cancels it, never raises its error
        media = self.media(room_id)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._executor, join_segments, media)
        joined = result is not None or await loop.run_in_executor(None, media.recording.exists)
        if self.on_joined is not None and joined:
            await self.on_joined(room_id)
        if result is not None:
            log.info(
                "recording of room %s joined: %.1f s, %d video and %d audio packets, %.1f s of silence filled",
                room_id,
                result.duration_s,
                result.video_packets,
                result.audio_packets,
                result.silence_filled_s,
            )
        return result

    async def recover(self) -> list[str]:
        """At start-up: keep what a killed server was writing, and join every recording that needs it."""
        rooms = await asyncio.get_running_loop().run_in_executor(self._executor, self._rooms_to_join)
        for room_id in rooms:
            self.join(room_id)
        return rooms

    def _rooms_to_join(self) -> list[str]:
        rooms = []
        for room_id in room_directories(self.root):
            media = self.media(room_id)
            sealed = media.seal_torn_segments()
            if sealed:
                log.info("room %s: kept %d segments a stopped server was writing", room_id, sealed)
            if media.needs_join():
                rooms.append(room_id)
        return rooms

    async def state(self, room_id: str) -> RecordingState:
        task = self._joins.get(room_id)
        if task is not None and not task.done():
            return RecordingState.JOINING
        media = self.media(room_id)
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, media.recording.exists) or await loop.run_in_executor(
            None, media.sealed.exists
        ):
            return RecordingState.READY
        if await loop.run_in_executor(None, media.segments_dir.is_dir):
            return RecordingState.RECORDING
        return RecordingState.NONE

    async def close(self) -> None:
        """Shutdown: let running joins finish (an interrupted one is redone at the next start)."""
        await asyncio.gather(*self._joins.values(), return_exceptions=True)
        self._executor.shutdown(wait=True)


def _lower_thread_priority() -> None:
    # On Linux a thread has its own nice value: analysis keeps the CPU when both want it.
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _RECORDING_NICE)
    except (AttributeError, OSError):
        pass
