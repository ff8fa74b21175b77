"""The interview lifecycle on this node: create, connect, watch, end, report."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiortc import RTCConfiguration

from analyzers.base import Marker, SessionContext
from analyzers.integrity_watch import IntegrityWatch
from realtime.loop_monitor import NodeMonitor
from realtime.media_host import LiveSession, MediaHost, SessionSpec
from realtime.recording import Recordings
from rooms.bus import EventBus
from rooms.consent import ConsentRecord, consents
from rooms.errors import Conflict, NotFound, Unavailable
from rooms.integrity import ANSWER_SIMILARITY, SIGNAL_NAMES
from rooms.measures import (
    CANDIDATE_CONNECTED,
    ROOM_STATUS,
    TRANSCRIPT_COMPLETION,
    TranscriptCompletion,
)
from rooms.model import Observation, ObservationType, Room, RoomMode, RoomStatus
from rooms.outbox import EventType, WebhookOutbox
from rooms.recorder import TimelineRecorder
from rooms.report import build_report
from rooms.rules import Rule
from rooms.rules import evaluate as evaluate_rules
from rooms.scoring import ScoringConfig, load_scoring_config
from rooms.similarity import answers_of, similarity_events
from rooms.store import RoomStore
from server.live_health import LiveHealth

log = logging.getLogger(__name__)
MAX_SIMILARITY_PEERS = 1000  # the latest rooms compared for answer similarity
RulesLookup = Callable[[Room], Awaitable[Sequence[Rule]]]
KeywordsLookup = Callable[[Room], Awaitable[Mapping[int, Sequence[str]]]]


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
        self.draining = False  # set once on shutdown: new interviews go elsewhere, running ones finish

    def check(self, live_interviews: int) -> None:
        if self.draining:
            raise Unavailable("this server is shutting down; try again shortly or join through another node")
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
        media: MediaHost,  # where each interview's peer, analysis and recording run (this process or workers)
        rtc_config: Callable[[str], RTCConfiguration],  # per room: TURN credentials are minted per session
        admission: Admission,
        emotion_inference: bool = False,
        outbox: WebhookOutbox | None = None,
        scoring: ScoringConfig | None = None,
        recordings: Recordings | None = None,
        default_language: str = "en",
        integrity_signals: Sequence[str] | None = None,
        report_rules: RulesLookup | None = None,
        report_keywords: KeywordsLookup | None = None,
    ) -> None:
        self._store = store
        self._default_language = default_language  # a room created without a language (--language)
        self._integrity_signals = integrity_signals  # the integrity signals this deployment observes (None: all)
        self._bus = bus
        self._media = media
        self._rtc_config = rtc_config
        self._admission = admission
        self._emotion_inference = emotion_inference
        self._outbox = outbox
        self._recordings = recordings  # joins and recovers the recordings the media host writes (None: not recorded)
        self._scoring = scoring or load_scoring_config()  # the report's dimensions (--scoring-config)
        self._sessions: dict[str, LiveSession] = {}
        self._timelines: dict[str, TimelineRecorder] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._report_tasks: set[asyncio.Task[Any]] = set()
        # Sessions closed but still finishing (the transcript's last speech, the recording's last segments), by room.
        self._tails: dict[str, asyncio.Task[int]] = {}
        self._watches: dict[str, IntegrityWatch] = {}
        # The candidate's last analysis choice per room, as recorded in its timeline (a cache of it on this node);
        # None: no choice recorded.
        self._analysis_consent: dict[str, bool | None] = {}
        self._outside_counts: Counter[str] = Counter()  # observations from the candidate's page, per room
        self.health = LiveHealth()  # each live room's latest analysis health, for /metrics and the node's health
        # The rules of the template a room was created from (server/templates_api.py), for the report's outcome.
        self._report_rules = report_rules
        # The keywords of each of its questions (assessors only), for the report's keyword coverage.
        self._report_keywords = report_keywords
        # Called with each lifecycle event once it is stored (before its webhook is queued).
        self.listeners: list[Callable[[EventType, dict[str, Any]], Awaitable[None]]] = []
        # Set by /metrics: told how long after the end each report was stored (seconds).
        self.on_report_written: Callable[[float], None] | None = None

    @property
    def sessions(self) -> dict[str, LiveSession]:
        return self._sessions

    @property
    def draining(self) -> bool:
        return self._admission.draining

    def drain(self) -> None:
        """Stop admitting new interviews; the running ones (and their reconnects) carry on to their end."""
        self._admission.draining = True

    async def create(
        self,
        title: str,
        candidate_name: str,
        template_id: str | None = None,
        mode: RoomMode = RoomMode.LIVE,
        language: str | None = None,
        retention_days: int | None = None,
    ) -> Room:
        room = Room(
            id=secrets.token_urlsafe(9),
            title=title,
            candidate_name=candidate_name,
            created_at=time.time(),
            template_id=template_id,
            mode=mode,
            language=language or self._default_language,
            retention_days=retention_days,
        )
        await self._store.create_room(room)
        await self._emit(EventType.ROOM_CREATED, {"room_id": room.id, "created_at": room.created_at, **_links(room)})
        return room

    async def revoke_links(self, room_id: str) -> Room:
        """Start a new links generation: every link handed out before stops working (server/link_revocation.py)."""
        async with self._locks[room_id]:
            room = await self.get(room_id)
            room.links_version += 1
            room.version += 1
            await self._store.save_room(room)
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
                self._publish_status(room, ROOM_STATUS, room.status.value)
                await self._emit(
                    EventType.INTERVIEW_STARTED, {"room_id": room.id, "started_at": room.started_at, **_links(room)}
                )
            return answer

    async def record_consent(self, room_id: str, record: ConsentRecord) -> None:
        """Keep the candidate's choice in the room's timeline. It applies from the next connection: a session
        already analysing keeps its choice until the candidate reconnects."""
        async with self._locks[room_id]:
            room = await self.get(room_id)
            if room.status is RoomStatus.ENDED:
                raise Conflict("the interview has ended")
            observation = record.observation(room.started_at)
            timeline = self._timelines.get(room_id)
            if timeline is not None:
                timeline.add([observation])
            else:
                await self._store.append_observations(room_id, [observation])
            self._analysis_consent[room_id] = record.analysis
            self._bus.publish(room_id, [observation])

    async def analysis_choice(self, room_id: str) -> bool | None:
        """The candidate's last recorded choice about the analysis, or None when there is none."""
        if room_id not in self._analysis_consent:
            records = consents(await self._store.timeline(room_id))
            self._analysis_consent[room_id] = records[-1].analysis if records else None
        return self._analysis_consent[room_id]

    async def analysis_allowed(self, room_id: str) -> bool:
        """Whether the candidate agreed to the analysis. No record (an API client, or a room created before
        consents were recorded) means the join itself was the consent, as before."""
        return await self.analysis_choice(room_id) is not False

    async def _open_session(self, room: Room) -> LiveSession:
        assert room.started_at is not None
        analysis = await self.analysis_allowed(room.id)
        # Declined: the media still flows (to the interviewer, and through the relay to HR), but no analyzer sees
        # it and nothing is recorded.
        spec = SessionSpec(room.id, room.started_at, SessionContext(language=room.language), analysis)
        timeline = TimelineRecorder(self._store, room.id)
        self._timelines[room.id] = timeline
        # Integrity checks that read the face and voice lanes' observations together (cheap: no model work).
        enabled = self._integrity_signals if self._integrity_signals is not None else SIGNAL_NAMES
        watch = IntegrityWatch(enabled if analysis else ())
        self._watches[room.id] = watch
        health = self.health.open(room.id, room.started_at)

        def sink(observations: list[Observation]) -> None:
            health.feed(observations)
            observations = observations + watch.feed(observations)
            self._bus.publish(room.id, observations)
            timeline.add(observations)

        try:
            session = await self._media.open(
                spec,
                lambda: self._rtc_config(room.id),
                sink,
                on_connection=lambda up: self._publish_status(room, CANDIDATE_CONNECTED, up),
            )
        except BaseException:  # no media worker could take it (restarting): nothing was opened
            self._watches.pop(room.id, None)
            self._timelines.pop(room.id, None)
            await timeline.close()
            raise
        self._sessions[room.id] = session
        return session

    async def viewer_offer(self, room_id: str, offer_sdp: str, viewer: str = "") -> str:
        """`viewer` names who asks (a token's key): each may hold only a few connections at once."""
        await self.get(room_id)
        session = self._sessions.get(room_id)
        if session is None:
            raise Conflict("the candidate is not streaming yet")
        return await session.add_viewer(offer_sdp, viewer)

    async def mark(
        self,
        room_id: str,
        name: str,
        label: str | None,
        *,
        detail: dict[str, Any] | None = None,
        analyze: str | bool = True,
        at: float | None = None,
    ) -> Observation:
        """Record a script marker (a question's start or end) on the interview's media time.

        A one-way script adds `detail` (question index, text, take), chooses which marker name the analyzers
        get (`analyze`: True the same, False none, or another name) and may date it at a deadline (`at`, wall
        clock) that passed while nobody was connected.
        """
        room = await self.get(room_id)
        session = self._sessions.get(room_id)
        if room.status is not RoomStatus.LIVE or room.started_at is None:
            raise Conflict("the interview is not live")
        if session is None and detail is None:
            raise Conflict("the interview is not live")
        now = time.time()
        when = now if at is None else min(at, now)
        t = max(0.0, when - room.started_at)
        if session is not None and analyze:
            session.mark(Marker(name if analyze is True else str(analyze), t))
        merged = {**({"label": label} if label else {}), **(detail or {})}
        observation = Observation(ObservationType.EVENT, name, label, t, now, merged or None)
        self._bus.publish(room_id, [observation])
        timeline = self._timelines.get(room_id)
        if timeline is not None:
            timeline.add([observation])
        else:  # the candidate is away after a restart: the script's clock runs on, so its markers are stored now
            await self._store.append_observations(room_id, [observation])
        return observation

    def record_live(self, room_id: str, observations: list[Observation], limit: int = 5000) -> None:
        """Observations made outside the media pipeline (the candidate's page) into a live interview's timeline:
        the dashboards get them at once, the store within a second, like the analyzers' own. At most `limit`
        per interview: more is a runaway page, not a candidate."""
        timeline = self._timelines.get(room_id)
        if timeline is None:
            raise Conflict("the interview is not live on this server")
        if self._outside_counts[room_id] + len(observations) > limit:
            raise Conflict(f"this interview already holds {limit} page events")
        self._outside_counts[room_id] += len(observations)
        if observations:
            self._bus.publish(room_id, observations)
            timeline.add(observations)

    def status_snapshot(self, room: Room) -> list[Observation]:
        """What a dashboard needs on (re)connecting before live observations flow."""
        session = self._sessions.get(room.id)
        return [
            self._status(room, ROOM_STATUS, room.status.value),
            self._status(room, CANDIDATE_CONNECTED, bool(session and session.candidate_connected)),
        ]

    async def end(self, room_id: str) -> Room:
        async with self._locks[room_id]:
            room = await self.get(room_id)
            if room.status is RoomStatus.ENDED:
                return room
            # The interview ends when asked to, not once the analysis has drained: speech recognition trails
            # real time by a decode or two (seconds under load), and the report's duration must not grow by that.
            ended_at = time.time()
            tail = await self._stop_session(room_id)
            room.status = RoomStatus.ENDED
            room.ended_at = ended_at
            room.started_at = room.started_at or room.ended_at
            room.version += 1
            await self._store.save_room(room)
            self._publish_status(room, ROOM_STATUS, room.status.value)
            await self._emit(
                EventType.INTERVIEW_ENDED,
                {"room_id": room.id, "started_at": room.started_at, "ended_at": room.ended_at, **_links(room)},
            )
        if self._recordings is not None:
            # In the background, once the recorder has written its last segments: they become one playable file.
            self._recordings.join(room.id, after=tail)
        # Named so a deletion can wait for it.
        task = asyncio.create_task(self.write_report(room), name=f"report-{room.id}")
        self._report_tasks.add(task)
        task.add_done_callback(self._report_tasks.discard)
        if tail is not None:
            # The transcript's last speech, decoded after the report was written, goes into a rebuilt report.
            update = asyncio.create_task(self._update_report(room, task, tail), name=f"report-update-{room.id}")
            self._report_tasks.add(update)
            update.add_done_callback(self._report_tasks.discard)
        return room

    async def _update_report(self, room: Room, first: asyncio.Task[dict[str, Any]], tail: asyncio.Task[int]) -> None:
        """Rebuild the report once the session's tail is stored, if observations arrived after the first version."""
        late = await tail
        await asyncio.gather(first, return_exceptions=True)
        if late:
            log.info("room %s: %d observations arrived after the end; rebuilding its report", room.id, late)
            await self.write_report(room, update=True)

    async def write_report(self, room: Room, update: bool = False) -> dict:
        """Build the report from the stored timeline, store it and announce it (`report.ready`). `update`: a
        rebuild of a report already announced (the transcript's tail arrived, a line was corrected)."""
        timeline = await self._store.timeline(room.id)
        keywords = await self._report_keywords(room) if self._report_keywords is not None else None
        # generated_at is the stored end, not now: the same timeline and configuration rebuild the same report.
        generated_at = room.ended_at or room.started_at or room.created_at

        def build(timeline: list[Observation]) -> dict:
            return build_report(
                room,
                timeline,
                generated_at,
                emotion_inference=self._emotion_inference,
                scoring=self._scoring,
                integrity_signals=self._integrity_signals,
                keywords=keywords,
            )

        loop = asyncio.get_running_loop()
        report = await loop.run_in_executor(None, build, timeline)
        similar = await self._answer_similarity(room, report, timeline)
        if similar:
            # Stored in the timeline, so the report stays a function of it and rebuilds the same.
            await self._store.append_observations(room.id, similar)
            timeline = [*timeline, *similar]
            report = await loop.run_in_executor(None, build, timeline)
        if self._report_rules is not None:  # the template's rules set the outcome recommendation
            report["outcome"] = evaluate_rules(await self._report_rules(room), report)
        await self._store.save_report(room.id, report)
        after_end_s = time.time() - (room.ended_at or time.time())
        log.info(
            "report for room %s ready (%d observations), %.0f ms after the end",
            room.id,
            len(timeline),
            after_end_s * 1000.0,
        )
        if self.on_report_written is not None and not update:
            self.on_report_written(after_end_s)
        # The link, not the content: scores go only to whoever fetches them with an authorized token. "transcript":
        # "pending" says a rebuilt report with the interview's last speech follows (report.ready again).
        completion = (report.get("transcript") or {}).get("completion")
        await self._emit(
            EventType.REPORT_READY,
            {
                "room_id": room.id,
                "generated_at": report.get("generated_at"),
                "transcript": completion,
                **_links(room, report=True),
            },
        )
        return report

    async def _answer_similarity(self, room: Room, report: dict, timeline: list[Observation]) -> list[Observation]:
        """Answers near-identical to another candidate's answer to the same question (rooms made from the same
        template) or to text pasted into the page. Checked once, when the report is first written."""
        enabled = self._integrity_signals is None or ANSWER_SIMILARITY in self._integrity_signals
        if not enabled or any(o.name == ANSWER_SIMILARITY for o in timeline):
            return []
        answers = answers_of(report)
        if not answers:
            return []
        others = []
        if room.template_id is not None:
            for other in await self._store.list_rooms(limit=MAX_SIMILARITY_PEERS):
                if other.id == room.id or other.template_id != room.template_id:
                    continue
                other_report = await self._store.get_report(other.id)
                if other_report is not None:
                    others.append((other.id, answers_of(other_report)))
        return similarity_events(answers, others, timeline, time.time())

    async def delete(self, room_id: str, purge_local: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """Deletion (on request or by retention): this node's copies (`purge_local`: media, script, webhook
        events), then the room, its timeline, report, notes and decision. Returns what `purge_local` removed.

        A live room is refused (409): end it first, so nothing is still writing what is being deleted.
        """
        async with self._locks[room_id]:
            room = await self.get(room_id)
            if room.status is RoomStatus.LIVE or room_id in self._sessions:
                raise Conflict("the interview is live: end it before deleting it")
            # A report still being written, a closed session still finishing (the transcript's last speech, the
            # recording's last segments: bounded by the deferred lane's window), its report's update, or a recording
            # still being joined would write itself back after the delete: wait for them (found by the names their
            # creators give them).
            names = tuple(f"{what}-{room_id}" for what in ("report", "session-tail", "report-update", "join-recording"))
            pending = [t for t in asyncio.all_tasks() if t.get_name() in names]
            await asyncio.gather(*pending, return_exceptions=True)
            # Media first: if that fails the room is still there to retry the request on.
            removed = await purge_local()
            await self._store.delete_room(room_id)
            await self._emit(EventType.CANDIDATE_DELETED, {"room_id": room_id, "deleted_at": time.time()})
        self._locks.pop(room_id, None)
        self._analysis_consent.pop(room_id, None)
        return removed

    async def _emit(self, event_type: EventType, data: dict[str, Any]) -> None:
        """Queue a webhook event once the state change it announces is stored.

        An outbox failure is logged, not raised: the change already happened, and the caller must hear so.
        """
        for listener in self.listeners:  # the workspace's board follows the interview's progress
            try:
                await listener(event_type, data)
            except Exception:
                log.exception("event listener failed on %s for %s", event_type, data.get("room_id"))
        if self._outbox is None:
            return
        try:
            await self._outbox.enqueue(event_type, data)
        except Exception:
            log.exception("could not queue webhook event %s for %s", event_type, data.get("room_id"))

    async def recover(self) -> None:
        """After a restart: write the reports that ended rooms are missing (a crash during generation)."""
        if self._recordings is not None:
            await self._recordings.recover()  # joins, in the background, what a killed server recorded
        for room in await self._store.list_rooms(limit=1000):
            if room.status is not RoomStatus.ENDED:
                continue
            report = await self._store.get_report(room.id)
            if report is None:
                await self.write_report(room)
            elif (report.get("transcript") or {}).get("completion") == TranscriptCompletion.PENDING:
                # Stopped while the transcript's last speech was decoding: what was stored of it stays; the report
                # says the rest is missing rather than that it follows.
                timeline = await self._store.timeline(room.id)
                await self._store.append_observations(room.id, [_transcript_incomplete(timeline)])
                await self.write_report(room, update=True)

    async def _stop_session(self, room_id: str) -> asyncio.Task[int] | None:
        """Close the room's session (bounded: the pipeline waits for speech recognition only so long) and store
        its timeline so far. Returns its tail: a task that completes once the session has finished (the transcript's
        last speech stored through the same sink, whose timeline stays open until then), with the number of
        observations stored after this returned; None when there was no session."""
        session = self._sessions.pop(room_id, None)
        if session is not None:
            await session.close()
        self.health.close(room_id)
        watch = self._watches.pop(room_id, None)
        timeline = self._timelines.pop(room_id, None)
        if watch is not None and timeline is not None:
            final = watch.close()  # a stretch still open at the end
            if final:
                self._bus.publish(room_id, final)
                timeline.add(final)
        if timeline is None:
            return None
        if session is None:
            await timeline.close()
            return None
        await timeline.flush()
        tail = asyncio.create_task(self._finish_session(room_id, session, timeline), name=f"session-tail-{room_id}")
        self._tails[room_id] = tail
        tail.add_done_callback(lambda done: self._forget_tail(room_id, done))
        return tail

    async def _finish_session(self, room_id: str, session: LiveSession, timeline: TimelineRecorder) -> int:
        """Wait for a closed session to finish; its late observations reach the store every second meanwhile (a
        restart loses at most that second), the rest when its timeline closes."""
        stored = timeline.added
        try:
            await session.finished()
        except Exception:
            log.exception("room %s: finishing its session failed", room_id)
        finally:
            await timeline.close()
        return timeline.added - stored

    def _forget_tail(self, room_id: str, tail: asyncio.Task[int]) -> None:
        if self._tails.get(room_id) is tail:
            del self._tails[room_id]

    def _publish_status(self, room: Room, name: str, value: str | bool) -> None:
        observation = self._status(room, name, value)
        self._bus.publish(room.id, [observation])
        timeline = self._timelines.get(room.id)
        if timeline is not None:
            timeline.add([observation])

    @staticmethod
    def _status(room: Room, name: str, value: str | bool) -> Observation:
        now = time.time()
        t = now - room.started_at if room.started_at else 0.0
        return Observation(ObservationType.STATUS, name, value, t, now)

    async def close(self) -> None:
        """Shutdown: stop every session and save what it analyzed; rooms stay live for a reconnect."""
        # Together: each waits for its transcript up to the pipeline's bound, which must not add up over the rooms.
        rooms = list(self._sessions)
        stopped = await asyncio.gather(*(self._stop_session(room_id) for room_id in rooms), return_exceptions=True)
        for room_id, result in zip(rooms, stopped, strict=True):
            if isinstance(result, BaseException):
                log.error("stopping the session of room %s failed", room_id, exc_info=result)
        # The transcripts' last speech and the recordings' last segments are stored before the engine and the
        # recordings stop (the deferred lane's window bounds the wait).
        await asyncio.gather(*self._tails.values(), *self._report_tasks, return_exceptions=True)


def _transcript_incomplete(timeline: Sequence[Observation]) -> Observation:
    """STATUS transcript_completion "incomplete", at the time of the "pending" it follows (stored after it)."""
    pending = [o.t for o in timeline if o.name == TRANSCRIPT_COMPLETION and o.value == TranscriptCompletion.PENDING]
    t = pending[-1] if pending else max((o.t for o in timeline), default=0.0)
    return Observation(ObservationType.STATUS, TRANSCRIPT_COMPLETION, TranscriptCompletion.INCOMPLETE, t, time.time())


def _links(room: Room, report: bool = False) -> dict[str, Any]:
    """API paths (root-relative) a receiver calls back with its own admin or HR credentials."""
    links = {"room": f"/api/rooms/{room.id}"}
    if report:
        links["report"] = f"/api/rooms/{room.id}/report"
    return {"links": links}
