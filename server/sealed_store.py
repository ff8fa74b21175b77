"""The room store with what the candidate said sealed at rest: transcript observations and the report (which
quotes the transcript) are encrypted under the interview's data key before they reach SQLite or Redis.

A wrapper around either store (it delegates everything else), so neither store knows about keys. Once the data
key is shredded (deletion), sealed records can no longer be read: `timeline` leaves them out and `get_report`
answers None.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rooms.crypto import DecryptionError, open_record, seal_record
from rooms.keyring import Keyring
from rooms.model import Observation, ObservationType
from rooms.store import RoomStore

_SEALED = "sealed:v1:"
_REPORT_FIELD = "sealed_v1"


class SealedStore:
    def __init__(self, inner: RoomStore, keyring: Keyring) -> None:
        self._inner = inner
        self._keyring = keyring

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # everything not sealed goes straight to the store

    async def append_observations(self, room_id: str, observations: Sequence[Observation]) -> None:
        if any(o.type is ObservationType.TRANSCRIPT for o in observations):
            key = await self._keyring.data_key(room_id)
            observations = [_seal(key, room_id, o) if o.type is ObservationType.TRANSCRIPT else o for o in observations]
        await self._inner.append_observations(room_id, observations)

    async def timeline(self, room_id: str) -> list[Observation]:
        observations = await self._inner.timeline(room_id)
        if not any(_is_sealed(o) for o in observations):
            return observations
        key = await self._keyring.existing_key(room_id)
        opened = []
        for o in observations:
            if not _is_sealed(o):
                opened.append(o)
            elif key is not None:
                opened.append(_open(key, room_id, o))
        return opened

    async def save_report(self, room_id: str, report: dict[str, Any]) -> None:
        key = await self._keyring.data_key(room_id)
        sealed = seal_record(key, json.dumps(report).encode(), _label(room_id, "report"))
        await self._inner.save_report(room_id, {_REPORT_FIELD: base64.b64encode(sealed).decode()})

    async def get_report(self, room_id: str) -> dict[str, Any] | None:
        stored = await self._inner.get_report(room_id)
        if stored is None or _REPORT_FIELD not in stored:
            return stored  # written before reports were sealed
        key = await self._keyring.existing_key(room_id)
        if key is None:
            return None
        try:
            return json.loads(open_record(key, base64.b64decode(stored[_REPORT_FIELD]), _label(room_id, "report")))
        except DecryptionError:
            return None


def _label(room_id: str, what: str) -> str:
    return f"oi:{what}:{room_id}"


def _is_sealed(o: Observation) -> bool:
    return o.type is ObservationType.TRANSCRIPT and isinstance(o.value, str) and o.value.startswith(_SEALED)


def _seal(key: bytes, room_id: str, o: Observation) -> Observation:
    payload = json.dumps({"value": o.value, "detail": o.detail}).encode()
    sealed = base64.b64encode(seal_record(key, payload, _label(room_id, "transcript"))).decode()
    return replace(o, value=_SEALED + sealed, detail=None)


def _open(key: bytes, room_id: str, o: Observation) -> Observation:
    assert isinstance(o.value, str)  # sealed values are text
    payload = json.loads(open_record(key, base64.b64decode(o.value[len(_SEALED) :]), _label(room_id, "transcript")))
    return replace(o, value=payload["value"], detail=payload["detail"])
