"""Run an analyzer in child processes, for models that would hold the GIL or a core for long in the server.

Speech recognition decodes for about a second per utterance (Whisper base, one core) and its Python side holds the
GIL between native calls (PocketSphinx, used before, starved a 1 ms ticker thread for 250 ms), so in the server's
process it would stall the event loop and every other interview's analysis. In a child process it runs on its
own interpreter; the calling analysis thread waits on a pipe, which releases the GIL.

`ProcessAnalyzer` has the `Analyzer` shape, so the engine and the pipeline use it unchanged: its sessions forward
each call to the child that hosts them and return the child's observations. Each child hosts many sessions and
serves one call at a time; sessions are spread over the children by count.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic

from analyzers.base import Analyzer, AnalyzerSession, Marker, SampleT, SessionContext
from rooms.model import Observation

log = logging.getLogger(__name__)

AnalyzerFactory = Callable[[], Analyzer[Any]]
NICENESS = 10


class AnalyzerProcessError(RuntimeError):
    """The child failed a call or died; the caller's pipeline logs it and goes on with the next sample."""


def _serve(factory: AnalyzerFactory, conn: Connection) -> None:
    """The child's loop: build the analyzer, then answer (op, session_id, argument) calls until told to stop."""
    # Below the server's process: when CPU is short, the live path (decoding, face, voice) comes first and this
    # work trails behind (the pipeline gives it a window of its own for that).
    os.nice(NICENESS)
    analyzer = factory()
    sessions: dict[str, AnalyzerSession[Any]] = {}
    while True:
        try:
            op, session_id, argument = conn.recv()
        except EOFError:  # the server went away
            break
        try:
            if op == "warm_up":
                analyzer.warm_up()
                result: Any = None
            elif op == "open":
                sessions[session_id] = analyzer.open(session_id, argument)
                result = None
            elif op == "process":
                result = sessions[session_id].process(argument)
            elif op == "mark":
                result = sessions[session_id].mark(argument)
            elif op == "close":
                result = sessions.pop(session_id).close()
            elif op == "stop":
                conn.send(("ok", None))
                break
            else:
                raise ValueError(f"unknown call {op!r}")
            conn.send(("ok", result))
        except Exception as exc:  # noqa: BLE001 - reported to the caller, the child serves on
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    analyzer.close()


class _Child:
    """One child process and the pipe to it; calls are serialized by a lock."""

    def __init__(self, factory: AnalyzerFactory, name: str) -> None:
        # Spawn, not fork: the server's process holds threads (aiortc, onnxruntime, MediaPipe) a fork would copy
        # in whatever state they are in.
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self.process = context.Process(target=_serve, args=(factory, child_conn), name=name, daemon=True)
        self.process.start()
        child_conn.close()
        self._lock = threading.Lock()
        self.sessions = 0

    def call(self, op: str, session_id: str = "", argument: Any = None) -> Any:
        with self._lock:
            try:
                self._conn.send((op, session_id, argument))
                status, result = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise AnalyzerProcessError(f"{self.process.name} is gone (exit code {self.process.exitcode})") from exc
        if status != "ok":
            raise AnalyzerProcessError(f"{self.process.name}: {result}")
        return result

    def stop(self) -> None:
        try:
            self.call("stop")
        except AnalyzerProcessError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self._conn.close()


class _RemoteSession(Generic[SampleT]):
    def __init__(self, child: _Child, session_id: str) -> None:
        self._child = child
        self._session_id = session_id

    def process(self, sample: SampleT) -> list[Observation]:
        return self._child.call("process", self._session_id, sample)

    def mark(self, marker: Marker) -> list[Observation]:
        return self._child.call("mark", self._session_id, marker)

    def close(self) -> list[Observation]:
        self._child.sessions -= 1
        return self._child.call("close", self._session_id)


class ProcessAnalyzer(Generic[SampleT]):
    """An analyzer whose sessions live in `processes` child processes, each building its own from `factory`.

    `factory` must be picklable (a class, or a functools.partial of one with picklable settings).
    """

    max_rate_hz: float | None = None

    def __init__(self, factory: AnalyzerFactory, lane: str, processes: int, name: str = "analyzer") -> None:
        self._factory = factory
        self.lane = lane
        self._processes = max(1, processes)
        self.name = name
        self._children: list[_Child] = []
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Start the children (they start in parallel), then load the model in each."""
        with self._lock:
            if not self._children:
                self._children = [_Child(self._factory, f"{self.name}-{i}") for i in range(self._processes)]
        for child in self._children:
            child.call("warm_up")

    def open(self, session_id: str, context: SessionContext | None = None) -> _RemoteSession[SampleT]:
        if not self._children:
            self.warm_up()
        with self._lock:
            child = min(self._children, key=lambda c: c.sessions)
            child.sessions += 1
        child.call("open", session_id, context)
        return _RemoteSession(child, session_id)

    def in_this_process(self) -> Analyzer[SampleT]:
        """The analyzer the children run, built here (bench/load.py times the model's own work without the pipe)."""
        return self._factory()

    @property
    def pids(self) -> list[int]:
        return [c.process.pid for c in self._children if c.process.pid is not None]

    def close(self) -> None:
        for child in self._children:
            child.stop()
        self._children = []
