"""Runtime state of one live interview on this node: the candidate's peer connection, viewers, the pipeline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from analyzers.base import Marker
from realtime.pipeline import InterviewPipeline
from realtime.recording import InterviewRecorder
from realtime.sdp import add_video_bitrate_hints, offer_problem
from rooms.errors import Conflict, InvalidInput, TooManyRequests

log = logging.getLogger(__name__)

ConnectionListener = Callable[[bool], None]
# Relayed dashboards per interview, and per link (a dashboard tab reconnecting replaces its own connection).
MAX_VIEWERS = 8
MAX_VIEWERS_PER_LINK = 2


class InterviewSession:
    """Owns the candidate's peer connection (replaced on reconnect), the viewers' connections and the pipeline.

    Viewers (the interviewer's dashboard) receive the candidate's media through a MediaRelay: video
    unbuffered (a viewer that falls behind skips to the newest frame), audio buffered (it must not stutter).
    The analysis reader gets its own buffered proxy, which it drains continuously.
    """

    def __init__(
        self,
        room_id: str,
        pipeline: InterviewPipeline,
        rtc_config: Callable[[], RTCConfiguration],
        on_candidate_connection: ConnectionListener,
        recorder: InterviewRecorder | None = None,
    ) -> None:
        self.room_id = room_id
        self.pipeline = pipeline
        self._rtc_config = rtc_config
        self._on_candidate_connection = on_candidate_connection
        self.recorder = recorder  # one more relay subscription: the server-side recording
        self._candidate_pc: RTCPeerConnection | None = None
        self._relay = MediaRelay()
        self._tracks: dict[str, MediaStreamTrack] = {}
        self._viewers: dict[RTCPeerConnection, str] = {}  # connection -> the key of the link it came with
        self.candidate_connected = False
        self.reconnects = 0
        self._recorder_closed: asyncio.Task[None] | None = None

    async def connect_candidate(self, offer_sdp: str) -> str:
        """Answer the candidate's offer; a new offer replaces the previous connection (a reconnect)."""
        pc = RTCPeerConnection(self._rtc_config())
        try:
            await _apply_offer(pc, offer_sdp)
        except InvalidInput:
            await pc.close()
            raise
        if not any(t.kind in ("audio", "video") for t in pc.getTransceivers()):
            await pc.close()
            raise InvalidInput("the offer carries no audio or video")

        previous, self._candidate_pc = self._candidate_pc, pc
        if previous is not None:
            self.reconnects += 1
            await self._close_viewers()  # their relayed tracks end with the old connection
            await previous.close()
        self._relay = MediaRelay()
        self._tracks = {}

        for transceiver in pc.getTransceivers():
            track = transceiver.receiver.track
            if track is not None and track.kind in ("audio", "video"):
                self._tracks[track.kind] = track
                self.pipeline.attach(self._relay.subscribe(track, buffered=True))
                if self.recorder is not None:
                    self.recorder.attach(self._relay.subscribe(track, buffered=True))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc is not self._candidate_pc:
                return
            log.info("room %s candidate connection %s", self.room_id, pc.connectionState)
            self._set_connected(pc.connectionState == "connected")
            if pc.connectionState == "failed":
                await pc.close()

        return await _answer(pc)

    async def add_viewer(self, offer_sdp: str, viewer: str = "") -> str:
        """Answer a dashboard's receive-only offer with the candidate's relayed media.

        Each relayed viewer costs an encoder: at most MAX_VIEWERS per interview and MAX_VIEWERS_PER_LINK per
        `viewer` (a link's key); a dashboard reconnecting replaces its oldest connection rather than adding one.
        """
        if not self._tracks or not self.candidate_connected:
            raise Conflict("the candidate is not streaming yet")
        mine = [pc for pc, who in self._viewers.items() if who == viewer]
        if len(mine) >= MAX_VIEWERS_PER_LINK:
            self._viewers.pop(mine[0], None)
            await mine[0].close()
        if len(self._viewers) >= MAX_VIEWERS:
            raise TooManyRequests(f"this interview already has {MAX_VIEWERS} viewers", retry_after_s=30)
        pc = RTCPeerConnection(self._rtc_config())
        try:
            await _apply_offer(pc, offer_sdp)
        except InvalidInput:
            await pc.close()
            raise
        for kind, track in self._tracks.items():
            pc.addTrack(self._relay.subscribe(track, buffered=(kind == "audio")))
        self._viewers[pc] = viewer

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                self._viewers.pop(pc, None)
                await pc.close()

        return await _answer(pc)

    @property
    def viewer_count(self) -> int:
        return len(self._viewers)

    def mark(self, marker: Marker) -> None:
        """A script marker (a question's start or end) for the analyzers, on the interview's media time."""
        self.pipeline.mark(marker)

    def _set_connected(self, connected: bool) -> None:
        if connected != self.candidate_connected:
            self.candidate_connected = connected
            self._on_candidate_connection(connected)

    async def _close_viewers(self) -> None:
        viewers, self._viewers = list(self._viewers), {}
        await asyncio.gather(*(pc.close() for pc in viewers), return_exceptions=True)

    async def close(self) -> None:
        """End the session: close every connection, then let the pipeline flush its final observations.

        Bounded: the live lanes flush fully, speech recognition gets the pipeline's `deferred_close_wait_s`, and the
        recording writes its last segments in the background (its threads are shared by every room's recording and
        joins, so waiting for them here would queue this room's report behind other rooms'). `finished()` tells
        when all of it is done.
        """
        await self._close_viewers()
        if self._candidate_pc is not None:
            pc, self._candidate_pc = self._candidate_pc, None
            await pc.close()
        self._set_connected(False)
        if self.recorder is not None and self._recorder_closed is None:
            self._recorder_closed = asyncio.create_task(self.recorder.close(), name=f"recorder-close-{self.room_id}")
        await self.pipeline.close()

    async def finished(self) -> None:
        """Complete once close() has run, every analysis lane has flushed (the transcript's tail included) and the
        recording's last segments are written; joining them is the caller's choice."""
        await self.pipeline.finished()
        if self._recorder_closed is not None:
            await asyncio.shield(self._recorder_closed)


async def _apply_offer(pc: RTCPeerConnection, offer_sdp: str) -> None:
    problem = offer_problem(offer_sdp)
    if problem is not None:
        raise InvalidInput(problem)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
    except Exception as exc:  # aiortc raises ValueError, KeyError, ... on SDP it cannot use
        log.info("rejected offer: %r", exc)
        raise InvalidInput(f"malformed SDP: {exc}") from None


async def _answer(pc: RTCPeerConnection) -> str:
    answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)  # gathers host candidates: non-trickle answers carry them all
    return add_video_bitrate_hints(pc.localDescription.sdp)
