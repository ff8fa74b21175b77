"""Closing an interview's session is bounded: the recording's last segments are written in the background (its
threads are shared by every room's recording and joins), and finished() waits for them and the pipeline's tail."""

from __future__ import annotations

import asyncio
import time

from realtime.session import InterviewSession


class TailingPipeline:
    """A pipeline whose close() returns at once and whose speech recognition finishes `tail_s` later."""

    def __init__(self, tail_s: float) -> None:
        self._tail_s = tail_s
        self._done: asyncio.Future[None] | None = None

    async def close(self) -> None:
        self._done = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(self._tail_s, self._done.set_result, None)

    async def finished(self) -> None:
        assert self._done is not None, "finished() before close()"
        await asyncio.shield(self._done)


class SlowRecorder:
    """A recorder whose last segments take `close_s` to write (other rooms' joins ahead of it on its threads)."""

    def __init__(self, close_s: float) -> None:
        self._close_s = close_s
        self.closed = False

    def attach(self, track: object) -> None:
        raise AssertionError("no tracks in this test")

    async def close(self) -> None:
        await asyncio.sleep(self._close_s)
        self.closed = True


async def test_close_does_not_wait_for_the_recording_and_finished_waits_for_everything() -> None:
    recorder = SlowRecorder(close_s=0.6)
    session = InterviewSession(
        "room",
        TailingPipeline(tail_s=0.3),  # type: ignore[arg-type]
        rtc_config=lambda: None,  # type: ignore[arg-type,return-value]
        on_candidate_connection=lambda up: None,
        recorder=recorder,  # type: ignore[arg-type]
    )
    started = time.monotonic()
    await session.close()
    assert time.monotonic() - started < 0.2
    assert not recorder.closed
    await asyncio.wait_for(session.finished(), timeout=2.0)
    assert recorder.closed and time.monotonic() - started >= 0.6
