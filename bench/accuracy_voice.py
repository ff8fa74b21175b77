"""Accuracy and cost of the voice analyzer on speech whose truth is known by construction.

    .venv/bin/python bench/accuracy_voice.py

`run()` returns one row per measurement: {"measure", "case", "truth", "measured", "error", "target", "ok"}.

- speech rate: espeak-ng (English, and Mandarin with the cmn-latn-pinyin voice) and flite (English) speak texts
  whose syllables were counted by hand, at five speeds from slow to fast. The texts of one language are joined
  with 1.5 s silences into one recording (an answer of several sentences). True rate = syllables per minute of
  true speaking time: the sound of the clean recording (10 ms frames within 40 dB of its loudest), with gaps
  shorter than the VAD's 0.3 s hangover bridged: the analyzer's own definition of a segment (a stop closure is
  speech, a pause at a comma is not). Target +-10 %.
- speaking time and pauses: sentences without inner pauses, joined by silences of 1.2-4 s, clean and with white
  noise or babble (8 espeak voices at once) at 20 and 10 dB SNR, for both VAD engines. Target: speaking time
  within +-5 % of the spliced clips' total, every inserted silence reported as a pause (within 0.3 s).
- pitch: synthetic vowels at exactly known F0 (webrtc engine: Silero does not take a sung vowel for speech).
- cost: CPU ms per second of audio, each VAD engine alone (fed 100 ms blocks, as the session does) and the whole
  VoiceSession at 20 ms chunks. Target for a session: < 20 ms/s (2 % of a core).
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzers.base import AudioChunk  # noqa: E402
from analyzers.vad import StreamingVad, VadConfig  # noqa: E402
from analyzers.voice import VoiceAnalyzer, VoiceAnalyzerConfig  # noqa: E402
from rooms.model import Observation, ObservationType  # noqa: E402
from tests.support.speech import (  # noqa: E402
    SAMPLE_RATE,
    add_noise,
    babble,
    espeak_wav,
    flite_wav,
    speaking_spans,
    splice,
    synthetic_vowel,
    trim,
)

# (text, syllables counted by hand; the per-word count is in the comment).
ENGLISH = (
    # The(1) rain-bow(2) is(1) a(1) di-vi-sion(3) of(1) white(1) light(1) in-to(2) ma-ny(2) beau-ti-ful(3)
    # co-lors(2) = 20; These take the shape of a long round arch(9) with its path high(4) a-bove(2) = 15;
    # and its two ends(4) ap-par-ent-ly(4) be-yond(2) the(1) ho-ri-zon(3) = 14
    (
        "The rainbow is a division of white light into many beautiful colors. These take the shape of a long "
        "round arch, with its path high above, and its two ends apparently beyond the horizon.",
        49,
    ),
    # Please call Stel-la(4); Ask her to bring these things with her from the store(11); six spoons of fresh snow
    # peas(6); five thick slabs of blue cheese(6); and may-be(3) a snack for her bro-ther(5) Bob(1) = 37
    (
        "Please call Stella. Ask her to bring these things with her from the store: six spoons of fresh snow "
        "peas, five thick slabs of blue cheese, and maybe a snack for her brother Bob.",
        37,
    ),
    # The North Wind and the Sun were(7) dis-pu-ting(3) which was the(3) stron-ger(2) = 15;
    # when a man came(4) a-long(2) wrapped in a warm cloak(5) = 11
    (
        "The North Wind and the Sun were disputing which was the stronger, when a man came along wrapped in a warm "
        "cloak.",
        26,
    ),
    # When the(2) sun-light(2) strikes(1) rain-drops(2) in the air(3) = 10; they act as a(4) pri-sm(2) and form
    # a(3) rain-bow(2) = 11
    ("When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow.", 21),
)
# One Han character is one syllable.
CHINESE = (
    ("今天天气很好，我们一起去公园散步。公园里有很多人在锻炼身体，小朋友们在草地上玩游戏。", 38),
    ("我每天早上七点起床，然后吃早饭，八点去上班。", 19),
)
CHINESE_VOICE = "cmn-latn-pinyin"  # plain `cmn` in espeak-ng 1.51 reads pinyin tone digits aloud
ESPEAK_WPM = (100, 140, 175, 220, 280)
FLITE_STRETCH = (1.6, 1.3, 1.0, 0.8, 0.65)  # duration_stretch: > 1 slower
JOIN_S = 1.5

SENTENCES = (  # no commas or full stops inside: no pause longer than the hangover within a sentence
    "The quick brown fox jumps over the lazy dog",
    "She sells sea shells by the sea shore every single morning",
    "Nobody expected the meeting to end so early today",
    "Please remember to bring your own laptop to the workshop",
    "We will publish the final results at the end of the month",
    "The weather was perfect for a long walk in the park",
)
SILENCES_S = (1.2, 1.5, 2.0, 3.0, 4.0)
LEAD_S, TAIL_S = 1.0, 1.5
ENGINES = ("webrtc", "silero")
RATE_TARGET, SPEAKING_TARGET, PITCH_TARGET = 0.10, 0.05, 0.05
CPU_TARGET_MS = 20.0


def analyze(
    pcm: np.ndarray, engine: str = "silero", chunk: int = 320, analyzer: VoiceAnalyzer | None = None
) -> tuple[list[Observation], float]:
    """Run one session over `pcm` in `chunk`-sample chunks; return its observations and the CPU seconds it took."""
    analyzer = analyzer or VoiceAnalyzer(VoiceAnalyzerConfig(vad_engine=engine))
    session = analyzer.open("bench")
    out: list[Observation] = []
    start = time.process_time()
    for i in range(0, len(pcm), chunk):
        out += session.process(AudioChunk(t=i / SAMPLE_RATE, arrival=0.0, pcm=pcm[i : i + chunk]))
    out += session.close()
    return out, time.process_time() - start


def finals(observations: list[Observation]) -> dict[str, Any]:
    return {o.name: o.value for o in observations if o.detail and o.detail.get("final")}


def row(measure: str, case: str, truth: Any, measured: Any, error: Any, target: str, ok: bool) -> dict[str, Any]:
    return {
        "measure": measure,
        "case": case,
        "truth": truth,
        "measured": measured,
        "error": error,
        "target": target,
        "ok": bool(ok),
    }


def relative(measured: float, truth: float) -> float:
    return (measured - truth) / truth


def rate_rows(folder: Path) -> list[dict[str, Any]]:
    rows = []
    cases: list[tuple[str, list[np.ndarray], int]] = []
    for k, wpm in enumerate(ESPEAK_WPM):
        clips = [espeak_wav(text, wpm, folder / f"en{k}-{i}.wav") for i, (text, _) in enumerate(ENGLISH)]
        cases.append((f"espeak en {wpm} wpm", clips, sum(s for _, s in ENGLISH)))
    for k, stretch in enumerate(FLITE_STRETCH):
        clips = [flite_wav(text, folder / f"fl{k}-{i}.wav", stretch) for i, (text, _) in enumerate(ENGLISH)]
        cases.append((f"flite en stretch {stretch}", clips, sum(s for _, s in ENGLISH)))
    for k, wpm in enumerate(ESPEAK_WPM):
        clips = [
            espeak_wav(text, wpm, folder / f"zh{k}-{i}.wav", voice=CHINESE_VOICE) for i, (text, _) in enumerate(CHINESE)
        ]
        cases.append((f"espeak zh {wpm} wpm", clips, sum(s for _, s in CHINESE)))
    for case, clips, syllables in cases:
        parts: list[np.ndarray | float] = [JOIN_S]
        for clip in clips:
            parts += [trim(clip), JOIN_S]
        pcm = splice(parts).pcm
        true_s = sum(end - start for start, end in speaking_spans(pcm))
        true_rate = syllables / (true_s / 60.0)
        result = finals(analyze(pcm)[0])
        measured = result["speech_rate"]
        error = relative(measured, true_rate)
        rows.append(
            row("speech_rate", case, round(true_rate, 1), measured, round(error, 3), "±10 %", abs(error) <= RATE_TARGET)
        )
        rows.append(
            row(
                "syllables",
                case,
                syllables,
                result["syllables"],
                round(relative(result["syllables"], syllables), 3),
                "(info)",
                True,
            )
        )
        rows.append(
            row(
                "rate_speaking_time",
                case,
                round(true_s, 2),
                result["speaking_time"],
                round(relative(result["speaking_time"], true_s), 3),
                "(info)",
                True,
            )
        )
    return rows


def conversation(folder: Path):
    clips = [espeak_wav(text, 165, folder / f"sentence{i}.wav") for i, text in enumerate(SENTENCES)]
    parts: list[np.ndarray | float] = [LEAD_S]
    for clip, gap in zip(clips, [*SILENCES_S, TAIL_S], strict=True):
        parts += [clip, gap]
    return splice(parts)


def speaking_rows(folder: Path) -> list[dict[str, Any]]:
    spliced = conversation(folder)
    seconds = len(spliced.pcm) / SAMPLE_RATE
    crowd = babble(seconds, folder)
    conditions = {
        "clean": spliced.pcm,
        "white 20 dB": add_noise(spliced.pcm, 20.0, seed=1),
        "white 10 dB": add_noise(spliced.pcm, 10.0, seed=2),
        "babble 20 dB": add_noise(spliced.pcm, 20.0, noise=crowd),
        "babble 10 dB": add_noise(spliced.pcm, 10.0, noise=crowd),
    }
    truth = spliced.speech_s
    resumes = [start for start, _ in spliced.segments[1:]]
    rows = []
    for engine in ENGINES:
        analyzer = VoiceAnalyzer(VoiceAnalyzerConfig(vad_engine=engine))
        for label, pcm in conditions.items():
            observations, _ = analyze(pcm, analyzer=analyzer)
            measured = finals(observations)["speaking_time"]
            error = relative(measured, truth)
            case = f"{engine}, {label}"
            rows.append(
                row(
                    "speaking_time",
                    case,
                    round(truth, 2),
                    measured,
                    round(error, 3),
                    "±5 %",
                    abs(error) <= SPEAKING_TARGET,
                )
            )
            pauses = [o for o in observations if o.type is ObservationType.EVENT and o.name == "pause"]
            found = sum(
                any(abs(p.t - t) <= 0.3 and abs(p.value - gap) <= 0.3 for p in pauses)
                for t, gap in zip(resumes, SILENCES_S, strict=True)
            )
            extra = len(pauses) - found
            rows.append(
                row(
                    "pauses_found",
                    case,
                    len(SILENCES_S),
                    f"{found} (+{extra} extra)",
                    found - len(SILENCES_S),
                    "all",
                    found == len(SILENCES_S),
                )
            )
    return rows


def pitch_rows() -> list[dict[str, Any]]:
    rows = []
    analyzer = VoiceAnalyzer(VoiceAnalyzerConfig(vad_engine="webrtc"))
    lead = np.zeros(SAMPLE_RATE // 2, np.int16)
    for f0 in (120.0, 200.0):
        observations, _ = analyze(np.concatenate([lead, synthetic_vowel(f0, 4.0), lead]), analyzer=analyzer)
        values = [o.value for o in observations if o.name == "pitch_hz"]
        measured = float(np.median(values))
        error = relative(measured, f0)
        rows.append(
            row("pitch_hz", f"vowel {f0:.0f} Hz", f0, measured, round(error, 3), "±5 %", abs(error) <= PITCH_TARGET)
        )
        glide = 4.0
        observations, _ = analyze(np.concatenate([lead, synthetic_vowel(f0, 6.0, glide), lead]), analyzer=analyzer)
        truth = glide / math.sqrt(2.0)
        measured = finals(observations)["pitch_variation"]
        rows.append(
            row(
                "pitch_variation",
                f"vowel {f0:.0f} Hz ±{glide:.0f} st glide",
                round(truth, 2),
                measured,
                round(relative(measured, truth), 3),
                "±10 %",
                abs(relative(measured, truth)) <= 0.10,
            )
        )
    return rows


def cost_rows(folder: Path) -> list[dict[str, Any]]:
    pcm = add_noise(conversation(folder).pcm, 30.0, seed=3)
    seconds = len(pcm) / SAMPLE_RATE
    rows = []
    block = SAMPLE_RATE // 10
    for engine in ENGINES:
        best = math.inf
        for _ in range(3):
            vad = StreamingVad(VadConfig(engine=engine, gate_margin_db=6.0 if engine == "webrtc" else None))
            start = time.process_time()
            for i in range(0, len(pcm), block):
                vad.process(pcm[i : i + block], i / SAMPLE_RATE)
            best = min(best, time.process_time() - start)
        rows.append(
            row(
                "cpu_ms_per_s",
                f"VAD {engine} alone (100 ms blocks)",
                None,
                round(best / seconds * 1000, 2),
                None,
                "(info)",
                True,
            )
        )
    for engine in ENGINES:
        analyzer = VoiceAnalyzer(VoiceAnalyzerConfig(vad_engine=engine))
        analyzer.warm_up()
        best = min(analyze(pcm, analyzer=analyzer)[1] for _ in range(3))
        ms = best / seconds * 1000
        rows.append(
            row(
                "cpu_ms_per_s",
                f"VoiceSession {engine}, 20 ms chunks",
                None,
                round(ms, 2),
                None,
                f"< {CPU_TARGET_MS:.0f}",
                ms < CPU_TARGET_MS,
            )
        )
    return rows


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="accuracy-voice-") as tmp:
        folder = Path(tmp)
        return rate_rows(folder) + speaking_rows(folder) + pitch_rows() + cost_rows(folder)


def format_table(rows: list[dict[str, Any]]) -> str:
    columns = ["measure", "case", "truth", "measured", "error", "target", "ok"]
    cells = [[_cell(r[c], c) for c in columns] for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


def _cell(value: Any, column: str) -> str:
    if value is None:
        return "—"
    if column == "error" and isinstance(value, float):
        return f"{value:+.1%}"
    if column == "ok":
        return "ok" if value else "MISS"
    return str(value)


if __name__ == "__main__":
    print(format_table(run()))
