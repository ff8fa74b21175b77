"""Live face analysis of the candidate's video: presence, head pose, gaze/eye contact, expression descriptors.

One MediaPipe Face Landmarker per interview, in VIDEO mode so it tracks the face between frames instead of
re-detecting it on every frame. The model bytes are read once per process and shared (immutable) by sessions.
Eye contact is judged around the candidate's own calibrated gaze (analyzers/eye_contact.py). Expression
classes (emotion inference, analyzers/expression_classifier.py) exist only when the config turns them on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from analyzers.base import Marker, SessionContext, VideoSample
from analyzers.expression import blendshape_scores, expression_scores
from analyzers.expression_classifier import EXPRESSION_LABELS, ExpressionClassifier
from analyzers.eye_contact import (
    DEFAULT_CALIBRATION_S,
    DEFAULT_LOOK_AWAY_AFTER_S,
    DEFAULT_MAX_BASELINE_OFFSET_DEG,
    EyeContactJudge,
    LookAwayTracker,
)
from analyzers.head_pose import (
    DEFAULT_BLINK_THRESHOLD,
    DEFAULT_MAX_PITCH_DEG,
    DEFAULT_MAX_YAW_DEG,
    estimate_gaze,
    head_pose_from_matrix,
    iris_position,
    landmarks_to_pixels,
)
from analyzers.model_files import face_landmarker_path
from rooms.measures import (
    BROW_FURROW,
    EXPRESSION_CLASS,
    EYE_CONTACT,
    EYES_CLOSED,
    FACE_COUNT,
    FACE_FOUND,
    FACE_LOST,
    FACE_PRESENT,
    GAZE_PITCH,
    GAZE_YAW,
    HEAD_PITCH,
    HEAD_YAW,
    MOUTH_OPEN,
    MULTIPLE_FACES,
    SMILE,
    VIDEO_LANE,
)
from rooms.model import Observation, ObservationType


@dataclass(frozen=True, slots=True)
class FaceAnalyzerConfig:
    """Settings for face analysis; defaults suit one candidate in front of a laptop webcam."""

    # Up to 3 so a second person in the room is seen; each extra face costs a landmark pass.
    max_faces: int = 3
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    eye_contact_max_yaw_deg: float = DEFAULT_MAX_YAW_DEG
    eye_contact_max_pitch_deg: float = DEFAULT_MAX_PITCH_DEG
    blink_threshold: float = DEFAULT_BLINK_THRESHOLD
    # `smile` metrics carry detail {"smiling": score >= this}, so consumers share one cut-off.
    smile_threshold: float = 0.5
    # A face missing for less than this (a turn of the head, a hand, a dropped detection) is not "lost".
    face_lost_after_s: float = 1.0
    # Seconds of open-eyed frames at the start whose median gaze becomes the candidate's "at the screen"
    # direction; eye contact is then judged around it. 0 turns calibration off (limits around 0 throughout).
    eye_contact_calibration_s: float = DEFAULT_CALIBRATION_S
    # The calibrated baseline is capped at this many degrees from 0 on each axis.
    eye_contact_max_baseline_offset_deg: float = DEFAULT_MAX_BASELINE_OFFSET_DEG
    # Eye contact 0 for longer than this emits a "look_away" event.
    look_away_after_s: float = DEFAULT_LOOK_AWAY_AFTER_S
    # Emotion inference (an "expression_class" label per face): off unless a deployment turns it on, since
    # some jurisdictions ban emotion recognition at work. While off, its model is never loaded.
    emotion_inference: bool = False
    # With emotion inference on, classify every N-th frame that has a face, to bound its CPU cost.
    expression_class_every: int = 3


@dataclass(frozen=True, slots=True)
class _Face:
    """The candidate's face from one frame, reduced to what the observations need."""

    points: np.ndarray  # (478, 2) pixels
    blendshapes: dict[str, float]
    matrix: np.ndarray | None


def _bbox_area(landmarks: list[Any]) -> float:
    xs = [p.x for p in landmarks]
    ys = [p.y for p in landmarks]
    return float((max(xs) - min(xs)) * (max(ys) - min(ys)))


