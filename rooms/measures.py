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
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from rooms import integrity
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
# Rates the scoring derives from report metrics (rooms/scoring.py)
LOOK_AWAYS_PER_MIN = "look_aways_per_min"
PAUSES_PER_MIN = "pauses_per_min"

# --- live dashboard cards (web/templates/interviewer.html): where a measure's tile sits -------------------------
FACE_CARD = "face"
EXPRESSION_CARD = "expression"
CLASSIFIER_CARD = "classifier"  # only in the page when the deployment enables emotion inference
VOICE_CARD = "voice"

# The chart colours (the palette of web/static/js/lib/measures.js starts with them)
_GREEN, _BLUE, _AMBER, _PURPLE, _RED = "#1a7f37", "#0b5cad", "#b07d00", "#8250df", "#c9302c"


@dataclass(frozen=True, slots=True)
class SeriesStyle:
    """How a charted measure's line is drawn on the live and the replay charts.

    `colour`: the line's (and the dashboard tile bar's) colour. `fill`: opacity of the area under the line, 0 for
    none. `width`: the line's width, None for the chart's default. `right_axis`: drawn against the chart group's
    second (right) axis. `legend_unit`: shown in brackets after the label in the legend (translated).
    A charted measure without a style gets the next colour of the page's palette (web/static/js/lib/measures.js).
    """

    colour: str
    fill: float = 0.0
    width: float | None = None
    right_axis: bool = False
    legend_unit: str = ""


@dataclass(frozen=True, slots=True)
class EventWording:
    """How the dashboard's event list words an event (English; the page's language at run time).

    `text` may hold %(s)s (the value as seconds, one decimal), %(p)s (a 0-1 value in percent), %(n)s, %(text)s or
    %(node)s (the value as it is), %(whole)s (whole seconds, rounded down); `text_number`, when given, is used
    instead when the value is a number; `report_text` in the printed report's event list, when it says it
    otherwise (there the event is past: "looked away for more than 3 s").
    `tone`: "", "ok", "info", "warn" or "bad". `text_off`/`tone_off`: for a true/false value, when it is false.
    `values`: texts for particular values (a status). `labelled`: the value is free text from the interviewer,
    appended after a colon when there is one.
    """

    text: str
    tone: str = ""
    text_off: str = ""
    tone_off: str = ""
    values: tuple[tuple[str, str], ...] = ()
    labelled: bool = False
    text_number: str = ""
    report_text: str = ""

    def to_page(self, translate: Callable[[str], str]) -> dict[str, Any]:
        return {
            "text": translate(self.text),
            "tone": self.tone,
            "text_off": translate(self.text_off) if self.text_off else "",
            "tone_off": self.tone_off,
            "values": {value: translate(text) for value, text in self.values},
            "labelled": self.labelled,
            "text_number": translate(self.text_number) if self.text_number else "",
        }


@dataclass(frozen=True, slots=True)
class Tile:
    """A measure's tile on the live dashboard: which card, where in it, and how its value is shown.

    `format`: "bar" (0-1, two decimals, a bar), "flag" (yes/no), "seconds", "clock" (m:ss), "number" (no
    decimals), or "custom" (the dashboard words it itself: web/static/js/dashboard/tiles.js). `label`: when the
    tile says something else than the measure's label. `sub`: the second line once there is a value; `waiting`:
    before. `title`: the tooltip. `note`: a small tag beside the label for the script to fill.
    """

    card: str
    order: int
    format: str
    label: str = ""
    sub: str = ""
    waiting: str = ""
    title: str = ""
    note: bool = False
    has_sub: bool = False

    def to_page(self, label: str, translate: Callable[[str], str]) -> dict[str, Any]:
        return {
            "card": self.card,
            "order": self.order,
            "format": self.format,
            "label": translate(self.label) if self.label else label,
            "sub": translate(self.sub) if self.sub else "",
            "waiting": translate(self.waiting) if self.waiting else "",
            "title": translate(self.title) if self.title else "",
            "note": self.note,
            "has_sub": self.has_sub or bool(self.sub or self.waiting),
            "bar": self.format == "bar",
        }


