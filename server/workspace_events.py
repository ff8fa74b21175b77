"""The board follows the interviews: lifecycle events, requests on a candidate's room, and reminders.

- From the interviews' lifecycle events (`Interviews.listeners`): started, ended, report ready (scores,
  recommendation and flags copied onto the candidate's row, so the board reads one table), deleted (on request
  or by retention: the interview goes from the workspace, and the candidate with it after their last one).
- From requests on a workspace room (server/room_access.py): the candidate opened the link, someone viewed the
  report (invited people only: the stage becomes "reviewed"), a rating was given, a decision was recorded.
- A background loop: an `interview.reminder` webhook event one hour before each scheduled live interview, and a
  reconciliation of waiting candidates against the rooms' store (interviews run by another node, lost events),
  and expired sessions purged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from statistics import fmean
from typing import Any

from aiohttp import web

from rooms.hiring import DECISION_STAGES, Activity, Stage, report_summary
from rooms.hiring_store import RoomOwner, SqliteHiringStore
from rooms.model import RoomStatus
from rooms.outbox import EventType
from rooms.store import RoomStore
from server.keys import ACCOUNTS, HIRING, INTERVIEWS, OUTBOX, STORE
from server.sessions import ACCESS

log = logging.getLogger(__name__)
REMINDER_LEAD_S = 3600.0
REMINDER_CHECK_S = 30.0
RECONCILE_BATCH = 200  # waiting candidates checked against the store per pass
_REPORT_READS = re.compile(r"^(/rooms/[^/]+/report|/api/rooms/[^/]+/report(\.pdf)?)$")


class BoardFollower:
    """Keeps each candidate's row (stage, scores, flags) in step with its current interview."""

    def __init__(self, hiring: SqliteHiringStore, store: RoomStore) -> None:
        self._hiring = hiring
        self._store = store

    async def on_event(self, event_type: EventType, data: dict[str, Any]) -> None:
        room_id = data.get("room_id")
        if not isinstance(room_id, str):
            return
        now = time.time()
        if event_type is EventType.INTERVIEW_STARTED:
            candidate = await self._hiring.advance_stage(room_id, Stage.STARTED, (Stage.INVITED,))
            kind = "started"
        elif event_type is EventType.INTERVIEW_ENDED:
            candidate = await self._hiring.advance_stage(room_id, Stage.COMPLETED, (Stage.INVITED, Stage.STARTED))
            kind = "ended"
        elif event_type is EventType.REPORT_READY:
            report = await self._store.get_report(room_id)
            if report is None:
                return
            await self._hiring.set_results(room_id, *report_summary(report))
            candidate = await self._hiring.advance_stage(room_id, Stage.COMPLETED, (Stage.INVITED, Stage.STARTED))
            kind = "report_ready"
        elif event_type is EventType.CANDIDATE_DELETED:
            # Deleted on request or by retention: the workspace keeps no copy of the candidate's personal data.
            await self._hiring.forget_room(room_id)
            return
        else:
            return
        if candidate is not None and candidate.room_id == room_id:
            await self._hiring.log(Activity(candidate.id, now, kind, "system", {"room_id": room_id}))


async def after_room_request(request: web.Request, owner: RoomOwner, response: web.StreamResponse) -> None:
    """What a successful request on a workspace room means for the candidate's board row and activity."""
    hiring = request.app[HIRING]
    access = request.get(ACCESS)
    actor = access.label if access is not None else "room link"
    path, method = request.path, request.method
    now = time.time()
    if method == "GET" and path == f"/rooms/{owner.room_id}/join":
        await hiring.log(Activity(owner.candidate_id, now, "opened_link", "candidate", {"room_id": owner.room_id}))
    elif method == "POST" and path == f"/api/rooms/{owner.room_id}/consent":
        detail = {"room_id": owner.room_id, "analysis": await _consented_to_analysis(request)}
        await hiring.log(Activity(owner.candidate_id, now, "consent_recorded", "candidate", detail))
    elif method == "GET" and _REPORT_READS.match(path) and access is not None and response.status == 200:
        await hiring.advance_stage(owner.room_id, Stage.REVIEWED, (Stage.COMPLETED,))
        await hiring.log(Activity(owner.candidate_id, now, "report_viewed", actor, {"room_id": owner.room_id}))
    elif method == "PUT" and path == f"/api/rooms/{owner.room_id}/decision":
        decision = await request.app[STORE].get_decision(owner.room_id)
        if decision is not None:
            await record_decision(hiring, owner.candidate_id, owner.room_id, decision.decision.value, actor)
    elif method == "POST" and path == f"/api/rooms/{owner.room_id}/notes":
        ratings = [n.rating for n in await request.app[STORE].notes(owner.room_id) if n.rating is not None]
        await hiring.set_rating(owner.room_id, round(fmean(ratings), 2) if ratings else None, len(ratings))
        if ratings:
            await hiring.advance_stage(owner.room_id, Stage.REVIEWED, (Stage.COMPLETED,))


