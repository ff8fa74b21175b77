"""Head pose, iris position and eye contact from MediaPipe Face Landmarker output: pure numpy geometry.

Conventions (verified on real frames and on their horizontal mirror images, see tests/media/test_face_analyzer.py):

* Camera space is MediaPipe's face-geometry space: right-handed, x toward the image's right, y up, z toward
  the viewer; the camera sits at the origin looking down -z, so a face in front of it has translation z < 0
  (about -40 for a webcam face; units are centimetres of the canonical face model).
* The 4x4 facial transformation matrix maps the canonical face model into camera space. Its 3x3 block is a
  rotation (columns are unit length up to float noise; we re-normalise them anyway). The canonical face looks
  along +z, toward the camera, with +x toward the image's right when frontal (that is the candidate's own left
  side) and +y up.
* Angles are degrees, decomposed as R = Ry(yaw) @ Rx(-pitch) @ Rz(roll) (intrinsic Y-X-Z):
  - yaw   = atan2(R[0,2], R[2,2]): > 0 when the face turns toward the image's right, which in an unmirrored
            webcam frame is the candidate's own left. 0 when facing the camera axis.
  - pitch = asin(R[1,2]): > 0 when the face tilts up (chin up), < 0 looking down.
  - roll  = atan2(R[1,0], R[1,1]): > 0 when the image-right eye sits higher than the image-left eye.
  Yaw and pitch are exactly the horizontal and vertical angles of the face's forward direction R @ (0, 0, 1),
  so they do not depend on roll.

Iris ratios are measured in pixel units (x right, y down) so that non-square frames do not skew them, and by
projection onto each eye's own axis so that head roll does not leak into them:

* horizontal = position of the iris centre along the corner-to-corner segment, from the image-left corner
  (0) to the image-right corner (1): the candidate's right eye is corners 33 -> 133, iris 468; the left eye is
  corners 362 -> 263, iris 473. > 0.5 means the iris sits toward the image's right. Mirroring the image maps
  each eye's ratio h to about 1 - h and swaps the eyes, so the averaged neutral value is 0.5 by symmetry
  (per eye it is not: caruncle and canthus landmarks are asymmetric).
* vertical = position of the iris centre along the upper-lid to lower-lid segment (159 -> 145 for the right
  eye, 386 -> 374 for the left): 0 at the upper lid, 1 at the lower lid; > 0.5 means looking down.

Gaze (eye-in-head rotation added to head rotation; a standard first-order model):

* eye yaw   = asin((horizontal - 0.5) / IRIS_SWING_H): the iris centre moves on a circle of radius
  ~10.5 mm about the eye's centre of rotation while the canthus-to-canthus width is ~29 mm, so a 90 degree
  rotation would move it ~0.36 eye widths. Both shrink alike with head yaw, so the ratio stays an
  eye-in-head measure.
* eye pitch = -asin((vertical - 0.5) / IRIS_SWING_V), vertical clipped to [0, 1]. The lid gap (~10 mm) is the
  ruler here, and the upper lid follows the eye by roughly half the iris motion, hence ~0.5. This is the
  coarse axis: smiles narrow the gap and lids move with gaze, so vertical gaze carries a few degrees of bias.
  An eye whose lid gap is under MIN_EYE_OPENNESS (0.2) of its width is left out of the vertical average: as
  the gap closes the ratio divides by almost nothing (measured: it swings between -5 and +5 on closed eyes,
  while open eyes read 0.4-0.6). With neither eye readable the eye pitch is taken as 0 (head pitch only).
* The head angles are taken relative to the line from the face to the camera, not to the camera axis: a
  candidate sitting off to one side of the frame who looks into the lens has to turn toward it. The bearing
  comes from the matrix translation: gaze_yaw = yaw + eye_yaw + atan2(tx, -tz), gaze_pitch = pitch +
  eye_pitch + atan2(ty, hypot(tx, tz)). At 0, 0 the candidate looks straight into the camera.

Eye contact means "looking at the camera or the screen area around it": |gaze_yaw| <= 15 and
|gaze_pitch| <= 15 degrees by default. Why 15: in a video interview the interviewer's picture sits on the
screen just below or beside the camera; at a typical 50-60 cm viewing distance a 15 degree cone reaches
13-16 cm from the lens, which covers a laptop camera and the upper-middle of its screen, while reading notes at
the edge of a screen, the keyboard or a second monitor falls outside. It also leaves margin for the estimate's
frame-to-frame noise (about +-3 degrees on the still webcam face in the tests) and its few degrees of bias.
Closed eyes (both eyeBlink blendshapes > 0.5) make eye contact undetermined (None): a blink is not looking away,
and the iris landmarks of a closed eye are guesses; the face analyzer then emits no gaze sample either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Landmark indices in MediaPipe's 478-point face mesh (468 mesh points + 10 iris points).
RIGHT_EYE_CORNERS = (33, 133)  # the candidate's right eye, image-left corner first in an unmirrored frame
LEFT_EYE_CORNERS = (362, 263)
RIGHT_EYE_LIDS = (159, 145)  # upper, lower
LEFT_EYE_LIDS = (386, 374)
RIGHT_IRIS_CENTER = 468
LEFT_IRIS_CENTER = 473
NUM_LANDMARKS_WITH_IRIS = 478

IRIS_SWING_H = 0.36  # eye-width fraction the iris centre would travel for a 90 degree eye rotation
IRIS_SWING_V = 0.5  # lid-gap fraction for the same, with the lids following the eye
# Lid gap / eye width below which the vertical ratio is noise: open eyes measure 0.25-0.45 (smiling-wide).
MIN_EYE_OPENNESS = 0.2

DEFAULT_MAX_YAW_DEG = 15.0
DEFAULT_MAX_PITCH_DEG = 15.0
DEFAULT_BLINK_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Head rotation (degrees, signs in the module docstring) and where the face sits as seen from the camera.

    `bearing_yaw`/`bearing_pitch`: angles of the face's position off the camera axis (> 0 right of / above
    the axis), used to measure gaze against the line to the camera.
    """

    yaw: float
    pitch: float
    roll: float
    bearing_yaw: float = 0.0
    bearing_pitch: float = 0.0


