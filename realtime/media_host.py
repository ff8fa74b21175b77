"""Where a live interview's media is handled: the contract the server sees, and its in-process implementation.

The server (server/interviews.py) keeps a room's timeline, bus and report; a media host owns what touches the
media: the aiortc peer connections, the analysis pipeline and the recorder. Two hosts implement the contract:
- `LocalMedia`: everything in the server's own process (tests, a one-core machine, `--media-workers 0`);
- `MediaWorkers` (realtime/media_workers.py): each interview in one of several worker processes, so the
  per-packet WebRTC work and the analysis of many interviews use every core, not one interpreter's GIL.
Either way the server gets the same things back: an answer per offer, the pipeline's observations through the
`sink` it passed, and the candidate's connection state through `on_connection`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiortc import RTCConfiguration

from analyzers.base import Marker, SessionContext
from realtime.engine import AnalysisEngine, AnalyzerSessions
from realtime.loop_monitor import NodeLoad
from realtime.pipeline import InterviewPipeline, ObservationSink, PipelineConfig
from realtime.recording import Recordings
from realtime.session import ConnectionListener, InterviewSession

RtcConfigSource = Callable[[], RTCConfiguration]  # per session: TURN credentials are minted for it


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """What a media host needs to open one interview's session."""

    room_id: str
    origin: float  # the room's started_at: media time 0 (the same across reconnects, restarts and workers)
    context: SessionContext
    analysis: bool  # the candidate agreed to the analysis; False: the media flows, nothing is analysed or recorded


class LiveSession(Protocol):
    """One live interview's media, as the server drives it (realtime/session.py's InterviewSession, or its proxy
    in a media worker)."""

    room_id: str

    @property
    def candidate_connected(self) -> bool: ...

    @property
    def viewer_count(self) -> int: ...

    async def connect_candidate(self, offer_sdp: str) -> str: ...

    async def add_viewer(self, offer_sdp: str, viewer: str = "") -> str: ...

    def mark(self, marker: Marker) -> None: ...

    async def close(self) -> None: ...

    async def finished(self) -> None:
        """Every observation of the closed session has reached the sink (the transcript's tail included)."""
        ...


class MediaHost(Protocol):
    async def open(
        self, spec: SessionSpec, rtc_config: RtcConfigSource, sink: ObservationSink, on_connection: ConnectionListener
    ) -> LiveSession: ...

    def load(self) -> NodeLoad | None:
        """The busiest media process's load (None: the server's own process is the media process)."""
        ...

    async def close(self) -> None: ...


class LocalMedia:
    """Sessions in this process, on this process's analysis engine."""

    def __init__(self, engine: AnalysisEngine, pipeline_config: PipelineConfig, recordings: Recordings | None) -> None:
        self._engine = engine
        self._pipeline_config = pipeline_config
        self._recordings = recordings  # None: nothing is recorded

    async def open(
        self, spec: SessionSpec, rtc_config: RtcConfigSource, sink: ObservationSink, on_connection: ConnectionListener
    ) -> InterviewSession:
        engine = self._engine
        sessions = await engine.open_sessions(spec.room_id, spec.context) if spec.analysis else AnalyzerSessions()
        pipeline = InterviewPipeline(spec.room_id, spec.origin, engine, sessions, sink, self._pipeline_config)
        recorder = None
        if self._recordings is not None and spec.analysis:
            recorder = self._recordings.recorder(spec.room_id, spec.origin)
        return InterviewSession(spec.room_id, pipeline, rtc_config, on_connection, recorder=recorder)

    def load(self) -> NodeLoad | None:
        return None

    async def close(self) -> None:
        """The engine and the recordings belong to whoever built them."""
