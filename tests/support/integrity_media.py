"""Constructed media for the integrity checks (bench/integrity.py, tests): a real face photo whose jaw is opened
by an audio track's loudness (a "puppet": the face below the lips shifts down and the gap is drawn dark, which
MediaPipe's jawOpen follows, 0.05 closed to 0.18 at 20 px), and espeak-ng speech tracks with pauses.

Own audio = the track that drives the jaw (a clean case); another voice saying other words = a dub."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from analyzers.face import FaceAnalyzer
from tests.support.face_media import feat_data_dir, read_image
from tests.support.speech import espeak_wav, splice

FPS = 10
RATE = 16000
TEXTS = (
    "I led the migration of our billing service to a new database.",
    "The hardest part was keeping both systems consistent during the switch.",
    "We wrote a small tool that compared every record every night.",
    "After three weeks the numbers matched and we turned the old one off.",
    "I learned to plan the rollback before the rollout.",
    "Our customers never noticed, which was the whole point.",
    "Next time I would automate the comparison from the first day.",
)

# What the other voice says over the face (the dub): other words, so its rhythm is its own.
DUB_TEXTS = (
    "Well, honestly, the first thing I would check is the logs from that night.",
    "Our manager asked for a plan by Friday, so we split the work in three.",
    "Testing took longer than coding, as it usually does.",
    "I think good documentation saves more time than any clever trick.",
    "Then we found the bug: a time zone conversion in the report job.",
)


def speech_track(seconds: float, seed: int, voice: str, folder: Path, texts: tuple[str, ...] = TEXTS) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray | float] = [float(rng.uniform(0.5, 1.5))]
    total = parts[0]
    i = 0
    while total < seconds:
        text = texts[int(rng.integers(len(texts)))]
        clip = espeak_wav(text, int(rng.integers(140, 180)), folder / f"s{seed}-{i}.wav", voice)
        pause = float(rng.uniform(1.0, 3.0))
        parts += [clip, pause]
        total += len(clip) / RATE + pause
        i += 1
    pcm = splice(parts).pcm
    need = int(seconds * RATE)
    return np.pad(pcm, (0, max(0, need - len(pcm))))[:need]


def envelope(pcm: np.ndarray, fps: int = FPS) -> np.ndarray:
    """Loudness per video frame, 0-1: what drives the puppet's jaw."""
    hop = RATE // fps
    frames = pcm[: len(pcm) // hop * hop].astype(np.float64).reshape(-1, hop)
    rms = np.sqrt((frames**2).mean(axis=1))
    top = np.percentile(rms, 95) or 1.0
    return np.clip(rms / top, 0.0, 1.0)


class Puppet:
    """A real face photo whose jaw opens by `d` pixels (see the module's note)."""

    def __init__(self, face: FaceAnalyzer) -> None:
        """`face`: a warmed-up analyzer, used once to find the lips."""
        import mediapipe as mp

        self.image = read_image(feat_data_dir() / "single_face.jpg")
        session = face.open("puppet-setup")
        result = session._landmarker.detect_for_video(  # noqa: SLF001 - one-off landmark read for the set-up
            mp.Image(image_format=mp.ImageFormat.SRGB, data=self.image), 1
        )
        session.close()
        h, w = self.image.shape[:2]
        self.points = np.array([(p.x * w, p.y * h) for p in result.face_landmarks[0]])

    def frame(self, opening: float) -> np.ndarray:
        pts, img = self.points, self.image
        out = img.copy()
        d = int(round(opening * 20 * img.shape[0] / 480))
        if d <= 0:
            return out
        y0 = int(round((pts[13][1] + pts[14][1]) / 2))
        x0, x1 = int(pts[61][0]) - 4, int(pts[291][0]) + 4
        chin, xa, xb = int(pts[152][1]) + 15, int(pts[172][0]), int(pts[397][0])
        out[y0 + d : chin, xa:xb] = img[y0 : chin - d, xa:xb]
        cx, w = (x0 + x1) // 2, max(1, (x1 - x0) // 2)
        yy, xx = np.mgrid[y0 : y0 + d + 1, x0 : x1 + 1]
        inside = ((xx - cx) / w) ** 2 + ((yy - (y0 + d / 2)) / max(d / 2, 1)) ** 2 <= 1
        out[y0 : y0 + d + 1, x0 : x1 + 1][inside] = (50, 15, 20)
        return out


def write_clip(path: Path, frames: list[np.ndarray], pcm: np.ndarray, fps: int = FPS) -> Path:
    """A Matroska file (VP8 + Opus, as the bots' other clips) an aiortc MediaPlayer can play: the frames at `fps`
    and the 16 kHz mono track, both of the same length."""
    wav = path.with_suffix(".wav")
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.astype(np.int16).tobytes())
    height, width = frames[0].shape[:2]
    command = [
        "ffmpeg", "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
        "-i", str(wav),
        "-map", "0:v", "-map", "1:a", "-shortest",
        "-vf", "scale=640:-2,format=yuv420p",
        "-c:v", "libvpx", "-b:v", "1M", "-deadline", "realtime", "-cpu-used", "8",
        "-c:a", "libopus", "-b:a", "48k", "-ar", "48000",
        str(path),
    ]  # fmt: skip
    subprocess.run(command, input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames), check=True)
    return path