def _as_rgb_image(image: np.ndarray) -> mp.Image:
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB image (height, width, 3), got shape {image.shape}")
    # mp.Image reads the buffer as packed rows: a strided view (PyAV pads rows of odd widths, slicing makes
    # views) is silently misread and yields no face, so copy unless it is already packed uint8.
    data = np.ascontiguousarray(image, dtype=np.uint8)
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=data)


def _create_landmarker(model: bytes, config: FaceAnalyzerConfig) -> vision.FaceLandmarker:
    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model),
        running_mode=vision.RunningMode.VIDEO,
        num_faces=config.max_faces,
        min_face_detection_confidence=config.min_detection_confidence,
        min_face_presence_confidence=config.min_presence_confidence,
        min_tracking_confidence=config.min_tracking_confidence,
        output_face_blendshapes=True,
        output_facial_transformation_matrixes=True,
    )
    return vision.FaceLandmarker.create_from_options(options)


def synthetic_face_image(width: int = 640, height: int = 480) -> np.ndarray:
    """A drawn face (skin oval, eyes with irises, brows, nose, mouth) on a grey wall, for warm-up and tests.

    It is crude; what matters is that it drives the detector and landmark stages with face-like input.
    """
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.full((height, width, 3), 120, dtype=np.uint8)
    cx, cy = width / 2, height / 2
    fw, fh = 0.16 * width, 0.30 * height

    def oval(x: float, y: float, rx: float, ry: float) -> np.ndarray:
        return np.asarray(((xx - x) / rx) ** 2 + ((yy - y) / ry) ** 2 <= 1.0)

    image[oval(cx, cy - 0.55 * fh, 1.05 * fw, 0.6 * fh)] = (40, 30, 25)  # hair
    image[oval(cx, cy, fw, fh)] = (224, 172, 140)
    for side in (-1, 1):
        ex, ey = cx + side * 0.4 * fw, cy - 0.15 * fh
        image[oval(ex, ey, 0.22 * fw, 0.08 * fh)] = (245, 245, 245)
        image[oval(ex, ey, 0.09 * fw, 0.075 * fh)] = (70, 45, 30)
        image[oval(ex, ey, 0.04 * fw, 0.035 * fh)] = (10, 10, 10)
        image[oval(ex, ey - 0.17 * fh, 0.25 * fw, 0.025 * fh)] = (60, 40, 30)
    image[oval(cx, cy + 0.12 * fh, 0.1 * fw, 0.12 * fh)] = (200, 140, 110)
    image[oval(cx, cy + 0.45 * fh, 0.35 * fw, 0.06 * fh)] = (150, 60, 60)
    return image


