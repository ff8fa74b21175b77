"""Voice embeddings: Resemblyzer's GE2E speaker encoder (Apache-2.0), converted once to ONNX
(scripts/convert_resemblyzer_to_onnx.py, models/speaker/), run on onnxruntime.

The front end follows Resemblyzer's: 16 kHz audio, volume raised to -30 dBFS, a mel power spectrogram (25 ms Hann
window, 10 ms hop, 40 slaney-normalised mel bands from 0 to 8 kHz, as librosa computes it; no log), partials of
160 frames (1.6 s) taken every 80 frames, one embedding per partial, their mean L2-normalised for an utterance.
Two stretches of the same voice give a cosine similarity around 0.8-0.9; different voices lower (see
bench/integrity.py for what was measured here).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from analyzers.base import AudioChunk, Marker, SessionContext
from rooms.integrity import SECOND_SPEAKER
from rooms.measures import ANSWER_START, DEFERRED_LANE, QUESTION_START
from rooms.model import Observation, ObservationType

MODEL = Path(__file__).resolve().parent.parent / "models" / "speaker" / "voice_encoder.onnx"
RATE = 16000
N_FFT = 400
HOP = 160
MELS = 40
PARTIAL_FRAMES = 160
PARTIAL_STEP = 80
TARGET_DBFS = -30.0


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = hz / f_sp
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    hz = f_sp * mels
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), hz)


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """(40, 201) triangular filters with slaney area normalisation, as librosa.filters.mel(sr=16000, n_fft=400)."""
    fft_freqs = np.linspace(0, RATE / 2, 1 + N_FFT // 2)
    mel_freqs = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(RATE / 2), MELS + 2))
    fdiff = np.diff(mel_freqs)
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2 : MELS + 2] - mel_freqs[:MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(pcm: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram of int16 or float 16 kHz mono audio, volume raised to -30 dBFS."""
    wav = pcm.astype(np.float32) / (32768.0 if pcm.dtype == np.int16 else 1.0)
    rms = float(np.sqrt(np.mean(wav**2))) if len(wav) else 0.0
    if rms > 0:
        gain_db = TARGET_DBFS - 20 * np.log10(rms)
        if gain_db > 0:  # Resemblyzer only raises quiet audio
            wav = wav * (10 ** (gain_db / 20))
    padded = np.pad(wav, N_FFT // 2)  # librosa's center=True (constant padding)
    count = 1 + (len(padded) - N_FFT) // HOP
    if count <= 0:
        return np.zeros((0, MELS), np.float32)
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann, as scipy/librosa use
    spectrum = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2
    return np.asarray(spectrum @ mel_filterbank().T, dtype=np.float32)


class VoiceEncoder:
    """The ONNX speaker encoder; one per process (thread-safe: onnxruntime sessions may run concurrently)."""

    def __init__(self, model: Path = MODEL, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def embed(self, pcm: np.ndarray) -> np.ndarray | None:
        """The L2-normalised 256-d embedding of a stretch of speech (at least 1.6 s), or None if shorter."""
        frames = mel_frames(pcm)
        if len(frames) < PARTIAL_FRAMES:
            return None
        starts = range(0, len(frames) - PARTIAL_FRAMES + 1, PARTIAL_STEP)
        batch = np.stack([frames[s : s + PARTIAL_FRAMES] for s in starts])
        partials = self._session.run(None, {"mels": batch})[0]
        mean = partials.mean(axis=0)
        return np.asarray(mean / (np.linalg.norm(mean) or 1.0))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))


# --- the deferred-lane analyzer: another voice within an answer (an integrity signal, rooms/integrity.py) --------


@dataclass(frozen=True, slots=True)
class SpeakerCheckConfig:
    reference_s: float = 8.0  # seconds of the candidate's speech (from the first answer) that make the reference
    window_s: float = 3.0  # seconds of speech per compared stretch
    # Cosine similarity to the reference below which a stretch is another voice; measured in bench/integrity.py.
    threshold: float = 0.8
    min_windows: int = 1  # consecutive stretches below the threshold that make an event
    vad_mode: int = 3  # webrtcvad's strictest mode: only clear speech feeds the embeddings


