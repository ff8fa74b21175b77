"""The one-way interview's script as a state machine: pure data and transitions, no clocks, no I/O.

practice (optional, before the interview starts; not recorded) -> start -> for each question:
think (countdown; may start answering early) -> answer (countdown; may finish early) -> review (only while
retakes remain: retake or keep) -> next question ... -> done.

Deadlines are wall-clock epoch seconds, stored with the state, so time keeps running across a reload, a dropped
connection or a server restart; `Script.expire` replays every deadline that passed, each next phase starting at
the previous deadline. Each transition returns the markers to put on the interview's timeline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Any

from rooms.errors import Conflict
from rooms.measures import ANSWER_START, QUESTION_END, QUESTION_START
from rooms.templates import Question, Template

REVIEW_S = 30.0  # time to choose "retake" or "keep" before the take is kept (template seconds, scaled)


class Phase(enum.StrEnum):
    INTRO = "intro"  # device check, optional practice; waits for "start"
    PRACTICE_THINK = "practice_think"
    PRACTICE_ANSWER = "practice_answer"
    THINK = "think"
    ANSWER = "answer"
    REVIEW = "review"  # a take ended and a retake is allowed
    DONE = "done"


class Action(enum.StrEnum):
    PRACTICE = "practice"  # intro -> practice question
    START = "start"  # intro -> first question
    ANSWER = "answer"  # think -> answer now (cuts thinking time short)
    FINISH = "finish"  # answer -> end of this take
    RETAKE = "retake"  # review -> think again, next take
    KEEP = "keep"  # review -> keep this take, next question


_ALLOWED = {
    Phase.INTRO: {Action.PRACTICE, Action.START},
    Phase.PRACTICE_THINK: {Action.ANSWER},
    Phase.PRACTICE_ANSWER: {Action.FINISH},
    Phase.THINK: {Action.ANSWER},
    Phase.ANSWER: {Action.FINISH},
    Phase.REVIEW: {Action.RETAKE, Action.KEEP},
    Phase.DONE: set(),
}


@dataclass(frozen=True, slots=True)
class ScriptState:
    phase: Phase = Phase.INTRO
    index: int = 0  # the current question (0-based); meaningless in the intro and practice
    take: int = 1  # 1 for the first take, 2 for the first retake ...
    deadline: float | None = None  # wall clock; None while nothing is timed
    phase_started_at: float | None = None
    practice_done: bool = False
    started_at: float | None = None
    finished_at: float | None = None
    seq: int = 0  # bumps on every transition: clients tell a new step from a repeated one

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase.value,
            "index": self.index,
            "take": self.take,
            "deadline": self.deadline,
            "phase_started_at": self.phase_started_at,
            "practice_done": self.practice_done,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seq": self.seq,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScriptState:
        return cls(**{**data, "phase": Phase(data["phase"])})


@dataclass(frozen=True, slots=True)
class ScriptMark:
    """A marker for the timeline. `analyze` names the marker the analyzers get (False: none)."""

    name: str
    at: float
    label: str
    detail: dict[str, Any]
    analyze: str | bool = True


class Script:
    """Transitions for one template at one time scale (1.0 in production; tests shrink every countdown)."""

    def __init__(self, template: Template, time_scale: float = 1.0) -> None:
        self.template = template
        self.scale = time_scale

    @property
    def count(self) -> int:
        return len(self.template.questions)

    def question(self, state: ScriptState) -> Question | None:
        if state.phase in (Phase.PRACTICE_THINK, Phase.PRACTICE_ANSWER):
            return self.template.practice
        if state.phase in (Phase.THINK, Phase.ANSWER, Phase.REVIEW):
            return self.template.questions[state.index]
        return None

    def allowed(self, state: ScriptState) -> list[str]:
        actions = set(_ALLOWED[state.phase])
        if state.phase is Phase.INTRO and (state.practice_done or self.template.practice is None):
            actions.discard(Action.PRACTICE)
        return sorted(a.value for a in actions)

    def act(self, state: ScriptState, action: Action, now: float) -> tuple[ScriptState, list[ScriptMark]]:
        """Apply a candidate's action at `now` (after `expire`); Conflict when it does not fit the step."""
        if action.value not in self.allowed(state):
            raise Conflict(f"'{action.value}' is not possible now (the script is at '{state.phase.value}')")
        marks: list[ScriptMark] = []
        if action is Action.PRACTICE:
            practice = self.template.practice
            assert practice is not None
            state = self._enter(state, Phase.PRACTICE_THINK, now, practice.think_s)
        elif action is Action.START:
            state = replace(state, started_at=now)
            state = self._think(state, 0, 1, now, marks)
        elif action is Action.ANSWER:
            state = self._answer(state, now, marks)
        elif action is Action.FINISH:
            state = self._finish(state, now, marks)
        elif action is Action.RETAKE:
            marks.append(self._mark("take_discarded", state, now, analyze=False))
            state = self._think(state, state.index, state.take + 1, now, marks)
        elif action is Action.KEEP:
            state = self._next(state, now, marks)
        return state, marks

    def expire(self, state: ScriptState, now: float) -> tuple[ScriptState, list[ScriptMark]]:
        """Every transition whose deadline has passed by `now`, each at its own deadline."""
        marks: list[ScriptMark] = []
        while state.deadline is not None and state.deadline <= now:
            at = state.deadline
            if state.phase in (Phase.THINK, Phase.PRACTICE_THINK):
                state = self._answer(state, at, marks)
            elif state.phase in (Phase.ANSWER, Phase.PRACTICE_ANSWER):
                state = self._finish(state, at, marks)
            elif state.phase is Phase.REVIEW:
                state = self._next(state, at, marks)  # no choice made: the take is kept
            else:  # pragma: no cover - untimed phases carry no deadline
                state = replace(state, deadline=None)
        return state, marks

    def _enter(self, state: ScriptState, phase: Phase, at: float, seconds: float | None) -> ScriptState:
        deadline = None if seconds is None else at + seconds * self.scale
        return replace(state, phase=phase, phase_started_at=at, deadline=deadline, seq=state.seq + 1)

    def _think(self, state: ScriptState, index: int, take: int, at: float, marks: list[ScriptMark]) -> ScriptState:
        question = self.template.questions[index]
        state = replace(state, index=index, take=take)
        # The analyzers' question_start stops any wait for an earlier answer.
        marks.append(self._mark(QUESTION_START, state, at, analyze=True))
        return self._enter(state, Phase.THINK, at, question.think_s)

    def _answer(self, state: ScriptState, at: float, marks: list[ScriptMark]) -> ScriptState:
        if state.phase is Phase.PRACTICE_THINK:
            assert self.template.practice is not None
            return self._enter(state, Phase.PRACTICE_ANSWER, at, self.template.practice.answer_s)
        # For the analyzers the question has now been put: answer latency runs from here to the first speech.
        marks.append(self._mark(ANSWER_START, state, at, analyze=QUESTION_END))
        return self._enter(state, Phase.ANSWER, at, self.template.questions[state.index].answer_s)

    def _finish(self, state: ScriptState, at: float, marks: list[ScriptMark]) -> ScriptState:
        if state.phase is Phase.PRACTICE_ANSWER:
            return replace(self._enter(state, Phase.INTRO, at, None), practice_done=True)
        marks.append(self._mark(QUESTION_END, state, at, analyze=False))
        if state.take <= self.template.questions[state.index].retakes:
            return self._enter(state, Phase.REVIEW, at, REVIEW_S)
        return self._next(state, at, marks)

    def _next(self, state: ScriptState, at: float, marks: list[ScriptMark]) -> ScriptState:
        if state.index + 1 < self.count:
            return self._think(state, state.index + 1, 1, at, marks)
        return replace(self._enter(state, Phase.DONE, at, None), finished_at=at)

    def _mark(self, name: str, state: ScriptState, at: float, analyze: str | bool) -> ScriptMark:
        question = self.template.questions[state.index]
        label = f"Question {state.index + 1}"
        detail = {"index": state.index, "text": question.text, "label": label, "take": state.take, "mode": "one_way"}
        return ScriptMark(name, at, label, detail, analyze)

    def view(self, state: ScriptState, now: float) -> dict[str, Any]:
        """The step as the candidate's page sees it: never keywords, rubric or scores."""
        question = self.question(state)
        scored = state.phase in (Phase.THINK, Phase.ANSWER, Phase.REVIEW)
        duration = None
        if question is not None and state.phase in (Phase.THINK, Phase.PRACTICE_THINK):
            duration = question.think_s * self.scale
        elif question is not None and state.phase in (Phase.ANSWER, Phase.PRACTICE_ANSWER):
            duration = question.answer_s * self.scale
        elif state.phase is Phase.REVIEW:
            duration = REVIEW_S * self.scale
        return {
            "mode": "one_way",
            "phase": state.phase.value,
            "seq": state.seq,
            "index": state.index if scored else None,
            "count": self.count,
            "take": state.take if scored else None,
            "takes_allowed": 1 + question.retakes if scored and question else None,
            "question": question.for_candidate() if question else None,
            "practice": state.phase in (Phase.PRACTICE_THINK, Phase.PRACTICE_ANSWER),
            "actions": self.allowed(state),
            "deadline": state.deadline,
            "duration_s": duration,
            "remaining_s": None if state.deadline is None else max(0.0, round(state.deadline - now, 3)),
            "server_time": now,
        }
