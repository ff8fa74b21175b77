"""VoiceAnalyzer on real synthetic speech (espeak-ng): silence and noise, pauses, speaking time, speech rate, both
VAD engines, answer latency after a question_end marker, pitch and intonation.

Truth comes from how the audio was built: espeak clips are trimmed of their own leading/trailing silence
(`support.speech.active_span`: first to last 10 ms frame within 40 dB of the loudest), so a clip's trimmed length is
its true speaking duration (short pauses espeak makes inside a sentence included), and spliced silences have
exactly known lengths. Syllable counts are counted by hand; synthetic vowels have an exactly known F0. Run with -s
to see the measured-vs-true tables; bench/accuracy_voice.py measures the same things more widely.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from analyzers.base import AudioChunk, Marker
from analyzers.pitch import PitchConfig, PitchEstimator
from analyzers.silero_vad import CONTEXT, STREAMING_MODEL, WINDOW, SileroModel, onnx_session, silero_model_path
from analyzers.vad import StreamingVad, VadConfig
from analyzers.voice import VoiceAnalyzer, VoiceAnalyzerConfig, VoiceSession
from rooms.model import Observation, ObservationType
from tests.support.speech import (
    SAMPLE_RATE,
    active_span,
    add_noise,
    espeak_intonation_wav,
    espeak_wav,
    silence,
    splice,
    synthetic_vowel,
    white_noise,
)

# Rainbow passage, first two sentences. Syllables by hand:
# The(1) rain-bow(2) is(1) a(1) di-vi-sion(3) of(1) white(1) light(1) in-to(2) ma-ny(2) beau-ti-ful(3) co-lors(2) = 20
# These take the shape of a long round arch(9) with its path high(4) a-bove(2) = 15
# and its two ends(4) ap-par-ent-ly(4) be-yond(2) the(1) ho-ri-zon(3) = 14            -> 49
RAINBOW = (
    "The rainbow is a division of white light into many beautiful colors. These take the shape of a long round "
    "arch, with its path high above, and its two ends apparently beyond the horizon."
)
RAINBOW_SYLLABLES = 49

# One Han character is one syllable: 6 + 9 + 12 + 11 = 38.
CHINESE = "今天天气很好，我们一起去公园散步。公园里有很多人在锻炼身体，小朋友们在草地上玩游戏。"
CHINESE_SYLLABLES = 38
# espeak-ng 1.51's plain `cmn` voice ("latin as English") reads the tone digits of its pinyin aloud as English
# numbers ("jin five five"), so it says far more than 38 syllables; this voice speaks the Mandarin itself.
CHINESE_VOICE = "cmn-latn-pinyin"

# Sentences without commas or full stops, so espeak makes no sentence-internal pause longer than the hangover.
SENTENCES = (
    "The quick brown fox jumps over the lazy dog",
    "She sells sea shells by the sea shore every single morning",
    "Nobody expected the meeting to end so early today",
)
LEAD_S, PAUSES_S, TAIL_S = 0.8, (1.5, 2.5), 1.0
ENGINES = ("webrtc", "silero")
WEBRTC = VoiceAnalyzerConfig(vad_engine="webrtc")
SILERO = VoiceAnalyzerConfig(vad_engine="silero")


@dataclass
class Run:
    observations: list[Observation]
    cpu_s: float
    audio_s: float

    def finals(self) -> dict[str, float]:
        return {o.name: o.value for o in self.observations if o.detail and o.detail.get("final")}

    def pauses(self) -> list[Observation]:
        return [o for o in self.observations if o.type is ObservationType.EVENT and o.name == "pause"]

    def metric(self, name: str) -> list[Observation]:
        return [o for o in self.observations if o.name == name and not (o.detail and o.detail.get("final"))]

    def events(self, name: str) -> list[Observation]:
        return [o for o in self.observations if o.type is ObservationType.EVENT and o.name == name]


_ANALYZERS: dict[VoiceAnalyzerConfig, VoiceAnalyzer] = {}


def open_session(config: VoiceAnalyzerConfig | None = None) -> VoiceSession:
    """A session from an analyzer shared per config (so the Silero model loads once per test run)."""
    config = config or VoiceAnalyzerConfig()
    if config not in _ANALYZERS:
        _ANALYZERS[config] = VoiceAnalyzer(config)
    return _ANALYZERS[config].open("test")


def analyze(
    pcm: np.ndarray,
    chunk_samples: int | list[int] = 320,
    config: VoiceAnalyzerConfig | None = None,
    markers: list[Marker] | None = None,
) -> Run:
    """Feed `pcm` through one session in chunks (fixed size, or a list of sizes cycled), then close it. Each
    marker is passed to `mark()` just before the first chunk that starts at or after its time."""
    session = open_session(config)
    sizes = chunk_samples if isinstance(chunk_samples, list) else [chunk_samples]
    pending = sorted(markers or [], key=lambda m: m.t)
    observations: list[Observation] = []
    start = time.process_time()
    i = k = 0
    while i < len(pcm):
        n = sizes[k % len(sizes)]
        while pending and pending[0].t <= i / SAMPLE_RATE:
            observations += session.mark(pending.pop(0))
        chunk = AudioChunk(t=i / SAMPLE_RATE, arrival=1000.0 + (i + n) / SAMPLE_RATE, pcm=pcm[i : i + n])
        observations += session.process(chunk)
        i, k = i + n, k + 1
    for marker in pending:
        observations += session.mark(marker)
    observations += session.close()
    return Run(observations, time.process_time() - start, len(pcm) / SAMPLE_RATE)


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voice")


@pytest.fixture(scope="module")
def conversation(speech_dir: Path):
    """Three sentences at 160 wpm with silences 0.8 s | 1.5 s | 2.5 s | 1.0 s around them."""
    clips = [espeak_wav(text, 160, speech_dir / f"sentence{i}.wav") for i, text in enumerate(SENTENCES)]
    return splice([LEAD_S, clips[0], PAUSES_S[0], clips[1], PAUSES_S[1], clips[2], TAIL_S])


def test_silence_is_not_speech() -> None:
    run = analyze(silence(6.0))
    finals = run.finals()
    assert finals["speaking_time"] == pytest.approx(0.0, abs=0.01)
    assert finals["syllables"] == 0
    assert "speech_rate" not in finals and not run.metric("speech_rate")
    assert not run.pauses()
    assert all(o.value == 0.0 for o in run.metric("speaking"))
    assert run.metric("silence_s")[-1].value == pytest.approx(6.0, abs=0.01)  # before any speech: since the start
    assert run.metric("loudness_db")[-1].value == -120.0


@pytest.mark.parametrize("level_dbfs", [-45.0, -30.0, -15.0])
def test_white_noise_is_not_speech(level_dbfs: float) -> None:
    """webrtcvad alone (mode 2) calls loud white noise speech; the adaptive energy gate removes it: stationary
    noise never rises 6 dB above its own running minimum."""
    noise = white_noise(8.0, level_dbfs, seed=1)
    frames = StreamingVad(VadConfig(aggressiveness=2)).process(noise, 0.0)
    raw = np.mean([f.raw for f in frames])
    gated = np.mean([f.voiced for f in frames])
    silero = np.mean([f.voiced for f in StreamingVad(SILERO.vad(), _silero()).process(noise, 0.0)])
    for config in (WEBRTC, SILERO):
        finals = analyze(noise, config=config).finals()
        print(
            f"\nwhite noise {level_dbfs:+.0f} dBFS: webrtcvad mode 2 says speech in {raw:.0%} of frames, after the "
            f"gate {gated:.0%}; Silero (no gate) {silero:.0%}; {config.vad_engine}: speaking_time "
            f"{finals['speaking_time']} s, syllables {finals['syllables']}"
        )
        assert finals["speaking_time"] < 0.2
        assert "speech_rate" not in finals
    if level_dbfs == -15.0:
        assert raw > 0.5  # the reason for the gate
    assert gated < 0.02
    assert silero < 0.02


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("snr_db", [None, 20.0], ids=["clean", "snr20"])
def test_pauses_and_speaking_time(conversation, snr_db: float | None, engine: str) -> None:
    pcm = conversation.pcm if snr_db is None else add_noise(conversation.pcm, snr_db, seed=2)
    run = analyze(pcm, config=VoiceAnalyzerConfig(vad_engine=engine))
    pauses = run.pauses()
    speaking_time = run.finals()["speaking_time"]
    truth = conversation.speech_s
    print(
        f"\n{engine} pauses ({'clean' if snr_db is None else f'SNR {snr_db:.0f} dB'}): true {list(PAUSES_S)} "
        f"measured {[p.value for p in pauses]}; speaking_time true {truth:.2f} s measured {speaking_time:.2f} s "
        f"({(speaking_time - truth) / truth:+.1%})"
    )
    assert [p.value for p in pauses] == pytest.approx(list(PAUSES_S), abs=0.3)
    # A pause is reported when speech resumes, at the media time it resumed.
    assert [p.t for p in pauses] == pytest.approx([s for s, _ in conversation.segments[1:]], abs=0.3)
    assert speaking_time == pytest.approx(truth, rel=0.10)


def test_live_metrics_shape(conversation) -> None:
    run = analyze(conversation.pcm)
    names = ["speaking", "speaking_time", "silence_s", "syllables", "loudness_db"]
    for name in names:
        ts = [o.t for o in run.metric(name)]
        # One snapshot per 0.25 s of audio, at the end of the interval it describes.
        assert ts == pytest.approx([0.25 * (k + 1) for k in range(int(run.audio_s / 0.25))])
    # Cumulative values never go down; arrival is the arrival of the chunk holding the interval's end.
    for name in ("speaking_time", "syllables"):
        values = [o.value for o in run.metric(name)]
        assert values == sorted(values)
    assert all(o.arrival == pytest.approx(1000.0 + o.t, abs=0.021) for o in run.metric("speaking"))
    speaking = {round(o.t, 2): o.value for o in run.metric("speaking")}
    silence_s = {round(o.t, 2): o.value for o in run.metric("silence_s")}
    first, second = conversation.segments[0], conversation.segments[1]
    assert speaking[2.0] == 1.0 and silence_s[2.0] == 0.0
    # In the middle of the 1.5 s pause: not speaking, silent since the first sentence ended.
    mid = round((first[1] + second[0]) / 2 * 4) / 4
    assert speaking[mid] == 0.0
    assert silence_s[mid] == pytest.approx(mid - first[1], abs=0.1)
    # The live rate appears once 2 s of speech has been heard, and not before.
    first_rate = run.metric("speech_rate")[0]
    speaking_time = {round(o.t, 2): o.value for o in run.metric("speaking_time")}
    assert speaking_time[round(first_rate.t, 2)] >= 2.0
    assert speaking_time[round(first_rate.t - 0.25, 2)] < 2.0
    loud = [o.value for o in run.metric("loudness_db")]
    assert max(loud) > -30.0 and min(loud) == -120.0  # speech intervals vs. digital silence


def test_speech_rate_english_and_chinese(speech_dir: Path) -> None:
    assert len(re.findall(r"[\u4e00-\u9fff]", CHINESE)) == CHINESE_SYLLABLES
    rows = []
    for label, text, syllables, voice, tolerance in (
        ("en", RAINBOW, RAINBOW_SYLLABLES, "en", 0.20),
        ("zh", CHINESE, CHINESE_SYLLABLES, CHINESE_VOICE, 0.25),
    ):
        measured_rates = []
        for wpm in (120, 160, 220):
            pcm = espeak_wav(text, wpm, speech_dir / f"rate-{label}-{wpm}.wav", voice=voice)
            true_minutes = active_span(pcm).duration / 60.0
            finals = analyze(pcm).finals()
            measured = finals["speech_rate"]
            true_rate = syllables / true_minutes
            rows.append(
                (
                    label,
                    wpm,
                    syllables,
                    finals["syllables"],
                    true_minutes * 60,
                    finals["speaking_time"],
                    true_rate,
                    measured,
                )
            )
            measured_rates.append(measured)
            assert measured == pytest.approx(true_rate, rel=tolerance), (label, wpm)
        assert measured_rates == sorted(measured_rates), f"{label}: rate must rise with espeak's speed"
    print("\nlang  wpm  syll true/meas   speaking s true/meas   rate/min true   measured   error")
    for label, wpm, true_syl, syl, true_s, meas_s, true_rate, rate in rows:
        print(
            f"{label:>4} {wpm:>4}  {true_syl:>9}/{syl:<4}  {true_s:>11.2f}/{meas_s:<7.2f}  {true_rate:>13.0f}"
            f"  {rate:>9.0f}  {(rate - true_rate) / true_rate:>+6.1%}"
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_chunk_size_does_not_change_totals(conversation, engine: str) -> None:
    pcm = add_noise(conversation.pcm, 25.0, seed=3)
    config = VoiceAnalyzerConfig(vad_engine=engine)
    small = analyze(pcm, 320, config)  # 20 ms, one Opus packet
    large = analyze(pcm, 16000, config)  # 1 s
    odd = analyze(pcm, [137, 2999, 480, 1, 7001], config)  # sizes that cut every frame grid
    for other in (large, odd):
        assert other.finals()["syllables"] == pytest.approx(small.finals()["syllables"], abs=1)
        assert other.finals()["speaking_time"] == pytest.approx(small.finals()["speaking_time"], abs=0.05)
        assert [p.value for p in other.pauses()] == [p.value for p in small.pauses()]
        # Stronger: frame grids are anchored at the first sample and each snapshot uses only frames that end
        # before it, so every observation (all but its arrival) is the same in any chunking.
        assert _without_arrival(other) == _without_arrival(small)
    per_second = {name: run.cpu_s / run.audio_s * 1000 for name, run in (("20 ms", small), ("1 s", large))}
    print(
        f"\n{engine} chunk independence: totals {small.finals()} | CPU per second of audio: "
        + ", ".join(f"{k} chunks {v:.1f} ms" for k, v in per_second.items())
    )


def _without_arrival(run: Run) -> list[tuple[float, str, object]]:
    return sorted((round(o.t, 6), o.name, o.value) for o in run.observations)


def test_gap_in_the_stream_is_tolerated(conversation) -> None:
    """A chunk that starts later than the previous one ended (lost audio) re-anchors the frame grids."""
    session = open_session()
    pcm = conversation.pcm
    half = len(pcm) // 2 // 320 * 320
    observations = []
    for i in range(0, len(pcm), 320):
        t = i / SAMPLE_RATE + (0.5 if i >= half else 0.0)  # half a second of audio went missing
        observations += session.process(AudioChunk(t=t, arrival=t, pcm=pcm[i : i + 320]))
    observations += session.close()
    finals = {o.name: o.value for o in observations if o.detail and o.detail.get("final")}
    assert finals["speaking_time"] == pytest.approx(conversation.speech_s, rel=0.15)
    ts = [o.t for o in observations if o.name == "speaking"]
    assert ts == sorted(ts)


@functools.cache
def _silero() -> SileroModel:
    return SileroModel()


# --- Silero engine ---------------------------------------------------------------------------------------------


def test_silero_batches_match_the_streaming_model(conversation) -> None:
    """We run the wheel's sequence export in batches; silero_vad.onnx fed one window at a time with its state
    (input, state, sr) and the 64-sample context prepended must give the same probabilities."""
    n = 250  # 8 s of 32 ms windows: speech and silence
    frames = conversation.pcm[: n * WINDOW].reshape(n, WINDOW)
    stream = _silero().stream()
    sizes = [1, 7, 3, 16, 8]
    batched, i, k = [], 0, 0
    while i < n:
        batched.append(stream.probabilities(frames[i : i + sizes[k % len(sizes)]]))
        i, k = i + sizes[k % len(sizes)], k + 1
    reference = onnx_session(silero_model_path(STREAMING_MODEL))
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros(CONTEXT, np.float32)
    expected = []
    for frame in frames:
        x = np.concatenate([context, frame.astype(np.float32) / 32768.0])[None, :]
        out, state = reference.run(None, {"input": x, "state": state, "sr": np.array(16000, dtype=np.int64)})
        expected.append(float(out[0, 0]))
        context = x[0, -CONTEXT:]
    assert np.concatenate(batched) == pytest.approx(np.array(expected), abs=1e-5)
    assert max(expected) > 0.9 and min(expected) < 0.1


def test_silero_holds_up_in_heavy_white_noise(conversation) -> None:
    """At 5 and 0 dB SNR webrtcvad's energy gate (which it needs: it calls white noise speech) removes most of the
    speech; Silero needs no gate and keeps speaking time within 10 % and both pauses."""
    truth = conversation.speech_s
    errors: dict[tuple[str, float], float] = {}
    for snr in (5.0, 0.0):
        pcm = add_noise(conversation.pcm, snr, seed=4)
        for config in (WEBRTC, SILERO):
            run = analyze(pcm, config=config)
            error = (run.finals()["speaking_time"] - truth) / truth
            errors[config.vad_engine, snr] = error
            pauses = [p.value for p in run.pauses()]
            print(f"\nSNR {snr:.0f} dB {config.vad_engine}: speaking_time {error:+.1%}, pauses {pauses}")
            if config is SILERO:
                assert abs(error) < 0.10
                assert pauses == pytest.approx(list(PAUSES_S), abs=0.3)
    for snr in (5.0, 0.0):
        assert abs(errors["silero", snr]) < abs(errors["webrtc", snr])
    assert errors["webrtc", 0.0] < -0.5  # not a close call


# --- answer latency --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def answers(speech_dir: Path):
    """Silence 1.0 s | sentence | 2.5 s | sentence | 1.0 s."""
    clips = [espeak_wav(text, 160, speech_dir / f"answer{i}.wav") for i, text in enumerate(SENTENCES[:2])]
    return splice([1.0, clips[0], 2.5, clips[1], 1.0])


def _latencies(run: Run) -> list[tuple[float, float]]:
    return [(o.value, o.detail["question_end"]) for o in run.events("answer_latency")]


@pytest.mark.parametrize("engine", ENGINES)
def test_answer_latency(answers, engine: str) -> None:
    """question_end, a known silence, then speech: latency = onset - question_end."""
    (first_start, first_end), (second_start, _) = answers.segments
    q1, q2 = first_start - 0.7, first_end + 0.9  # 0.7 s and 1.6 s of silence before the answers
    markers = [
        Marker("question_start", 0.0),
        Marker("question_end", q1),
        Marker("question_start", first_end + 0.3),
        Marker("question_end", q2),
    ]
    run = analyze(answers.pcm, config=VoiceAnalyzerConfig(vad_engine=engine), markers=markers)
    events = run.events("answer_latency")
    print(f"\n{engine} answer latency: true [0.7, {second_start - q2:.2f}] measured {[e.value for e in events]}")
    assert [e.value for e in events] == pytest.approx([0.7, second_start - q2], abs=0.15)
    assert [e.detail["question_end"] for e in events] == pytest.approx([q1, q2], abs=0.001)
    assert [e.t for e in events] == pytest.approx([first_start, second_start], abs=0.15)  # at the onset


def test_answer_latency_markers_replace_cancel_and_arrive_late(answers) -> None:
    (first_start, first_end), (second_start, _) = answers.segments
    # A second question_end before any speech replaces the first.
    run = analyze(answers.pcm, markers=[Marker("question_end", 0.2), Marker("question_end", first_start - 0.5)])
    assert [v for v, _ in _latencies(run)] == pytest.approx([0.5], abs=0.15)
    # question_start cancels a pending question_end: nothing is reported for the first answer.
    run = analyze(answers.pcm, markers=[Marker("question_end", 0.2), Marker("question_start", 0.6)])
    assert _latencies(run) == []
    # Speech already under way at question_end is not its answer: the next onset is.
    run = analyze(answers.pcm, markers=[Marker("question_end", first_start + 1.0)])
    assert [v for v, _ in _latencies(run)] == pytest.approx([second_start - first_start - 1.0], abs=0.15)
    # A marker that arrives after the answer's audio was analysed settles at once, from mark() itself.
    session = open_session()
    pcm = answers.pcm
    for i in range(0, len(pcm), 320):
        session.process(AudioChunk(t=i / SAMPLE_RATE, arrival=0.0, pcm=pcm[i : i + 320]))
    settled = session.mark(Marker("question_end", second_start - 0.8))
    assert [(o.name, o.value) for o in settled] == [("answer_latency", pytest.approx(0.8, abs=0.15))]
    assert not any(o.name == "answer_latency" for o in session.close())
    assert session.mark(Marker("unknown", 1.0)) == []


# --- pitch and intonation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("f0", [120.0, 200.0])
def test_pitch_of_a_vowel_at_known_f0(f0: float) -> None:
    """A synthetic /a/ at exactly `f0`. Through the webrtc engine: Silero, rightly, does not take a sung vowel for
    speech. A flat vowel has no pitch variation; one gliding +-4 semitones has sd 4/sqrt(2) = 2.83 semitones."""
    estimator = PitchEstimator(PitchConfig(), 640, SAMPLE_RATE)
    vowel = synthetic_vowel(f0, 3.0, syllables_per_s=1 / 3)  # one slow swell
    frames = np.lib.stride_tricks.sliding_window_view(vowel[8000:40000], 640)[::160]
    assert estimator.estimate(frames) == pytest.approx(np.full(len(frames), f0), rel=0.01)

    lead = silence(0.5)
    flat = analyze(np.concatenate([lead, synthetic_vowel(f0, 4.0), lead]), config=WEBRTC)
    pitches = [o.value for o in flat.metric("pitch_hz")]
    print(
        f"\nvowel at {f0:.0f} Hz: pitch_hz {min(pitches)}-{max(pitches)}; variation {flat.finals()['pitch_variation']}"
    )
    assert len(pitches) >= 12
    assert pitches == pytest.approx([f0] * len(pitches), rel=0.05)
    assert flat.finals()["pitch_variation"] < 0.2
    # No pitch where there is no voice.
    assert all(0.5 < o.t <= 4.75 for o in flat.metric("pitch_hz"))

    glide = analyze(np.concatenate([lead, synthetic_vowel(f0, 6.0, glide_semitones=4.0), lead]), config=WEBRTC)
    variation = glide.finals()["pitch_variation"]
    print(f"vowel at {f0:.0f} Hz gliding +-4 semitones: pitch_variation {variation} (true 2.83)")
    assert variation == pytest.approx(4.0 / np.sqrt(2.0), abs=0.3)
    # The live value appears once 2 s of voiced frames are in.
    live = glide.metric("pitch_variation")
    assert live and live[0].t > 0.5 + 2.0


def test_intonation_monotone_vs_lively(speech_dir: Path) -> None:
    """The same text spoken by espeak-ng as a monotone (SSML prosody range 0 %) and with lively intonation."""
    text = RAINBOW
    monotone = analyze(espeak_intonation_wav(text, "0%", speech_dir / "monotone.wav"))
    lively = analyze(espeak_intonation_wav(text, "x-high", speech_dir / "lively.wav"))
    flat, varied = monotone.finals()["pitch_variation"], lively.finals()["pitch_variation"]
    live_flat = [o.value for o in monotone.metric("pitch_variation")]
    live_varied = [o.value for o in lively.metric("pitch_variation")]
    print(
        f"\npitch_variation (semitones): monotone {flat} (live {min(live_flat)}-{max(live_flat)}), "
        f"lively {varied} (live {min(live_varied)}-{max(live_varied)}); median pitch_hz monotone "
        f"{np.median([o.value for o in monotone.metric('pitch_hz')])}, lively "
        f"{np.median([o.value for o in lively.metric('pitch_hz')])}"
    )
    assert flat < 1.0
    assert varied > flat + 1.5
    assert min(live_varied[4:]) > max(live_flat[4:])