@dataclass(frozen=True, slots=True)
class Measure:
    """What a name means: enough to chart it, label it in two languages, and check a value against it.

    `kind`: the observation type it travels as ("report" for a report metric). `unit`: "ratio" (0-1), "s",
    "deg", "dB", "Hz", "count", ... or "" (text, flags). `low`/`high`: the values it can take, None when open.
    `lane`: the analysis lane that computes it (None outside analysis). `producer`: the component that emits it.
    `chart`: the live and replay chart group it is drawn in, None when not charted; `style`: how its line looks
    there. `tile`: its tile on the live dashboard. `event`: how the dashboard's event list words it; `listed`:
    False for an event the dashboard folds into a tile instead of listing (it can come every few seconds).
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
    style: SeriesStyle | None = None
    tile: Tile | None = None
    event: EventWording | None = None
    listed: bool = True

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
        label = translate(self.label_key, self.label)

        def phrase(english: str) -> str:
            return translate(f"{self._key_prefix}.{self.name}.phrase", english)

        page: dict[str, Any] = {
            "kind": self.kind,
            "producer": self.producer,
            "unit": self.unit,
            "lane": self.lane,
            "low": self.low,
            "high": self.high,
            "chart": self.chart,
            "label": label,
            "description": translate(self.description_key, self.description),
            "listed": self.listed,
        }
        if self.style is not None:
            page["style"] = {
                "colour": self.style.colour,
                "fill": self.style.fill,
                "width": self.style.width,
                "right_axis": self.style.right_axis,
                "legend_unit": phrase(self.style.legend_unit) if self.style.legend_unit else "",
            }
        if self.tile is not None:
            page["tile"] = self.tile.to_page(label, phrase)
        if self.event is not None:
            page["event"] = self.event.to_page(phrase)
        return page

    def phrases(self) -> list[str]:
        """Every English phrase of the entry, for the message catalogs (scripts/update_catalogs.py)."""
        found = [self.label, self.description]
        if self.style is not None:
            found.append(self.style.legend_unit)
        if self.tile is not None:
            found += [self.tile.label, self.tile.sub, self.tile.waiting, self.tile.title]
        if self.event is not None:
            found += [self.event.text, self.event.text_off, self.event.text_number, self.event.report_text]
            found += [text for _, text in self.event.values]
        return [phrase for phrase in found if phrase]


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


def _for_seconds(text: str, tone: str = "warn") -> EventWording:
    return EventWording(text, tone, text_number=f"{text} for %(s)s s")


# How the dashboard's event list and the replay's moments word each integrity signal: observations, no verdict.
_INTEGRITY_WORDING: dict[str, EventWording] = {
    integrity.TAB_HIDDEN: _for_seconds("Interview page hidden"),
    integrity.WINDOW_BLUR: _for_seconds("Interview window out of focus"),
    integrity.FULLSCREEN_EXIT: _for_seconds("Left full screen"),
    integrity.PASTE: EventWording(
        "Text pasted into the page", "warn", text_number="Text pasted into the page (%(n)s characters)"
    ),
    integrity.SECOND_SCREEN: EventWording("A second screen is attached", "warn"),
    integrity.PAGE_RELOAD: EventWording("Interview page reloaded", "info"),
    integrity.VOICE_MOUTH_MISMATCH: _for_seconds("Voice does not go with the mouth's movement"),
    integrity.SECOND_SPEAKER: _for_seconds("Another voice"),
    integrity.READING: _for_seconds("Eye movements like reading"),
    integrity.ANSWER_SIMILARITY: EventWording(
        "Answer like another text", "warn", text_number="Answer %(p)s %% like another text"
    ),
}


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
                style=SeriesStyle(_GREEN, fill=0.08), tile=Tile(FACE_CARD, 1, "custom", has_sub=True),
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
                style=SeriesStyle(_BLUE),
                tile=Tile(FACE_CARD, 2, "custom", has_sub=True, note=True,
                          title="From head pose and iris position. Share counts every eye-contact sample received."),
                label="Eye contact",
                description="1 when the gaze, calibrated on the candidate's first seconds, points at the camera "
                "or the screen around it; absent while the eyes are closed."),
        Measure(SMILE, _M, "ratio", **_FACE, low=0, high=1, chart="expression",
                style=SeriesStyle(_AMBER), tile=Tile(EXPRESSION_CARD, 1, "bar"),
                label="Smile", description="Mean of MediaPipe's mouthSmileLeft/Right blendshapes: a facial "
                "movement, not an emotion."),
        Measure(BROW_FURROW, _M, "ratio", **_FACE, low=0, high=1, chart="expression",
                style=SeriesStyle(_PURPLE), tile=Tile(EXPRESSION_CARD, 2, "bar"),
                label="Brow furrow", description="MediaPipe's browDown blendshapes: a facial movement."),
        Measure(MOUTH_OPEN, _M, "ratio", **_FACE, low=0, high=1, chart="expression",
                style=SeriesStyle(_RED), tile=Tile(EXPRESSION_CARD, 3, "bar"),
                label="Mouth open", description="MediaPipe's jawOpen blendshape: a facial movement."),
        Measure(EYES_CLOSED, _M, "ratio", **_FACE, low=0, high=1,
                label="Eyes closed", description="MediaPipe's eyeBlink blendshapes, both eyes averaged."),
        Measure(EXPRESSION_CLASS, _M, "", **_FACE,
                tile=Tile(CLASSIFIER_CARD, 1, "custom", label="Expression class (classifier)", has_sub=True),
                label="Expression class",
                description="A facial-expression classifier's top label; only when the deployment's policy "
                "turns emotion inference on."),
        Measure(FACE_FOUND, _E, "", **_FACE, event=EventWording("Face back in view", "ok"),
                label="Face found", description="A face came into view after none was."),
        Measure(FACE_LOST, _E, "", **_FACE, event=EventWording("Face left the view", "bad"),
                label="Face lost", description="No face for longer than the face-lost delay (1 s)."),
        Measure(MULTIPLE_FACES, _E, "count", **_FACE, low=2, high=3,
                event=EventWording("%(n)s faces in view", "warn"),
                label="More than one face", description="A second face came into view."),
        Measure(GAZE_CALIBRATED, _E, "", **_FACE,
                event=EventWording("Eye contact calibrated on the candidate's gaze", "info"),
                label="Gaze calibrated",
                description="The candidate's own 'at the screen' gaze was taken from a steady look."),
        # look_away comes once a stretch passes the threshold (value: seconds so far); look_back ends it (total).
        Measure(LOOK_AWAY, _E, "s", **_FACE, low=0,
                event=EventWording("Looking away for %(s)s s", "warn",
                                   report_text="Looked away from the screen for more than %(whole)s s"),
                label="Looked away", description="Eye contact lost for longer than the look-away threshold."),
        Measure(LOOK_BACK, _E, "s", **_FACE, low=0, event=EventWording("Looked away for %(s)s s", "ok"),
                label="Looked back", description="A look-away ended; the value is its whole length."),
        # Voice
        Measure(SPEAKING, _M, "ratio", **_VOICE, low=0, high=1, chart="voice",
                style=SeriesStyle(_GREEN, fill=0.15, width=1), tile=Tile(VOICE_CARD, 1, "flag"),
                label="Speaking", description="1 while voice activity detection hears speech, else 0."),
        Measure(SPEAKING_TIME, _M, "s", **_VOICE, low=0, tile=Tile(VOICE_CARD, 4, "clock"),
                label="Speaking time", description="Seconds of speech so far."),
        Measure(SILENCE_S, _M, "s", **_VOICE, low=0, tile=Tile(VOICE_CARD, 2, "seconds", label="Current silence"),
                label="Silence", description="Seconds since the last speech ended (0 while speaking)."),
        Measure(SYLLABLES, _M, "count", **_VOICE, low=0,
                label="Syllables", description="Syllable nuclei counted in speech so far."),
        Measure(SPEECH_RATE, _M, "syllables/min", **_VOICE, low=0, high=600, chart="voice",
                style=SeriesStyle(_BLUE, right_axis=True, legend_unit="syll/min"),
                tile=Tile(VOICE_CARD, 5, "number", sub="syllables / min", waiting="not enough speech yet"),
                label="Speech rate", description="Syllables per minute over the latest stretch of speaking time."),
        Measure(LOUDNESS_DB, _M, "dB", **_VOICE, low=-120, high=0, chart="sound",
                style=SeriesStyle(_AMBER, legend_unit="dBFS"),
                label="Loudness", description="Level of the last interval, in dB relative to full scale."),
        Measure(PITCH_HZ, _M, "Hz", **_VOICE, low=40, high=1000, chart="sound",
                style=SeriesStyle(_PURPLE, right_axis=True, legend_unit="Hz"),
                label="Pitch", description="Median fundamental frequency (YIN) of the voiced speech in the interval."),
        Measure(PITCH_VARIATION, _M, "semitones", **_VOICE, low=0,
                tile=Tile(VOICE_CARD, 7, "custom", label="Intonation", has_sub=True,
                          title="Spread of the voice's pitch over the last 20 s of voiced speech, in semitones."),
                label="Pitch variation", description="Standard deviation of the pitch over voiced speech."),
        Measure(PAUSE, _E, "s", **_VOICE, low=0, event=EventWording("Pause of %(s)s s"),
                tile=Tile(VOICE_CARD, 3, "custom", label="Pauses", has_sub=True),
                label="Pause", description="A silence of at least 1 s between two stretches of speech."),
        Measure(ANSWER_LATENCY, _E, "s", **_VOICE, low=0, event=EventWording("Answered after %(s)s s", "info"),
                tile=Tile(VOICE_CARD, 8, "custom", has_sub=True,
                          title="Mean time from a question's marked end to the candidate's first speech."),
                label="Answer latency", description="From the end of a question to the candidate's first speech."),
        # Transcript
        Measure(PARTIAL, _T, "", **_TRANSCRIPT,
                label="Transcript (partial)", description="Words recognized so far in the current utterance."),
        Measure(FINAL, _T, "", **_TRANSCRIPT,
                label="Transcript", description="An utterance's recognized text, with word times."),
        Measure(WORDS, _M, "count", **_TRANSCRIPT, low=0,
                label="Words", description="Recognized words so far, fillers left out."),
        Measure(FILLERS, _M, "count", **_TRANSCRIPT, low=0,
                tile=Tile(VOICE_CARD, 6, "custom", has_sub=True,
                          title="Fillers (um, uh, er …) found in the transcript; words per minute of speaking time."),
                label="Filler words", description="Filler words found in the transcript so far."),
        Measure(TRANSCRIPT_SYLLABLES, _M, "count", **_TRANSCRIPT, low=0,
                label="Syllables in the transcript",
                description="Syllables of the recognized words so far (a Chinese character is one), fillers left out."),
        Measure(CORRECTION, _T, "", producer="replay",
                label="Transcript correction", description="An interviewer's correction of a transcript line."),
        Measure(FILLER, _E, "", **_TRANSCRIPT, listed=False,
                label="Filler word", description="A filler word or phrase (um, uh; 嗯, 那个 ...)."),
        Measure(TRANSCRIPT, _S, "", **_TRANSCRIPT,
                label="Transcript status", description="Whether speech recognition runs ('on') or why not ('off')."),
        Measure(TRANSCRIPT_COMPLETION, _S, "", producer="pipeline", lane=DEFERRED_LANE,
                label="Transcript completion",
                description="At the end: 'pending' while the last speech is still being transcribed, 'complete' "
                "once it is in the transcript, 'incomplete' if the server stopped first."),
        # Structure
        Measure(QUESTION_START, _E, "", producer="script",
                event=EventWording("Question started", "info", labelled=True),
                label="Question asked", description="A question began (the interviewer's mark or the script)."),
        Measure(QUESTION_END, _E, "", producer="script",
                event=EventWording("Question ended — answer expected", "info", labelled=True),
                label="Question ended", description="A question ended: answer latency runs from here."),
        Measure(ANSWER_START, _E, "", producer="script",
                label="Answer started", description="A one-way interview's answer time began."),
        Measure(NOTE, _E, "", producer="notes", event=EventWording("Note: %(text)s", "info"),
                label="Note", description="An interviewer's note, stamped with the interview's time."),
        Measure(CONSENT, _E, "", producer="consent",
                event=EventWording("Analysis of face and voice: agreed",
                                   text_off="Analysis of face and voice: declined"),
                label="Consent", description="The candidate's choice about automated analysis, with its version."),
        # Room and connection state
        Measure(ROOM_STATUS, _S, "", producer="interviews",
                event=EventWording("Room is %(text)s", "info",
                                   values=(("live", "Interview is live"), ("ended", "Interview ended"))),
                label="Room status", description="waiting, live or ended."),
        Measure(CANDIDATE_CONNECTED, _S, "", producer="interviews",
                event=EventWording("Candidate connected", "ok", text_off="Candidate disconnected", tone_off="bad"),
                label="Candidate connected", description="Whether the candidate's media connection is up."),
        Measure(SEGMENT, _S, "", producer="cluster",
                event=EventWording("Analysis running on server %(node)s", "info"),
                label="Session segment", description="The node that analyzed the interview from this time on."),
        Measure(NODE_LOST, _E, "", producer="cluster",
                event=EventWording("Server %(node)s lost: analysis paused until the candidate reconnects", "bad"),
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
                label="Node CPU",
                description="The node's CPU use (the server and its media workers), in % of one core."),
        Measure(LOOP_LAG_MS, _H, "ms", producer="node", low=0,
                label="Event-loop lag", description="How late the server's event loop woke up."),
        Measure(ACTIVE_INTERVIEWS, _H, "count", producer="node", low=0,
                label="Live interviews", description="Interviews this node is analyzing."),
        # Integrity signals: declared with their method and measured false-positive rate in rooms/integrity.py.
        *(
            Measure(s.name, _E, s.unit, producer="integrity", label=s.label, description=s.method,
                    event=_INTEGRITY_WORDING.get(s.name))
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
        # Rates only the scoring derives (rooms/scoring.py), labelled here like every other measure.
        Measure(LOOK_AWAYS_PER_MIN, REPORT, "per min", producer="scoring", low=0,
                label="Look-aways per minute",
                description="Look-aways longer than 3 s per minute of interview (at least 10 s of video needed)."),
        Measure(PAUSES_PER_MIN, REPORT, "per min", producer="scoring", low=0,
                label="Pauses per minute of speech",
                description="Pauses of 1 s or more within answers, per minute of speaking time (at least 10 s of "
                "speech needed)."),
    ]
)  # fmt: skip


# The printed report's per-question table: a few report metrics that fit a page (the JSON report holds them all),
# in order, each with its column's title ("": the metric's unit names it).
QUESTION_COLUMNS: tuple[tuple[str, str], ...] = (
    (SPEAKING_TIME, "Speaking (s)"),
    (SPEECH_RATE, ""),
    (PAUSE_COUNT, "Pauses"),
    (ANSWER_LATENCY, "Latency (s)"),
    (FILLER_WORDS, "Fillers"),
    (EYE_CONTACT, "Eye contact"),
)


def observation_measure(name: str) -> Measure:
    """The catalogue entry of an observation name; KeyError names the unknown one."""
    try:
        return OBSERVATIONS[name]
    except KeyError:
        raise KeyError(f"observation {name!r} is not in the measures catalogue (rooms/measures.py)") from None


def unknown_names(names: Iterable[str]) -> set[str]:
    """The observation names that the catalogue does not hold."""
    return {name for name in names if name not in OBSERVATIONS}


def charted_names() -> tuple[str, ...]:
    """The observations drawn on the live and replay charts, in catalogue order (the replay's series)."""
    return tuple(name for name, m in OBSERVATIONS.items() if m.chart is not None)


def _english(key: str, english: str) -> str:
    return english


def event_placeholders(value: object) -> dict[str, str]:
    """What an EventWording's text may interpolate, from an event's value (web/static/js/lib/measures.js too)."""
    shown = "" if value is None else str(value)
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return {
        "s": shown if number is None else f"{number:.1f}",
        "p": shown if number is None else f"{number * 100:.0f}",
        "whole": shown if number is None else f"{math.floor(number):d}",
        "n": shown,
        "text": shown,
        "node": shown,
    }


def word_event(name: str, value: object, translate: Callable[[str], str], *, report: bool = False) -> str | None:
    """An event in words as the catalogue has it, in the reader's language (`translate(english)`); None when the
    catalogue words it not. `report`: the printed report's wording where it has its own."""
    entry = OBSERVATIONS.get(name)
    wording = entry.event if entry is not None else None
    if wording is None:
        return None
    if isinstance(value, str) and value in dict(wording.values):
        return translate(dict(wording.values)[value])
    if wording.text_off and not value:
        return translate(wording.text_off)
    if wording.labelled:
        label = value.strip() if isinstance(value, str) else ""
        return f"{translate(wording.text)}: {label}" if label else translate(wording.text)
    is_number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    text = wording.report_text if report and wording.report_text else wording.text
    if wording.text_number and is_number and not (report and wording.report_text):
        text = wording.text_number
    return translate(text) % event_placeholders(value)


def measure_constants() -> dict[str, str]:
    """Every name by the constant that spells it ({"EYE_CONTACT": "eye_contact"}), integrity signals included:
    a page that needs special behaviour for one measure names it through these, never through a bare string."""
    names = {signal.name.upper(): signal.name for signal in INTEGRITY_SIGNALS.values()}
    known = set(OBSERVATIONS) | set(REPORT_METRICS)
    constants = {k: v for k, v in globals().items() if k.isupper() and not k.startswith("_") and isinstance(v, str)}
    names.update({k: v for k, v in constants.items() if v in known})
    return dict(sorted(names.items()))


def dashboard_tiles(observations: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The dashboard's tiles per card, in order, from a page catalogue's observations: {card: [tile, ...]}."""
    cards: dict[str, list[dict[str, Any]]] = {}
    for name, entry in observations.items():
        if "tile" in entry:
            cards.setdefault(entry["tile"]["card"], []).append({"name": name, **entry["tile"]})
    return {card: sorted(tiles, key=lambda t: t["order"]) for card, tiles in cards.items()}


def page_catalogue(translate: Callable[[str, str], str] = _english) -> dict[str, Any]:
    """The catalogue as pages receive it in their page config: observations and report metrics by name, each
    chart group's names in catalogue order, the names by their constants, and the dashboard's tiles by card."""
    observations = {name: m.to_page(translate) for name, m in OBSERVATIONS.items()}
    charts: dict[str, list[str]] = {}
    for name in charted_names():
        charts.setdefault(str(OBSERVATIONS[name].chart), []).append(name)
    return {
        "observations": observations,
        # Orders as lists: a page config's objects arrive with their keys sorted (Jinja's tojson).
        "charts": charts,
        "report": {name: m.to_page(translate) for name, m in REPORT_METRICS.items()},
        "names": measure_constants(),
        "tiles": dashboard_tiles(observations),
        "lanes": {lane: health.to_page(translate) for lane, health in LANE_HEALTH.items()},
    }