class FaceSession:
    """Face analysis state for one interview: owns one landmarker, which close() releases."""

    def __init__(
        self,
        session_id: str,
        model: bytes,
        config: FaceAnalyzerConfig,
        classifier: ExpressionClassifier | None = None,
    ) -> None:
        self.session_id = session_id
        self._config = config
        self._landmarker: vision.FaceLandmarker | None = _create_landmarker(model, config)
        self._classifier = classifier if config.emotion_inference else None
        self._face_frames = 0  # frames with a candidate face, which pace the expression classifier
        self._eye_contact = EyeContactJudge(
            max_yaw_deg=config.eye_contact_max_yaw_deg,
            max_pitch_deg=config.eye_contact_max_pitch_deg,
            blink_threshold=config.blink_threshold,
            calibration_s=config.eye_contact_calibration_s,
            max_baseline_offset_deg=config.eye_contact_max_baseline_offset_deg,
        )
        self._look_away = LookAwayTracker(config.look_away_after_s)
        self._last_t = 0.0
        self._last_arrival = 0.0
        # A per-session lock: the contract is one caller at a time, this makes a broken contract safe.
        self._lock = threading.Lock()
        self._last_timestamp_ms = -1
        self._present = False  # the reported state, which lags raw detections by the face-lost delay
        self._last_seen_t: float | None = None
        self._previous_count = 0

    def process(self, sample: VideoSample) -> list[Observation]:
        """Analyse one frame; frames must come in media-time order."""
        with self._lock:
            if self._landmarker is None:
                raise RuntimeError(f"face session {self.session_id} is closed")
            # VIDEO mode rejects a timestamp that is not strictly greater than the previous one; media
            # times can repeat at millisecond resolution (or step back across a reconnect), so bump them.
            timestamp_ms = max(int(sample.t * 1000), self._last_timestamp_ms + 1)
            self._last_timestamp_ms = timestamp_ms
            result = self._landmarker.detect_for_video(_as_rgb_image(sample.image), timestamp_ms)
            self._last_t, self._last_arrival = sample.t, sample.arrival
            height, width = sample.image.shape[:2]
            face = self._candidate(result, width, height)
            count = len(result.face_landmarks)
            observations = self._presence(sample, count)
            if face is not None:
                observations.extend(self._face_metrics(sample, face))
                observations.extend(self._expression_class(sample, face))
            return observations

    def mark(self, marker: Marker) -> list[Observation]:
        """Script markers do not change what a face shows."""
        return []

    def close(self) -> list[Observation]:
        """Release the landmarker; end a look-away stretch that is still open (look_back, detail final)."""
        with self._lock:
            if self._landmarker is None:
                return []
            self._landmarker.close()
            self._landmarker = None
            self._classifier = None  # shared by the analyzer's sessions: only our reference goes
            return self._look_away.close(self._last_t, self._last_arrival)

    def _candidate(self, result: Any, width: int, height: int) -> _Face | None:
        """The candidate is the largest face: the one nearest the camera, whose webcam this is."""
        if not result.face_landmarks:
            return None
        faces = result.face_landmarks
        index = 0 if len(faces) == 1 else max(range(len(faces)), key=lambda i: _bbox_area(faces[i]))
        landmarks = result.face_landmarks[index]
        normalised = np.array([(p.x, p.y) for p in landmarks], dtype=np.float64)
        blendshapes = result.face_blendshapes[index] if index < len(result.face_blendshapes) else []
        matrices = result.facial_transformation_matrixes
        return _Face(
            points=landmarks_to_pixels(normalised, width, height),
            blendshapes=blendshape_scores(blendshapes),
            matrix=np.asarray(matrices[index]) if index < len(matrices) else None,
        )

    def _presence(self, sample: VideoSample, count: int) -> list[Observation]:
        t, arrival = sample.t, sample.arrival
        observations = [
            Observation(ObservationType.METRIC, FACE_COUNT, count, t, arrival),
            Observation(ObservationType.METRIC, FACE_PRESENT, 1.0 if count else 0.0, t, arrival),
        ]
        if count:
            if not self._present:
                detail = None if self._last_seen_t is None else {"absent_s": round(t - self._last_seen_t, 3)}
                observations.append(Observation(ObservationType.EVENT, FACE_FOUND, None, t, arrival, detail))
                self._present = True
            self._last_seen_t = t
        elif self._present and self._last_seen_t is not None:
            if t - self._last_seen_t >= self._config.face_lost_after_s:
                self._present = False
                detail = {"last_seen_t": round(self._last_seen_t, 3)}
                observations.append(Observation(ObservationType.EVENT, FACE_LOST, None, t, arrival, detail))
                observations.extend(self._look_away.face_lost(t, arrival, self._last_seen_t))
        if count > 1 and self._previous_count <= 1:
            observations.append(Observation(ObservationType.EVENT, MULTIPLE_FACES, count, t, arrival))
        self._previous_count = count
        return observations

    def _face_metrics(self, sample: VideoSample, face: _Face) -> list[Observation]:
        config = self._config
        t, arrival = sample.t, sample.arrival

        def metric(name: str, value: float, detail: dict[str, Any] | None = None) -> Observation:
            return Observation(ObservationType.METRIC, name, value, t, arrival, detail)

        observations: list[Observation] = []
        if face.matrix is not None:
            pose = head_pose_from_matrix(face.matrix)
            gaze = estimate_gaze(pose, iris_position(face.points))
            observations += [metric(HEAD_YAW, round(pose.yaw, 1)), metric(HEAD_PITCH, round(pose.pitch, 1))]
            contact, calibrated = self._eye_contact.judge(
                t,
                arrival,
                gaze,
                face.blendshapes.get("eyeBlinkLeft", 0.0),
                face.blendshapes.get("eyeBlinkRight", 0.0),
            )
            # Closed eyes: gaze and eye contact are undetermined, so no sample rather than a made-up angle
            # or a false "looked away" (the iris landmarks of a closed eye are the model's guesses).
            if contact is not None:
                observations += [
                    metric(GAZE_YAW, round(gaze.yaw, 1)),
                    metric(GAZE_PITCH, round(gaze.pitch, 1)),
                    metric(EYE_CONTACT, 1.0 if contact else 0.0),
                ]
            observations += calibrated
            observations += self._look_away.update(t, arrival, contact)
        scores = expression_scores(face.blendshapes)
        observations += [
            metric(SMILE, round(scores.smile, 3), {"smiling": scores.smile >= config.smile_threshold}),
            metric(BROW_FURROW, round(scores.brow_furrow, 3)),
            metric(MOUTH_OPEN, round(scores.mouth_open, 3)),
            metric(EYES_CLOSED, round(scores.eyes_closed, 3)),
        ]
        return observations

    def _expression_class(self, sample: VideoSample, face: _Face) -> list[Observation]:
        """Every N-th face frame, the classifier's top label with all probabilities; nothing while it is off."""
        if self._classifier is None:
            return []
        self._face_frames += 1
        if (self._face_frames - 1) % max(1, self._config.expression_class_every):
            return []
        try:
            probabilities = self._classifier.classify_landmarks(sample.image, face.points)
        except ValueError:  # the face box lies outside the frame: landmarks extrapolated off-image
            return []
        top = max(EXPRESSION_LABELS, key=probabilities.__getitem__)
        detail = {"probabilities": {label: round(p, 3) for label, p in probabilities.items()}}
        return [Observation(ObservationType.METRIC, EXPRESSION_CLASS, top, sample.t, sample.arrival, detail)]


