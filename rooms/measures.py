"""The catalogue of every measure and event: one entry per observation name, and one per report metric.

An analyzer, the pipeline, the report, the replay, the scoring, the charts and the pages all name a measure
through the constants below, never through a bare string, and describe it through its entry here: kind, unit,
value range, the lane and component that produce it, and the English label and description with the keys the
translation catalogue uses for them. Adding a measure touches its analyzer, this file and the translations.

Observation names are unique across kinds. A report metric may share a name with the observation it comes from
(`eye_contact` per frame, `eye_contact` as the report's share), so report metrics have a catalogue of their own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from rooms.integrity import SIGNALS as INTEGRITY_SIGNALS
from rooms.model import ObservationType

# The analysis lanes that produce measures (realtime/lanes.py runs them).
VIDEO_LANE = "video"
VOICE_LANE = "voice"
DEFERRED_LANE = "deferred"

# --- observation names ------------------------------------------------------------------------------------------
# Face (video lane)
FACE_PRESENT = "face_present"
FACE_COUNT = "face_count"
HEAD_YAW = "head_yaw"
HEAD_PITCH = "head_pitch"
GAZE_YAW = "gaze_yaw"
GAZE_PITCH = "gaze_pitch"
EYE_CONTACT = "eye_contact"
SMILE = "smile"
BROW_FURROW = "brow_furrow"
MOUTH_OPEN = "mouth_open"
EYES_CLOSED = "eyes_closed"
EXPRESSION_CLASS = "expression_class"
FACE_FOUND = "face_found"
FACE_LOST = "face_lost"
MULTIPLE_FACES = "multiple_faces"
GAZE_CALIBRATED = "gaze_calibrated"
LOOK_AWAY = "look_away"
LOOK_BACK = "look_back"
# Voice (voice lane)
SPEAKING = "speaking"
SPEAKING_TIME = "speaking_time"
SILENCE_S = "silence_s"
SYLLABLES = "syllables"
SPEECH_RATE = "speech_rate"
LOUDNESS_DB = "loudness_db"
PITCH_HZ = "pitch_hz"
PITCH_VARIATION = "pitch_variation"
PAUSE = "pause"
ANSWER_LATENCY = "answer_latency"
# Transcript (deferred lane)
PARTIAL = "partial"
FINAL = "final"
WORDS = "words"
FILLERS = "fillers"
FILLER = "filler"
TRANSCRIPT_SYLLABLES = "transcript_syllables"
CORRECTION = "correction"
TRANSCRIPT = "transcript"
# Whether the transcript holds all the speech at the end: "pending" when the interview ended while speech recognition
# still had speech to decode (the report's first version lacks it), "complete" once it is in, "incomplete" when the
# server stopped before it was decoded.
TRANSCRIPT_COMPLETION = "transcript_completion"
# The interview's structure: script and interviewer markers, notes
QUESTION_START = "question_start"
QUESTION_END = "question_end"
ANSWER_START = "answer_start"
NOTE = "note"
CONSENT = "consent"
# Room and connection state
ROOM_STATUS = "room_status"
CANDIDATE_CONNECTED = "candidate_connected"
SEGMENT = "segment"
NODE_LOST = "node_lost"
# Health: the pipeline and the node observing themselves
VIDEO_FPS = "video_fps"
FRAMES_DROPPED = "frames_dropped"
AUDIO_GAPS = "audio_gaps"
LAG_S = "lag_s"  # the video lane's lag (the name it had before the other lanes reported theirs)
TRANSCRIPT_GAPS = "transcript_gaps"
FRAMES_RECEIVED = "frames_received"
FRAMES_SKIPPED = "frames_skipped"
FRAMES_ANALYZED = "frames_analyzed"
VIDEO_LATENCY_MS = "video_latency_ms"
VOICE_LATENCY_MS = "voice_latency_ms"
VOICE_LAG_S = "voice_lag_s"
TRANSCRIPT_LATENCY_MS = "transcript_latency_ms"
TRANSCRIPT_LAG_S = "transcript_lag_s"
NODE_CPU_PCT = "node_cpu_pct"
LOOP_LAG_MS = "loop_lag_ms"
ACTIVE_INTERVIEWS = "active_interviews"

# --- report metric names (those not named above) ----------------------------------------------------------------
FACE_PRESENCE = "face_presence"
LOOK_AWAY_COUNT = "look_away_count"
LONGEST_LOOK_AWAY = "longest_look_away"
TALK_SHARE = "talk_share"
PAUSE_COUNT = "pause_count"
MEAN_PAUSE = "mean_pause"
LONGEST_PAUSE = "longest_pause"
WORDS_PER_MINUTE = "words_per_minute"
FILLER_WORDS = "filler_words"
FILLER_RATE = "filler_rate"
SPEECH_RATE_ACOUSTIC = "speech_rate_acoustic"


@dataclass(frozen=True, slots=True)
class Measure:
    """What a name means: enough to chart it, label it in two languages, and check a value against it.

    `kind`: the observation type it travels as ("report" for a report metric). `unit`: "ratio" (0-1), "s",
    "deg", "dB", "Hz", "count", ... or "" (text, flags). `low`/`high`: the values it can take, None when open.
    `lane`: the analysis lane that computes it (None outside analysis). `producer`: the component that emits it.
    `chart`: the live and replay chart group it is drawn in, None when not charted.
    """

    name: str
    kind: str
    unit: str
    producer: str
    label: str
    description: str
    lane: str | None = None
    low: float | None = None
    high: float | None = None
    chart: str | None = None

    @property
    def label_key(self) -> str:
        return f"{self._key_prefix}.{self.name}.label"

    @property
    def description_key(self) -> str:
        return f"{self._key_prefix}.{self.name}.description"

    @property
    def _key_prefix(self) -> str:
        return "report_metric" if self.kind == REPORT else "measure"

    def to_page(self, translate: Callable[[str, str], str]) -> dict[str, Any]:
        """What a page needs, with label and description in the page's language (`translate(key, english)`)."""
        return {
            "kind": self.kind,
            "unit": self.unit,
            "lane": self.lane,
            "low": self.low,
            "high": self.high,
            "chart": self.chart,
            "label": translate(self.label_key, self.label),
            "description": translate(self.description_key, self.description),
        }