@dataclass(frozen=True, slots=True)
class IrisPosition:
    """Iris centre ratios per eye and averaged over both (0.5 = centred; see the module docstring).

    `*_openness`: lid gap over eye width, which says whether that eye's vertical ratio means anything.
    """

    right_horizontal: float
    left_horizontal: float
    right_vertical: float
    left_vertical: float
    right_openness: float = 1.0
    left_openness: float = 1.0

    @property
    def horizontal(self) -> float:
        return (self.right_horizontal + self.left_horizontal) / 2.0

    @property
    def vertical(self) -> float:
        return (self.right_vertical + self.left_vertical) / 2.0

    def readable_vertical(self, min_openness: float = MIN_EYE_OPENNESS) -> float | None:
        """Mean vertical ratio over the eyes open wide enough to read it; None when neither is."""
        readable = [
            vertical
            for vertical, openness in (
                (self.right_vertical, self.right_openness),
                (self.left_vertical, self.left_openness),
            )
            if openness >= min_openness
        ]
        return sum(readable) / len(readable) if readable else None


@dataclass(frozen=True, slots=True)
class Gaze:
    """Estimated gaze direction in degrees relative to the line from the face to the camera (0, 0 = at it)."""

    yaw: float
    pitch: float


def head_pose_from_matrix(matrix: np.ndarray) -> HeadPose:
    """Head yaw/pitch/roll in degrees from MediaPipe's 4x4 facial transformation matrix."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (4, 4):
        raise ValueError(f"expected a 4x4 matrix, got shape {m.shape}")
    rotation = m[:3, :3]
    norms = np.linalg.norm(rotation, axis=0)
    if np.any(norms == 0.0):
        raise ValueError("degenerate transformation matrix")
    rotation = rotation / norms  # drop any uniform scale so the trigonometry below sees a rotation
    yaw = math.degrees(math.atan2(rotation[0, 2], rotation[2, 2]))
    pitch = math.degrees(math.asin(float(np.clip(rotation[1, 2], -1.0, 1.0))))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[1, 1]))
    tx, ty, tz = (float(v) for v in m[:3, 3])
    if tz < 0.0:
        bearing_yaw = math.degrees(math.atan2(tx, -tz))
        bearing_pitch = math.degrees(math.atan2(ty, math.hypot(tx, tz)))
    else:  # no translation given (pure rotation, as in tests): the face is taken to sit on the axis
        bearing_yaw = bearing_pitch = 0.0
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll, bearing_yaw=bearing_yaw, bearing_pitch=bearing_pitch)


def landmarks_to_pixels(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N, >=2) normalised landmark coordinates to (N, 2) pixels, so ratios are not skewed by the aspect."""
    points = np.asarray(landmarks, dtype=np.float64)
    return points[:, :2] * np.array([width, height], dtype=np.float64)