class FaceAnalyzer:
    """Holds the face model for the process and opens one `FaceSession` per interview."""

    lane: ClassVar[str] = VIDEO_LANE
    max_rate_hz: ClassVar[float | None] = None  # the deployment's --analysis-fps

    def __init__(
        self,
        config: FaceAnalyzerConfig | None = None,
        model_path: Path | None = None,
        expression_model_path: Path | None = None,
    ) -> None:
        self.config = config or FaceAnalyzerConfig()
        # Read once: sessions build their landmarker from these bytes, never touching the disk again.
        self._model: bytes | None = (model_path or face_landmarker_path()).read_bytes()
        # One classifier for all sessions (onnxruntime's run() is thread-safe); never loaded while off.
        self._classifier: ExpressionClassifier | None = (
            ExpressionClassifier(expression_model_path) if self.config.emotion_inference else None
        )

    def warm_up(self) -> None:
        """Run a throwaway landmarker on a blank and on a drawn face, so the first interview is not slow.

        The first landmarker in a process pays for loading the runtime and initialising its graph (measured
        here: open() ~100 ms cold, ~35-60 ms after warm-up); the drawn face is detected, so the landmark,
        blendshape and geometry stages run too, not just the detector.
        """
        with self._open_landmarker() as landmarker:
            landmarker.detect_for_video(_as_rgb_image(np.zeros((480, 640, 3), dtype=np.uint8)), 0)
            face = synthetic_face_image()
            result = landmarker.detect_for_video(_as_rgb_image(face), 33)
        if self._classifier is not None and result.face_landmarks:
            points = np.array([(p.x, p.y) for p in result.face_landmarks[0]]) * (face.shape[1], face.shape[0])
            self._classifier.classify_landmarks(face, points)

    def open(self, session_id: str, context: SessionContext | None = None) -> FaceSession:
        return FaceSession(session_id, self._require_model(), self.config, self._classifier)

    def close(self) -> None:
        """Drop the models. Open sessions keep working until their own close()."""
        self._model = None
        self._classifier = None

    def _require_model(self) -> bytes:
        if self._model is None:
            raise RuntimeError("FaceAnalyzer is closed")
        return self._model

    def _open_landmarker(self) -> vision.FaceLandmarker:
        return _create_landmarker(self._require_model(), self.config)