async def _consented_to_analysis(request: web.Request) -> bool | None:
    """The candidate's choice about the analysis, as the consent endpoint read it (its body is cached)."""
    try:
        value = (await request.json()).get("analysis")
    except ValueError:
        return None
    return value if isinstance(value, bool) else None


async def record_decision(
    hiring: SqliteHiringStore, candidate_id: str, room_id: str, decision: str, actor: str
) -> None:
    stage = DECISION_STAGES.get(decision)
    if stage is not None:
        await hiring.set_stage(candidate_id, stage)
    await hiring.log(Activity(candidate_id, time.time(), "decision", actor, {"room_id": room_id, "decision": decision}))


async def remind_due(app: web.Application, now: float | None = None) -> int:
    """Queue `interview.reminder` for scheduled interviews starting within the hour; how many were queued."""
    hiring = app[HIRING]
    now = time.time() if now is None else now
    queued = 0
    for interview in await hiring.due_reminders(now + REMINDER_LEAD_S):
        candidate = await hiring.get_candidate(interview.candidate_id)
        await app[OUTBOX].enqueue(
            EventType.INTERVIEW_REMINDER,
            {
                "room_id": interview.room_id,
                "candidate_id": interview.candidate_id,
                "candidate_name": candidate.name if candidate else None,
                "scheduled_at": interview.scheduled_at,
                "duration_min": interview.duration_min,
                "interviewer_ids": list(interview.interviewer_ids),
                "links": {
                    "room": f"/api/rooms/{interview.room_id}",
                    "ics": f"/api/workspace/interviews/{interview.room_id}/ics",
                },
            },
        )
        await hiring.mark_reminded(interview.room_id)
        queued += 1
    return queued


async def reconcile(app: web.Application, after_rowid: int = 0, limit: int = RECONCILE_BATCH) -> int:
    """Bring up to `limit` waiting candidates (invited, started) in step with their room in the store; returns
    the cursor for the next pass (0: start over).

    The events cover what runs on this node; this covers the rest: interviews run by another node of a cluster
    (the rooms and reports are in the shared store), and an event lost to a crash between storing a report and
    telling the board.
    """
    hiring, store = app[HIRING], app[STORE]
    rows = await hiring.waiting_rooms(after_rowid, limit)
    for _, room_id, stage in rows:
        room = await store.get_room(room_id)
        if room is None:
            continue
        if room.status is RoomStatus.ENDED:
            report = await store.get_report(room_id)
            if report is None:
                continue  # being written: the next pass sees it
            await hiring.set_results(room_id, *report_summary(report))
            candidate = await hiring.advance_stage(room_id, Stage.COMPLETED, (Stage.INVITED, Stage.STARTED))
            if candidate is not None:
                await hiring.log(Activity(candidate.id, time.time(), "report_ready", "system", {"room_id": room_id}))
        elif room.status is RoomStatus.LIVE and stage == Stage.INVITED.value:
            await hiring.advance_stage(room_id, Stage.STARTED, (Stage.INVITED,))
    return rows[-1][0] if len(rows) == limit else 0


async def _background_loop(app: web.Application) -> None:
    cursor = 0
    while True:
        try:
            await remind_due(app)
            cursor = await reconcile(app, cursor)
            await app[ACCOUNTS].purge_expired_sessions()
        except Exception:
            log.exception("workspace reminders or board reconciliation failed; trying again shortly")
        await asyncio.sleep(REMINDER_CHECK_S)


async def workspace_events_context(app: web.Application) -> AsyncIterator[None]:
    """After the interviews and the workspace stores: follow events, send reminders."""
    follower = BoardFollower(app[HIRING], app[STORE])
    app[INTERVIEWS].listeners.append(follower.on_event)
    reminders = asyncio.create_task(_background_loop(app), name="workspace-reminders")
    yield
    reminders.cancel()
    await asyncio.gather(reminders, return_exceptions=True)