def _segment_ratio(points: np.ndarray, start: int, end: int, target: int) -> float:
    axis = points[end] - points[start]
    length_sq = float(np.dot(axis, axis))
    if length_sq <= 1e-12:
        return 0.5  # eye collapsed to a point (closed or far away): no information, report centred
    return float(np.dot(points[target] - points[start], axis) / length_sq)


def _openness(points: np.ndarray, corners: tuple[int, int], lids: tuple[int, int]) -> float:
    width = float(np.linalg.norm(points[corners[1]] - points[corners[0]]))
    if width <= 1e-9:
        return 0.0
    return float(np.linalg.norm(points[lids[1]] - points[lids[0]])) / width


def iris_position(points: np.ndarray) -> IrisPosition:
    """Iris ratios from the 478 face landmarks in pixel coordinates (x right, y down)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < NUM_LANDMARKS_WITH_IRIS or pts.shape[1] < 2:
        raise ValueError(f"expected ({NUM_LANDMARKS_WITH_IRIS}, 2+) landmarks with iris points, got {pts.shape}")
    pts = pts[:, :2]
    return IrisPosition(
        right_horizontal=_segment_ratio(pts, *RIGHT_EYE_CORNERS, RIGHT_IRIS_CENTER),
        left_horizontal=_segment_ratio(pts, *LEFT_EYE_CORNERS, LEFT_IRIS_CENTER),
        right_vertical=_segment_ratio(pts, *RIGHT_EYE_LIDS, RIGHT_IRIS_CENTER),
        left_vertical=_segment_ratio(pts, *LEFT_EYE_LIDS, LEFT_IRIS_CENTER),
        right_openness=_openness(pts, RIGHT_EYE_CORNERS, RIGHT_EYE_LIDS),
        left_openness=_openness(pts, LEFT_EYE_CORNERS, LEFT_EYE_LIDS),
    )


def _swing_angle(offset: float, swing: float) -> float:
    return math.degrees(math.asin(max(-1.0, min(1.0, offset / swing))))


def estimate_gaze(pose: HeadPose, iris: IrisPosition) -> Gaze:
    """Gaze relative to the line to the camera: head rotation + eye-in-head rotation + the face's bearing."""
    eye_yaw = _swing_angle(iris.horizontal - 0.5, IRIS_SWING_H)
    vertical = iris.readable_vertical()
    eye_pitch = 0.0 if vertical is None else -_swing_angle(min(1.0, max(0.0, vertical)) - 0.5, IRIS_SWING_V)
    return Gaze(
        yaw=pose.yaw + eye_yaw + pose.bearing_yaw,
        pitch=pose.pitch + eye_pitch + pose.bearing_pitch,
    )


def is_eye_contact(
    gaze: Gaze,
    blink_left: float = 0.0,
    blink_right: float = 0.0,
    *,
    max_yaw_deg: float = DEFAULT_MAX_YAW_DEG,
    max_pitch_deg: float = DEFAULT_MAX_PITCH_DEG,
    blink_threshold: float = DEFAULT_BLINK_THRESHOLD,
) -> bool | None:
    """True when the gaze falls within the camera/screen cone; None while both eyes are closed."""
    if blink_left > blink_threshold and blink_right > blink_threshold:
        return None
    return abs(gaze.yaw) <= max_yaw_deg and abs(gaze.pitch) <= max_pitch_deg