class SpeakerSession:
    """Collects speech (webrtcvad, 30 ms frames), takes the first `reference_s` of it after the first question
    (or from the start without questions) as the candidate's voice, then compares each further `window_s` of speech
    with it. `min_windows` stretches in a row below `threshold` become one `second_speaker` event."""

    def __init__(self, encoder: VoiceEncoder, config: SpeakerCheckConfig) -> None:
        import webrtcvad

        self._encoder = encoder
        self.config = config
        self._vad = webrtcvad.Vad(config.vad_mode)
        self._rest = np.zeros(0, np.int16)
        self._rest_t = 0.0
        self._speech: list[np.ndarray] = []
        self._speech_t: list[float] = []  # media time of each 30 ms speech frame
        self._reference: np.ndarray | None = None
        self._waiting_for_answer = False  # a question was marked: the reference starts with its answer
        self._run: list[tuple[float, float, float]] = []  # (start, end, similarity) below the threshold
        self._arrival = 0.0

    def process(self, chunk: AudioChunk) -> list[Observation]:
        self._arrival = chunk.arrival
        pcm = np.concatenate([self._rest, np.asarray(chunk.pcm, np.int16).reshape(-1)])
        start_t = chunk.t - len(self._rest) / RATE if len(self._rest) else chunk.t
        frame = RATE * 30 // 1000
        out: list[Observation] = []
        whole = len(pcm) // frame * frame
        for i in range(0, whole, frame):
            piece = pcm[i : i + frame]
            if self._vad.is_speech(piece.tobytes(), RATE):
                self._speech.append(piece)
                self._speech_t.append(start_t + i / RATE)
                out += self._maybe_compare()
        self._rest = pcm[whole:]
        return out

    def mark(self, marker: Marker) -> list[Observation]:
        if marker.name in (QUESTION_START, ANSWER_START) and self._reference is None:
            # The reference is the candidate answering: drop what came before the first question.
            self._speech, self._speech_t = [], []
        if marker.name == QUESTION_START:
            out = self._finish()  # an answer's stretches do not run into the next answer's
            self._speech, self._speech_t = [], []
            return out
        return []

    def close(self) -> list[Observation]:
        return self._finish()

    def _maybe_compare(self) -> list[Observation]:
        config = self.config
        have_s = len(self._speech) * 0.03
        if self._reference is None:
            if have_s >= config.reference_s:
                self._reference = self._encoder.embed(np.concatenate(self._speech))
                self._speech, self._speech_t = [], []
            return []
        if have_s < config.window_s:
            return []
        embedding = self._encoder.embed(np.concatenate(self._speech))
        start, end = self._speech_t[0], self._speech_t[-1] + 0.03
        self._speech, self._speech_t = [], []
        if embedding is None:
            return []
        similarity = cosine(embedding, self._reference)
        if similarity < config.threshold:
            self._run.append((start, end, similarity))
            return []
        return self._finish()

    def _finish(self) -> list[Observation]:
        run, self._run = self._run, []
        if len(run) < self.config.min_windows:
            return []
        start, end = run[0][0], run[-1][1]
        detail = {
            "end": round(end, 3),
            "similarity_min": round(min(s for _, _, s in run), 3),
            "similarity_mean": round(sum(s for _, _, s in run) / len(run), 3),
            "threshold": self.config.threshold,
            "stretches": len(run),
            "reference_s": self.config.reference_s,
            "model": "resemblyzer GE2E (ONNX)",
        }
        return [Observation(ObservationType.EVENT, SECOND_SPEAKER, round(end - start, 2), start, self._arrival, detail)]


class SpeakerAnalyzer:
    """Holds the encoder for the process; a session per interview. Runs in the deferred lane."""

    lane: ClassVar[str] = DEFERRED_LANE
    max_rate_hz: ClassVar[float | None] = None

    def __init__(self, config: SpeakerCheckConfig | None = None) -> None:
        self.config = config or SpeakerCheckConfig()
        self._encoder: VoiceEncoder | None = None

    def warm_up(self) -> None:
        self._encoder = VoiceEncoder()
        self._encoder.embed(np.zeros(RATE * 2, np.int16) + 1)

    def open(self, session_id: str, context: SessionContext | None = None) -> SpeakerSession:
        if self._encoder is None:
            self.warm_up()
        assert self._encoder is not None
        return SpeakerSession(self._encoder, self.config)

    def close(self) -> None:
        self._encoder = None
