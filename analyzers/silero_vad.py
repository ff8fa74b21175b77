"""Silero VAD (MIT) on onnxruntime: speech probability for each 32 ms window of 16 kHz audio, streamed.

The model file ships in the `silero-vad` wheel, installed `--no-deps`: importing the package would pull in torch,
so it is never imported; its folder is located with `importlib.util.find_spec`, which does not import it.

Silero v5/v6 reads 512-sample windows, each preceded by the last 64 samples of the window before (its "context";
zeros at the start of a stream), and carries an LSTM state (h, c) from window to window. We run
`silero_vad_16k_sequence.onnx`, the wheel's export of the same network that takes a block of such windows and
loops over them inside one onnxruntime call: per window it is bit-identical to the streaming model
`silero_vad.onnx` fed window by window (inputs `input` (1, 576), `state` (2, 1, 128) = [h; c], `sr`), which
tests/media/test_voice_analyzer.py checks, but a batch of several windows costs about half as much CPU per window,
since one Python-to-onnxruntime call per window is most of the price.

One `SileroModel` (the onnxruntime session) is shared by every stream in the process: sessions run concurrently
from analysis threads, and onnxruntime's `run` is thread-safe. It is pinned to one intra-op and one inter-op
thread, so each call runs on its caller's thread and parallel streams don't oversubscribe the cores.
A `SileroStream` holds one stream's state and context.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
WINDOW = 512  # samples per model window at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous window the model sees before each window
SEQUENCE_MODEL = "silero_vad_16k_sequence.onnx"
STREAMING_MODEL = "silero_vad.onnx"


class SileroModelMissing(RuntimeError):
    """The silero-vad wheel (which carries the .onnx) or onnxruntime is not installed."""


def silero_model_path(name: str = SEQUENCE_MODEL) -> Path:
    """Path of a model file inside the installed `silero-vad` wheel, found without importing the package."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise SileroModelMissing("silero-vad is not installed: pip install --no-deps silero-vad==6.2.3")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / name
        if path.is_file():
            return path
    raise SileroModelMissing(f"{name} not found in the silero-vad package (expected version 6.2.3)")


def onnx_session(path: Path) -> Any:  # onnxruntime.InferenceSession
    """An onnxruntime CPU session on one intra-op and one inter-op thread."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise SileroModelMissing("onnxruntime is not installed: pip install onnxruntime") from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # the export carries unused initializers that onnxruntime warns about
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


class SileroModel:
    """The loaded network; stateless, shared. `stream()` opens per-stream state."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or silero_model_path()
        self._session = onnx_session(self.path)

    def stream(self) -> SileroStream:
        return SileroStream(self)

    def run(self, windows: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities of (n, CONTEXT + WINDOW) float32 windows in order, from LSTM state (h, c); new state."""
        probs, h, c = self._session.run(["speech_probs", "hn", "cn"], {"input": windows, "h": h, "c": c})
        return probs.reshape(-1), h, c


class SileroStream:
    """One stream's recurrent state: feed consecutive 512-sample windows, get one speech probability each."""

    def __init__(self, model: SileroModel) -> None:
        self._model = model
        self.reset()

    def reset(self) -> None:
        """Start afresh (a new stream, or audio missing): zero state and context."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """Speech probability of each row of `frames`: (n, 512) int16, consecutive windows of one stream."""
        n = len(frames)
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        audio = frames.astype(np.float32) * np.float32(1.0 / 32768.0)
        windows = np.empty((n, CONTEXT + WINDOW), dtype=np.float32)
        windows[:, CONTEXT:] = audio
        windows[0, :CONTEXT] = self._context
        windows[1:, :CONTEXT] = audio[:-1, -CONTEXT:]
        probs, self._h, self._c = self._model.run(windows, self._h, self._c)
        self._context = audio[-1, -CONTEXT:].copy()
        return probs