class TranscriptCompletion(enum.StrEnum):
    """The values of TRANSCRIPT_COMPLETION."""

    PENDING = "pending"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


REPORT = "report"
_M, _E, _T, _H, _S = (
    ObservationType.METRIC.value,
    ObservationType.EVENT.value,
    ObservationType.TRANSCRIPT.value,
    ObservationType.HEALTH.value,
    ObservationType.STATUS.value,
)


class _Source(TypedDict):
    producer: str
    lane: str


_FACE: _Source = {"producer": "face", "lane": VIDEO_LANE}
_VOICE: _Source = {"producer": "voice", "lane": VOICE_LANE}
_TRANSCRIPT: _Source = {"producer": "transcript", "lane": DEFERRED_LANE}


def _catalogue(entries: Iterable[Measure]) -> dict[str, Measure]:
    catalogue: dict[str, Measure] = {}
    for entry in entries:
        assert entry.name not in catalogue, f"{entry.name} is in the catalogue twice"
        catalogue[entry.name] = entry
    return catalogue


OBSERVATIONS: dict[str, Measure] = _catalogue(
    [
        # Face
        Measure(FACE_PRESENT, _M, "ratio", **_FACE, low=0, high=1, chart="presence",
                label="Face in view", description="1 when a face is found in the analyzed frame, else 0."),
        Measure(FACE_COUNT, _M, "count", **_FACE, low=0, high=3,
                label="Faces in view", description="How many faces the frame holds (up to 3 are looked for)."),
        Measure(HEAD_YAW, _M, "deg", **_FACE, low=-90, high=90,
                label="Head turn", description="Left-right rotation of the head; positive toward image right."),
        Measure(HEAD_PITCH, _M, "deg", **_FACE, low=-90, high=90,
                label="Head tilt", description="Up-down rotation of the head; positive is up."),
        Measure(GAZE_YAW, _M, "deg", **_FACE, low=-90, high=90,
                label="Gaze, left-right", description="Where the eyes point, from head pose plus iris position."),
        Measure(GAZE_PITCH, _M, "deg", **_FACE, low=-90, high=90,
                label="Gaze, up-down", description="Where the eyes point, from head pose plus iris position."),
        Measure(EYE_CONTACT, _M, "ratio", **_FACE, low=0, high=1, chart="presence",
                label="Eye contact",
                description="1 when the gaze, calibrated on the candidate's first seconds, points at the camera "
                "or the screen around it; absent while the eyes are closed."),
        Measure(SMILE, _M, "ratio", **_FACE, low=0, high=1, chart="expression",
                label="Smile", description="Mean of MediaPipe's mouthSmileLeft/Right blendshapes: a facial "
                "movement, not an emotion."),
        Measure(BROW_FURROW, _M, "ratio", **_FACE, low=0, high=1, chart="expression",
                label="Brow furrow", description="MediaPipe's browDown blendshapes: a facial movement."),
        Measure(MOUTH_OPEN, _M, "ratio", **_FACE, low=0, high=1, chart="expression",
                label="Mouth open", description="MediaPipe's jawOpen blendshape: a facial movement."),
        Measure(EYES_CLOSED, _M, "ratio", **_FACE, low=0, high=1,
                label="Eyes closed", description="MediaPipe's eyeBlink blendshapes, both eyes averaged."),
        Measure(EXPRESSION_CLASS, _M, "", **_FACE,
                label="Expression class",
                description="A facial-expression classifier's top label; only when the deployment's policy "
                "turns emotion inference on."),
        Measure(FACE_FOUND, _E, "", **_FACE,
                label="Face found", description="A face came into view after none was."),
        Measure(FACE_LOST, _E, "", **_FACE,
                label="Face lost", description="No face for longer than the face-lost delay (1 s)."),
        Measure(MULTIPLE_FACES, _E, "count", **_FACE, low=2, high=3,
                label="More than one face", description="A second face came into view."),
        Measure(GAZE_CALIBRATED, _E, "", **_FACE,
                label="Gaze calibrated",
                description="The candidate's own 'at the screen' gaze was taken from a steady look."),
        Measure(LOOK_AWAY, _E, "s", **_FACE, low=0,
                label="Looked away", description="Eye contact lost for longer than the look-away threshold."),
        Measure(LOOK_BACK, _E, "s", **_FACE, low=0,
                label="Looked back", description="A look-away ended; the value is its whole length."),
        # Voice
        Measure(SPEAKING, _M, "ratio", **_VOICE, low=0, high=1, chart="voice",
                label="Speaking", description="1 while voice activity detection hears speech, else 0."),
        Measure(SPEAKING_TIME, _M, "s", **_VOICE, low=0,
                label="Speaking time", description="Seconds of speech so far."),
        Measure(SILENCE_S, _M, "s", **_VOICE, low=0,
                label="Silence", description="Seconds since the last speech ended (0 while speaking)."),
        Measure(SYLLABLES, _M, "count", **_VOICE, low=0,
                label="Syllables", description="Syllable nuclei counted in speech so far."),
        Measure(SPEECH_RATE, _M, "syllables/min", **_VOICE, low=0, high=600, chart="voice",
                label="Speech rate", description="Syllables per minute over the latest stretch of speaking time."),
        Measure(LOUDNESS_DB, _M, "dB", **_VOICE, low=-120, high=0, chart="sound",
                label="Loudness", description="Level of the last interval, in dB relative to full scale."),
        Measure(PITCH_HZ, _M, "Hz", **_VOICE, low=40, high=1000, chart="sound",
                label="Pitch", description="Median fundamental frequency (YIN) of the voiced speech in the interval."),
        Measure(PITCH_VARIATION, _M, "semitones", **_VOICE, low=0,
                label="Pitch variation", description="Standard deviation of the pitch over voiced speech."),
        Measure(PAUSE, _E, "s", **_VOICE, low=0,
                label="Pause", description="A silence of at least 1 s between two stretches of speech."),
        Measure(ANSWER_LATENCY, _E, "s", **_VOICE, low=0,
                label="Answer latency", description="From the end of a question to the candidate's first speech."),
        # Transcript
        Measure(PARTIAL, _T, "", **_TRANSCRIPT,
                label="Transcript (partial)", description="Words recognized so far in the current utterance."),
        Measure(FINAL, _T, "", **_TRANSCRIPT,
                label="Transcript", description="An utterance's recognized text, with word times."),
        Measure(WORDS, _M, "count", **_TRANSCRIPT, low=0,
                label="Words", description="Recognized words so far, fillers left out."),
        Measure(FILLERS, _M, "count", **_TRANSCRIPT, low=0,
                label="Filler words", description="Filler words found in the transcript so far."),
        Measure(TRANSCRIPT_SYLLABLES, _M, "count", **_TRANSCRIPT, low=0,
                label="Syllables in the transcript",
                description="Syllables of the recognized words so far (a Chinese character is one), fillers left out."),
        Measure(CORRECTION, _T, "", producer="replay",
                label="Transcript correction", description="An interviewer's correction of a transcript line."),
        Measure(FILLER, _E, "", **_TRANSCRIPT,
                label="Filler word", description="A filler word or phrase (um, uh; 嗯, 那个 ...)."),
        Measure(TRANSCRIPT, _S, "", **_TRANSCRIPT,
                label="Transcript status", description="Whether speech recognition runs ('on') or why not ('off')."),
        Measure(TRANSCRIPT_COMPLETION, _S, "", producer="pipeline", lane=DEFERRED_LANE,
                label="Transcript completion",
                description="At the end: 'pending' while the last speech is still being transcribed, 'complete' "
                "once it is in the transcript, 'incomplete' if the server stopped first."),
        # Structure
        Measure(QUESTION_START, _E, "", producer="script",
                label="Question asked", description="A question began (the interviewer's mark or the script)."),
        Measure(QUESTION_END, _E, "", producer="script",
                label="Question ended", description="A question ended: answer latency runs from here."),
        Measure(ANSWER_START, _E, "", producer="script",
                label="Answer started", description="A one-way interview's answer time began."),
        Measure(NOTE, _E, "", producer="notes",
                label="Note", description="An interviewer's note, stamped with the interview's time."),
        Measure(CONSENT, _E, "", producer="consent",
                label="Consent", description="The candidate's choice about automated analysis, with its version."),
        # Room and connection state
        Measure(ROOM_STATUS, _S, "", producer="interviews",
                label="Room status", description="waiting, live or ended."),
        Measure(CANDIDATE_CONNECTED, _S, "", producer="interviews",
                label="Candidate connected", description="Whether the candidate's media connection is up."),
        Measure(SEGMENT, _S, "", producer="cluster",
                label="Session segment", description="The node that analyzed the interview from this time on."),
        Measure(NODE_LOST, _E, "", producer="cluster",
                label="Node lost", description="The node analyzing the interview stopped; a gap follows."),
        # Health
        Measure(VIDEO_FPS, _H, "fps", producer="pipeline", low=0,
                label="Analyzed frame rate", description="Video frames analyzed per second."),
        Measure(FRAMES_DROPPED, _H, "count", producer="pipeline", low=0,
                label="Frames dropped", description="Frames replaced while analysis was busy (by design)."),
        Measure(AUDIO_GAPS, _H, "count", producer="pipeline", low=0,
                label="Audio gaps", description="Times live audio analysis fell its window behind."),
        Measure(LAG_S, _H, "s", producer="pipeline", lane=VIDEO_LANE, low=0,
                label="Video lag",
                description="How far video analysis trails real time: now minus the media time of the newest "
                "analyzed frame (every wait before analysis included)."),
        Measure(TRANSCRIPT_GAPS, _H, "count", producer="pipeline", low=0,
                label="Transcript gaps", description="Times speech recognition fell its window behind."),
        Measure(FRAMES_RECEIVED, _H, "count", producer="pipeline", lane=VIDEO_LANE, low=0,
                label="Frames received", description="Video frames decoded so far."),
        Measure(FRAMES_SKIPPED, _H, "count", producer="pipeline", lane=VIDEO_LANE, low=0,
                label="Frames skipped", description="Video frames above the analysis rate, skipped by design."),
        Measure(FRAMES_ANALYZED, _H, "count", producer="pipeline", lane=VIDEO_LANE, low=0,
                label="Frames analyzed", description="Video frames analyzed so far."),
        Measure(VIDEO_LATENCY_MS, _H, "ms", producer="pipeline", lane=VIDEO_LANE, low=0,
                label="Video latency",
                description="The worst time over the last second from a frame's arrival to its measures, a frame "
                "still in analysis counted by how long it has waited."),
        Measure(VOICE_LATENCY_MS, _H, "ms", producer="pipeline", lane=VOICE_LANE, low=0,
                label="Voice latency",
                description="The worst time over the last second from audio's arrival to its voice measures, "
                "audio still in analysis counted by how long it has waited."),
        Measure(VOICE_LAG_S, _H, "s", producer="pipeline", lane=VOICE_LANE, low=0,
                label="Voice lag",
                description="How far the voice measures trail real time: now minus the media time of the end of "
                "the newest analyzed audio."),
        Measure(TRANSCRIPT_LATENCY_MS, _H, "ms", producer="pipeline", lane=DEFERRED_LANE, low=0,
                label="Transcript latency",
                description="The worst time over the last second from audio's arrival to speech recognition's "
                "result, audio still being recognized counted by how long it has waited."),
        Measure(TRANSCRIPT_LAG_S, _H, "s", producer="pipeline", lane=DEFERRED_LANE, low=0,
                label="Transcript lag",
                description="How far speech recognition trails real time: now minus the media time of the end of "
                "the newest recognized audio."),
        Measure(NODE_CPU_PCT, _H, "%", producer="node", low=0,
                label="Node CPU", description="The server process's CPU use, in % of one core."),
        Measure(LOOP_LAG_MS, _H, "ms", producer="node", low=0,
                label="Event-loop lag", description="How late the server's event loop woke up."),
        Measure(ACTIVE_INTERVIEWS, _H, "count", producer="node", low=0,
                label="Live interviews", description="Interviews this node is analyzing."),
        # Integrity signals: declared with their method and measured false-positive rate in rooms/integrity.py.
        *(
            Measure(s.name, _E, s.unit, producer="integrity", label=s.label, description=s.method)
            for s in INTEGRITY_SIGNALS.values()
        ),
    ]
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LaneHealth:
    """How one analysis lane keeps up, as the dashboard's health line and /metrics show it: the names of its latency
    and lag measures, and the lag or latency past which it counts as behind (the live lanes' measures are wanted
    now; the transcript may trail by a decode or two)."""

    lane: str
    label: str  # what the health line calls the lane
    latency: str  # worst arrival -> observations over the health interval, ms
    lag: str  # now minus the newest analyzed media time, s
    behind_s: float

    def to_page(self, translate: Callable[[str, str], str]) -> dict[str, Any]:
        return {
            "label": translate(f"lane.{self.lane}.label", self.label),
            "latency": self.latency,
            "lag": self.lag,
            "behind_s": self.behind_s,
        }


LANE_HEALTH: dict[str, LaneHealth] = {
    health.lane: health
    for health in (
        LaneHealth(VIDEO_LANE, "Video", VIDEO_LATENCY_MS, LAG_S, behind_s=1.0),
        LaneHealth(VOICE_LANE, "Voice", VOICE_LATENCY_MS, VOICE_LAG_S, behind_s=1.0),
        LaneHealth(DEFERRED_LANE, "Transcript", TRANSCRIPT_LATENCY_MS, TRANSCRIPT_LAG_S, behind_s=10.0),
    )
}

REPORT_METRICS: dict[str, Measure] = _catalogue(
    [
        Measure(FACE_PRESENCE, REPORT, "ratio", producer="report", low=0, high=1,
                label="Face in view",
                description="Share of analyzed video frames in which MediaPipe FaceLandmarker found a face."),
        Measure(EYE_CONTACT, REPORT, "ratio", producer="report", low=0, high=1,
                label="Eye contact",
                description="Share of face-in-view frames in which the gaze, estimated from head pose plus iris "
                "position and calibrated on the candidate's first seconds, pointed at the camera or the screen "
                "around it; frames with closed eyes (blinks) are left out."),
        Measure(LOOK_AWAY_COUNT, REPORT, "count", producer="report", low=0,
                label="Looked away (> 3 s)",
                description="Stretches in which eye contact was lost for longer than 3 s."),
        Measure(LONGEST_LOOK_AWAY, REPORT, "s", producer="report", low=0,
                label="Longest look-away", description="Length of the longest stretch without eye contact."),
        Measure(SMILE, REPORT, "ratio", producer="report", low=0, high=1,
                label="Smiling",
                description="Share of face-in-view frames whose smile descriptor (mean of the "
                "mouthSmileLeft/Right blendshapes) was at least {threshold}. An observable facial movement, "
                "not an emotion."),
        Measure(MULTIPLE_FACES, REPORT, "ratio", producer="report", low=0, high=1,
                label="More than one face",
                description="Share of analyzed video frames in which more than one face was in view."),
        Measure(SPEAKING_TIME, REPORT, "s", producer="report", low=0,
                label="Speaking time",
                description="Seconds of audio that voice activity detection (Silero VAD, or webrtcvad with an "
                "energy gate, smoothed) marked as speech."),
        Measure(TALK_SHARE, REPORT, "ratio", producer="report", low=0, high=1,
                label="Share of time speaking", description="Speaking time divided by the interview's duration."),
        Measure(SPEECH_RATE, REPORT, "syllables/min", producer="report", low=0,
                label="Speech rate",
                description="Syllable nuclei (peaks of voiced loudness) counted in speech, per minute of speaking "
                "time; language-independent (a Chinese character is one syllable)."),
        Measure(PAUSE_COUNT, REPORT, "count", producer="report", low=0,
                label="Pauses", description="Silences of at least 1 s between two stretches of speech."),
        Measure(MEAN_PAUSE, REPORT, "s", producer="report", low=0,
                label="Mean pause", description="Average length of those pauses."),
        Measure(LONGEST_PAUSE, REPORT, "s", producer="report", low=0,
                label="Longest pause", description="Length of the longest pause between two stretches of speech."),
        Measure(ANSWER_LATENCY, REPORT, "s", producer="report", low=0,
                label="Answer latency",
                description="Mean time from the end of a question (marked by the interviewer) to the candidate's "
                "first speech."),
        Measure(PITCH_VARIATION, REPORT, "semitones", producer="report", low=0,
                label="Pitch variation",
                description="Standard deviation of the voice's fundamental frequency (YIN pitch tracking) over "
                "voiced speech: how much the intonation moves, not how it sounds."),
        Measure(WORDS_PER_MINUTE, REPORT, "words/min", producer="report", low=0,
                label="Words per minute",
                description="Recognized words (fillers left out) per minute of speaking time."),
        Measure(FILLER_WORDS, REPORT, "count", producer="report", low=0,
                label="Filler words",
                description="Hesitation fillers found in the transcript: um, uh, er, and like / you know between "
                "pauses; 嗯, 呃, and 啊, 那个, 就是, 然后 standing alone before a pause or repeated."),
        # Chinese transcripts count characters where English counts words: the report names the unit it used.
        Measure(FILLER_RATE, REPORT, "per 100 words", producer="report", low=0,
                label="Fillers per 100 words",
                description="Filler words per 100 words of the transcript (at least 20 words needed)."),
        Measure(SPEECH_RATE_ACOUSTIC, REPORT, "syllables/min", producer="report", low=0,
                label="Speech rate (acoustic)",
                description="Syllable nuclei (peaks of voiced loudness) counted in speech, per minute of speaking "
                "time; language-independent (a Chinese character is one syllable)."),
    ]
)  # fmt: skip


def observation_measure(name: str) -> Measure:
    """The catalogue entry of an observation name; KeyError names the unknown one."""
    try:
        return OBSERVATIONS[name]
    except KeyError:
        raise KeyError(f"observation {name!r} is not in the measures catalogue (rooms/measures.py)") from None


def unknown_names(names: Iterable[str]) -> set[str]:
    """The observation names that the catalogue does not hold."""
    return {name for name in names if name not in OBSERVATIONS}


def _english(key: str, english: str) -> str:
    return english


def page_catalogue(translate: Callable[[str, str], str] = _english) -> dict[str, Any]:
    """The catalogue as pages receive it in their page config: observations and report metrics by name."""
    return {
        "observations": {name: m.to_page(translate) for name, m in OBSERVATIONS.items()},
        "report": {name: m.to_page(translate) for name, m in REPORT_METRICS.items()},
        "lanes": {lane: health.to_page(translate) for lane, health in LANE_HEALTH.items()},
    }
