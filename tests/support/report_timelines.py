"""A realistic interview timeline built by code, in the shapes the analyzers emit (see their module docstrings).

Two questions (one-way style markers with index/text, plus an unscored practice question), 10 fps face metrics,
4 Hz voice metrics with cumulative counters, pauses, a look-away, the face leaving the view, transcript finals
with fillers, answer latencies and, when asked, expression-class observations (emotion inference).
"""

from __future__ import annotations

import random

from rooms.model import Observation, ObservationType, Room, RoomStatus

M, E, T, S, H = (
    ObservationType.METRIC,
    ObservationType.EVENT,
    ObservationType.TRANSCRIPT,
    ObservationType.STATUS,
    ObservationType.HEALTH,
)
STARTED_AT = 1_767_000_000.0
DURATION_S = 150.0
# (start, end) of speech; the gaps between are silences (pauses when >= 1 s).
SPEECH = [(6.0, 18.0), (19.4, 33.0), (37.5, 52.0), (74.0, 90.0), (91.6, 104.0), (109.0, 128.0), (129.2, 140.0)]
UTTERANCES = [
    (6.0, 18.0, "i have been working as a backend engineer for six years mostly on payment systems"),
    (19.4, 33.0, "um before that i built data pipelines in python and go for a logistics company"),
    (37.5, 52.0, "what i enjoy most is making slow systems fast and measuring every change"),
    (74.0, 90.0, "the hardest bug was a race in our settlement job that only showed up at month end"),
    (91.6, 104.0, "uh we reproduced it with a replay of production traffic and a deterministic clock"),
    (109.0, 128.0, "the fix was a lease per account and an idempotency key on every transfer"),
    (129.2, 140.0, "since then we have had no duplicate payouts at all"),
]
EXPRESSION_LABELS = ("neutral", "happy", "surprise")


def interview_room(room_id: str = "room-report-1") -> Room:
    return Room(
        room_id,
        "Backend engineer",
        "Ada Lovelace",
        RoomStatus.ENDED,
        STARTED_AT - 60,
        started_at=STARTED_AT,
        ended_at=STARTED_AT + DURATION_S,
    )


def interview_timeline(*, expression_classes: bool = False, seed: int = 7) -> list[Observation]:
    rng = random.Random(seed)
    out: list[Observation] = []

    def add(type_: ObservationType, name: str, value, t: float, detail=None) -> None:
        out.append(Observation(type_, name, value, round(t, 3), STARTED_AT + t + 0.05, detail))

    add(S, "transcript", "on", 0.0, {"engine": "whisper", "language": "en"})
    # Face: present except 60-64 s; eye contact lost 40-46 s (a look-away).
    for i in range(int(DURATION_S * 10)):
        t = i / 10
        present = not 60.0 <= t < 64.0
        add(M, "face_count", 1 if present else 0, t)
        add(M, "face_present", 1.0 if present else 0.0, t)
        if present:
            looking = not 40.0 <= t < 46.0 and rng.random() > 0.12
            add(M, "eye_contact", 1.0 if looking else 0.0, t)
            smile = 0.7 if 110 <= t < 115 else round(rng.random() * 0.3, 3)
            add(M, "smile", smile, t, {"smiling": smile >= 0.5})
            if expression_classes and i % 5 == 0:
                label = EXPRESSION_LABELS[i % 3]
                add(M, "expression_class", label, t, {"probabilities": {label: 0.6}})
    add(E, "face_lost", None, 60.0, {"last_seen_t": 59.9})
    add(E, "face_found", None, 64.0, {"absent_s": 4.1})
    add(E, "look_away", 3.0, 43.0, {"start": 40.0})
    add(E, "look_back", 6.0, 46.0, {"start": 40.0})
    # Voice, every 0.25 s: cumulative speaking time and syllables (about 4.3 syllables per second of speech).
    spoken = 0.0
    syllables = 0
    for i in range(1, int(DURATION_S * 4) + 1):
        t = i / 4
        speaking = any(a <= t < b for a, b in SPEECH)
        if speaking:
            spoken += 0.25
            syllables += 1 if i % 4 == 0 else (1 if rng.random() < 0.75 else 2)
        add(M, "speaking", 1.0 if speaking else 0.0, t)
        add(M, "speaking_time", round(spoken, 3), t)
        add(M, "syllables", syllables, t)
        if spoken >= 2.0:
            add(M, "speech_rate", round(syllables / spoken * 60.0 + rng.uniform(-20, 20), 1), t)
        if spoken >= 5.0:
            add(M, "pitch_variation", round(2.2 + rng.uniform(-0.3, 0.3), 2), t)
    for (_, end), (start, _) in zip(SPEECH, SPEECH[1:], strict=False):
        if start - end >= 1.0:
            add(E, "pause", round(start - end, 2), start, {"start": end, "end": start})
    add(M, "speaking_time", round(spoken, 3), DURATION_S, {"final": True})
    add(M, "syllables", syllables, DURATION_S, {"final": True})
    add(M, "speech_rate", round(syllables / spoken * 60.0, 1), DURATION_S, {"final": True})
    add(M, "pitch_variation", 2.21, DURATION_S, {"final": True})
    # Transcript finals, fillers, cumulative word and filler counts.
    words = fillers = 0
    for start, end, text in UTTERANCES:
        tokens = text.split()
        word_times = [
            {"w": w, "start": round(start + k * (end - start) / len(tokens), 2)} for k, w in enumerate(tokens)
        ]
        add(T, "final", text, end, {"words": word_times, "start": start, "end": end})
        for w in word_times:
            if w["w"] in ("um", "uh"):
                fillers += 1
                add(E, "filler", w["w"], w["start"], {"end": w["start"] + 0.3})
        words += sum(1 for w in tokens if w not in ("um", "uh"))
        add(M, "words", words, end)
        add(M, "fillers", fillers, end)
    # Script markers: a practice question (not scored), then two questions; answer latency after each end.
    add(E, "question_start", "Practice", 0.5, {"index": 0, "text": "Say hello", "label": "Practice", "practice": True})
    add(E, "question_end", "Practice", 3.0, {"index": 0, "label": "Practice", "practice": True})
    add(E, "question_start", "About you", 3.5, {"index": 1, "text": "Tell me about yourself", "label": "About you"})
    add(E, "question_end", "About you", 4.0, {"index": 1, "text": "Tell me about yourself", "label": "About you"})
    add(E, "answer_latency", 2.0, 6.0, {"question_end": 4.0})
    add(E, "question_start", "Hard bug", 68.0, {"index": 2, "text": "Describe a hard bug", "label": "Hard bug"})
    add(E, "question_end", "Hard bug", 70.0, {"index": 2, "text": "Describe a hard bug", "label": "Hard bug"})
    add(E, "answer_latency", 4.0, 74.0, {"question_end": 70.0})
    add(H, "frames_dropped", 3, 60.0)
    add(H, "frames_dropped", 5, 140.0)
    return sorted(out, key=lambda o: o.t)
