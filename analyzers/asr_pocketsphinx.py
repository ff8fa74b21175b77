"""PocketSphinx 5 as an `AsrEngine`: US English out of the box, from the model that ships inside the wheel.

The `pocketsphinx` wheel carries CMU's en-us continuous acoustic model, a trigram LM (`en-us.lm.bin`) and the CMU
pronouncing dictionary; `pocketsphinx.get_model_path()` finds them, so nothing is downloaded. Each recognizer is a
full `Decoder` of its own (~90 MB resident, ~0.4 s to build): the Python API has no way to share the acoustic model
or LM between decoders, and a decoder must never serve two sessions at once.

Utterances are delimited by the caller (`finish()`); PocketSphinx has no endpointing inside `process_raw`. Word
times come from `Decoder.seg()`, in 10 ms frames counted from the utterance's start.

Digital silence (runs of exact zeros: a muted track, a decoder filling a gap, a synthetic test) throws PocketSphinx's
features off (log of zero energy; its noise and cepstral-mean estimates follow): eight espeak-ng sentences at
130 wpm spliced with zeros scored WER 0.45, and 0.175 with the floor below. Its own `dither` (+-1 LSB) helps too
little. So the recognizer adds a Gaussian noise floor at `noise_floor_dbfs` (-60 dBFS: ~35 dB under
conversational speech, below a real microphone's own noise) from a seeded generator, so output stays deterministic.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from analyzers.asr import ASR_SAMPLE_RATE, Recognized, RecognizedWord, is_noise_token

# cmudict marks alternate pronunciations as "word(2)"; the word is the same.
_ALTERNATE = re.compile(r"\(\d+\)$")

LANGUAGES = ("en",)


def model_files() -> dict[str, Path]:
    """The en-us acoustic model folder, LM and dictionary inside the installed wheel (found by its own API)."""
    import pocketsphinx

    return {
        "hmm": Path(pocketsphinx.get_model_path("en-us/en-us")),
        "lm": Path(pocketsphinx.get_model_path("en-us/en-us.lm.bin")),
        "dict": Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict")),
    }


def missing_reason(language: str) -> str | None:
    """Why PocketSphinx cannot serve `language` here, or None if it can."""
    if language not in LANGUAGES:
        return f"pocketsphinx ships a model for English only, not {language!r}"
    try:
        files = model_files()
    except ImportError:
        return "pocketsphinx is not installed (pip install pocketsphinx)"
    absent = [str(path) for path in files.values() if not path.exists()]
    return f"pocketsphinx model files missing: {', '.join(absent)}" if absent else None


def _clean(token: str) -> str:
    return _ALTERNATE.sub("", token)


class PocketsphinxRecognizer:
    """One stream's decoder; utterances start on the first audio after `finish()`."""

    def __init__(self, decoder: Any, noise_floor_dbfs: float | None = -60.0, seed: int = 0) -> None:
        self._decoder = decoder
        self._noise_rms = None if noise_floor_dbfs is None else 32768.0 * 10 ** (noise_floor_dbfs / 20.0)
        self._rng = np.random.default_rng(seed)
        self._frame_rate = float(decoder.config["frate"])
        self._accepted = 0  # samples accepted since creation: the recognizer's clock
        self._utterance_start: int | None = None  # clock (samples) at start_utt, None between utterances

    def accept(self, pcm: np.ndarray) -> list[Recognized]:
        samples = np.ascontiguousarray(pcm, dtype=np.int16)
        if self._noise_rms is not None:
            noisy = samples + self._rng.normal(0.0, self._noise_rms, len(samples))
            samples = np.clip(np.round(noisy), -32768, 32767).astype(np.int16)
        if self._utterance_start is None:
            self._decoder.start_utt()
            self._utterance_start = self._accepted
        self._decoder.process_raw(samples.tobytes(), False, False)
        self._accepted += len(samples)
        return []

    def partial(self) -> str:
        if self._utterance_start is None:
            return ""
        hyp = self._decoder.hyp()
        if hyp is None:
            return ""
        return " ".join(_clean(token) for token in hyp.hypstr.split() if not is_noise_token(token))

    def finish(self) -> Recognized | None:
        if self._utterance_start is None:
            return None
        self._decoder.end_utt()
        origin = self._utterance_start / ASR_SAMPLE_RATE
        limit = self._accepted / ASR_SAMPLE_RATE
        self._utterance_start = None
        words = [
            RecognizedWord(
                _clean(segment.word),
                origin + segment.start_frame / self._frame_rate,
                # end_frame is the segment's last frame, inclusive.
                min(limit, origin + (segment.end_frame + 1) / self._frame_rate),
            )
            # seg() is None when the search found no hypothesis (a very short or silent utterance).
            for segment in self._decoder.seg() or ()
            if not is_noise_token(segment.word)
        ]
        return Recognized(tuple(words)) if words else None

    def close(self) -> None:
        if self._utterance_start is not None:
            self._decoder.end_utt()
            self._utterance_start = None
        self._decoder = None


class PocketsphinxEngine:
    """PocketSphinx with the wheel's en-us model. `options` are extra decoder settings (e.g. {"fwdflat": False});
    `noise_floor_dbfs` None feeds the audio untouched."""

    name = "pocketsphinx"

    def __init__(
        self, language: str = "en", options: dict[str, Any] | None = None, noise_floor_dbfs: float | None = -60.0
    ) -> None:
        reason = missing_reason(language)
        if reason is not None:
            raise ValueError(reason)
        self.language = language
        self.options = dict(options or {})
        self.noise_floor_dbfs = noise_floor_dbfs

    def load(self) -> None:
        """Build and drop one decoder: nothing is shareable, but this pays the import and page-cache cost now."""
        self.recognizer().close()

    def recognizer(self) -> PocketsphinxRecognizer:
        import pocketsphinx

        settings: dict[str, Any] = {name: str(path) for name, path in model_files().items()}
        settings["loglevel"] = "ERROR"  # its INFO log is hundreds of lines per decoder
        settings.update(self.options)
        return PocketsphinxRecognizer(pocketsphinx.Decoder(**settings), self.noise_floor_dbfs)

    def close(self) -> None:
        """Nothing shared to release."""
