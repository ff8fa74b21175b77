"""VoiceAnalyzer on real synthetic speech (espeak-ng): silence and noise, pauses, speaking time, speech rate.

Truth comes from how the audio was built: espeak clips are trimmed of their own leading/trailing silence
(`tests.speech.active_span`: first to last 10 ms frame within 40 dB of the loudest), so a clip's trimmed length is
its true speaking duration (short pauses espeak makes inside a sentence included), and spliced silences have
exactly known lengths. Syllable counts are counted by hand. Run with -s to see the measured-vs-true tables.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from analyzers.base import AudioChunk
from analyzers.vad import StreamingVad, VadConfig
from analyzers.voice import VoiceAnalyzer, VoiceAnalyzerConfig
from rooms.model import Observation, ObservationType
from tests.speech import SAMPLE_RATE, active_span, add_noise, espeak_wav, silence, splice, white_noise

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


def analyze(pcm: np.ndarray, chunk_samples: int | list[int] = 320, config: VoiceAnalyzerConfig | None = None) -> Run:
    """Feed `pcm` through one session in chunks (fixed size, or a list of sizes cycled), then close it."""
    session = VoiceAnalyzer(config).open("test")
    sizes = chunk_samples if isinstance(chunk_samples, list) else [chunk_samples]
    observations: list[Observation] = []
    start = time.process_time()
    i = k = 0
    while i < len(pcm):
        n = sizes[k % len(sizes)]
        chunk = AudioChunk(t=i / SAMPLE_RATE, arrival=1000.0 + (i + n) / SAMPLE_RATE, pcm=pcm[i : i + n])
        observations += session.process(chunk)
        i, k = i + n, k + 1
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
    run = analyze(noise)
    finals = run.finals()
    print(
        f"\nwhite noise {level_dbfs:+.0f} dBFS: webrtcvad mode 2 says speech in {raw:.0%} of frames, "
        f"after the gate {gated:.0%}; speaking_time {finals['speaking_time']} s, syllables {finals['syllables']}"
    )
    if level_dbfs == -15.0:
        assert raw > 0.5  # the reason for the gate
    assert gated < 0.02
    assert finals["speaking_time"] < 0.2
    assert "speech_rate" not in finals


@pytest.mark.parametrize("snr_db", [None, 20.0], ids=["clean", "snr20"])
def test_pauses_and_speaking_time(conversation, snr_db: float | None) -> None:
    pcm = conversation.pcm if snr_db is None else add_noise(conversation.pcm, snr_db, seed=2)
    run = analyze(pcm)
    pauses = run.pauses()
    speaking_time = run.finals()["speaking_time"]
    truth = conversation.speech_s
    print(
        f"\npauses ({'clean' if snr_db is None else f'SNR {snr_db:.0f} dB'}): true {list(PAUSES_S)} "
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


def test_chunk_size_does_not_change_totals(conversation) -> None:
    pcm = add_noise(conversation.pcm, 25.0, seed=3)
    small = analyze(pcm, 320)  # 20 ms, one Opus packet
    large = analyze(pcm, 16000)  # 1 s
    odd = analyze(pcm, [137, 2999, 480, 1, 7001])  # sizes that cut every frame grid
    for other in (large, odd):
        assert other.finals()["syllables"] == pytest.approx(small.finals()["syllables"], abs=1)
        assert other.finals()["speaking_time"] == pytest.approx(small.finals()["speaking_time"], abs=0.05)
        assert [p.value for p in other.pauses()] == [p.value for p in small.pauses()]
        # Stronger: frame grids are anchored at the first sample and each snapshot uses only frames that end
        # before it, so every observation (all but its arrival) is the same in any chunking.
        assert _without_arrival(other) == _without_arrival(small)
    per_second = {name: run.cpu_s / run.audio_s * 1000 for name, run in (("20 ms", small), ("1 s", large))}
    print(
        f"\nchunk independence: totals {small.finals()} | CPU per second of audio: "
        + ", ".join(f"{k} chunks {v:.1f} ms" for k, v in per_second.items())
    )


def _without_arrival(run: Run) -> list[tuple[float, str, object]]:
    return sorted((round(o.t, 6), o.name, o.value) for o in run.observations)


def test_gap_in_the_stream_is_tolerated(conversation) -> None:
    """A chunk that starts later than the previous one ended (lost audio) re-anchors the frame grids."""
    session = VoiceAnalyzer().open("gap")
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
