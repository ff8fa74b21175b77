"""The server-side integrity checks that read the analyzers' own observations (no model work of their own): voice
and mouth that do not go together, and eye movements like reading. Where the face lane and the voice lane meet."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from analyzers.mouth_voice import MouthVoiceCheck
from analyzers.reading import ReadingDetector
from rooms.integrity import READING, VOICE_MOUTH_MISMATCH
from rooms.model import Observation


class IntegrityWatch:
    """One interview's checks, for the signals in `enabled`. `feed` every observation batch the pipeline emits."""

    def __init__(self, enabled: Collection[str]) -> None:
        self._checks: list[MouthVoiceCheck | ReadingDetector] = []
        if VOICE_MOUTH_MISMATCH in enabled:
            self._checks.append(MouthVoiceCheck())
        if READING in enabled:
            self._checks.append(ReadingDetector())

    def feed(self, observations: Sequence[Observation]) -> list[Observation]:
        return [event for check in self._checks for event in check.feed(observations)]

    def close(self) -> list[Observation]:
        return [event for check in self._checks for event in check.close()]
