"""The latest health each live interview's analysis reported, kept where its observations reach the server.

/metrics and the node's health messages read these numbers, never the pipeline itself: the pipeline may run in
another process (a media worker), and all the server sees of it is the observations it emits, health included,
every health interval (realtime/pipeline.py `health`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rooms.model import Observation, ObservationType


@dataclass(slots=True)
class RoomHealth:
    """One live interview: when its media time began, and its latest value of each health measure."""

    started_at: float  # wall clock of media time 0 (the room's start)
    values: dict[str, float] = field(default_factory=dict)
    reported_at: float | None = None  # wall clock of the latest health observation

    def feed(self, observations: list[Observation]) -> None:
        for observation in observations:
            value = observation.value
            if observation.type is ObservationType.HEALTH and isinstance(value, (int, float)):
                if not isinstance(value, bool):
                    self.values[observation.name] = float(value)
                    self.reported_at = observation.arrival


class LiveHealth:
    """The rooms whose analysis runs on this node, by id; an entry lives from the session's open to its stop."""

    def __init__(self) -> None:
        self._rooms: dict[str, RoomHealth] = {}

    def open(self, room_id: str, started_at: float) -> RoomHealth:
        """A session starts (or restarts after a reconnect): the latest values start afresh."""
        self._rooms[room_id] = health = RoomHealth(started_at)
        return health

    def close(self, room_id: str) -> None:
        self._rooms.pop(room_id, None)

    def get(self, room_id: str) -> RoomHealth | None:
        return self._rooms.get(room_id)
