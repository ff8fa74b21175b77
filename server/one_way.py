"""Runs one-way interviews: the server holds each room's script, its clock and its timers.

The candidate's page only asks ("start", "finish my answer", "retake") and shows what the server says; it can
neither skip ahead nor extend a countdown. Progress is stored after every step with wall-clock deadlines, so a
reload, a dropped connection or a server restart continues at the current question with time still running.
When the script is done the interview ends and its report is written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any

from rooms.errors import Conflict, InvalidInput, NotFound
from rooms.model import Room, RoomMode, RoomStatus
from rooms.script import Action, Phase, Script, ScriptMark, ScriptState
from rooms.template_store import RoomScript, TemplateStore
from rooms.templates import Template
from server.interviews import Interviews

log = logging.getLogger(__name__)


class OneWayScripts:
    def __init__(self, store: TemplateStore, interviews: Interviews, time_scale: float = 1.0) -> None:
        self._store = store
        self._interviews = interviews
        self._scale = time_scale
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    async def attach(self, room: Room, template: Template) -> None:
        """At room creation: the room keeps its own copy of the template; a one-way room gets a fresh script."""
        state = ScriptState() if room.mode is RoomMode.ONE_WAY else None
        await self._store.save_room_script(RoomScript(room.id, template, state))

    async def view(self, room_id: str) -> dict[str, Any]:
        return await self._step(room_id, None, None)

    async def act(self, room_id: str, action: str, seq: int | None) -> dict[str, Any]:
        try:
            parsed = Action(action)
        except ValueError:
            raise InvalidInput(f"'action' must be one of {', '.join(a.value for a in Action)}") from None
        return await self._step(room_id, parsed, seq)

    async def _step(self, room_id: str, action: Action | None, seq: int | None) -> dict[str, Any]:
        async with self._locks[room_id]:
            try:
                room = await self._interviews.get(room_id)
            except NotFound:
                # Deleted on request: its script (a template copy and a position, nothing personal) goes too.
                await self._store.delete_room_script(room_id)
                raise
            stored = await self._store.get_room_script(room_id)
            if stored is None or stored.state is None:
                raise NotFound("this room has no one-way script")
            script = Script(stored.template, self._scale)
            state = before = stored.state
            now = time.time()
            if room.status is RoomStatus.ENDED:
                if state.phase is not Phase.DONE:  # ended from outside (an admin): the script stops where it was
                    state = replace(state, phase=Phase.DONE, deadline=None, finished_at=room.ended_at or now)
            else:
                state, marks = script.expire(state, now)
                if action is not None:
                    if seq is not None and seq != state.seq:
                        raise Conflict("the interview has moved on since this page last looked; reload the step")
                    if action is Action.START:
                        self._require_connected(room)
                    state, more = script.act(state, action, now)
                    marks += more
                await self._record(room, marks)
            if state != before:
                await self._store.save_room_script(RoomScript(room_id, stored.template, state))
            self._schedule(room_id, state)
            if state.phase is Phase.DONE and room.status is not RoomStatus.ENDED:
                log.info("one-way script of room %s done: ending the interview", room_id)
                room = await self._interviews.end(room_id)
            view = script.view(state, time.time())
            view["room_status"] = room.status.value
            return view

    def _require_connected(self, room: Room) -> None:
        session = self._interviews.sessions.get(room.id)
        if room.status is not RoomStatus.LIVE or session is None or not session.candidate_connected:
            raise Conflict("the camera and microphone are not connected to the server yet")

    async def _record(self, room: Room, marks: list[ScriptMark]) -> None:
        for mark in marks:
            try:
                await self._interviews.mark(
                    room.id, mark.name, mark.label, detail=mark.detail, analyze=mark.analyze, at=mark.at
                )
            except Conflict:  # not live (cannot happen once started; logged in case it does)
                log.warning("room %s: marker %s not recorded, the interview is not live", room.id, mark.name)

    def _schedule(self, room_id: str, state: ScriptState) -> None:
        """One timer per room, for its next deadline; the timer re-enters `_step`, which sets the next one."""
        current = asyncio.current_task()
        old = self._timers.pop(room_id, None)
        if old is not None and old is not current:
            old.cancel()
        if state.deadline is None or self._closed:
            return
        self._timers[room_id] = asyncio.create_task(self._fire(room_id, state.deadline), name=f"script-{room_id}")

    async def _fire(self, room_id: str, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.time()))
        try:
            await self._step(room_id, None, None)
        except (NotFound, Conflict) as exc:
            log.info("room %s: script timer stopped (%s)", room_id, exc)
        except Exception:
            log.exception("room %s: script timer failed", room_id)

    async def recover(self) -> None:
        """After a restart: catch up with deadlines that passed while down, and set the timers again."""
        for script in await self._store.unfinished_scripts():
            try:
                await self._step(script.room_id, None, None)
            except NotFound:
                continue  # the room was deleted

    async def close(self) -> None:
        self._closed = True
        timers = list(self._timers.values())
        self._timers.clear()
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)
