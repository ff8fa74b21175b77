"""The report's fixed English phrases, for the message catalogs (scripts/update_catalogs.py)."""

# Generated: do not edit. The phrases live where the report is built (rooms/report.py, rooms/scoring.py,
# rooms/integrity.py); server/report_wording.py translates them when a report is shown.
# ruff: noqa: E501
from server.i18n import N_

PHRASES = (
    N_("Face in view"),
    N_("1 when a face is found in the analyzed frame, else 0."),
    N_("Faces in view"),
    N_("How many faces the frame holds (up to 3 are looked for)."),
    N_("Head turn"),
    N_("Left-right rotation of the head; positive toward image right."),
    N_("Head tilt"),
    N_("Up-down rotation of the head; positive is up."),
    N_("Gaze, left-right"),
    N_("Where the eyes point, from head pose plus iris position."),
    N_("Gaze, up-down"),
    N_("Eye contact"),
    N_(
        "1 when the gaze, calibrated on the candidate's first seconds, points at the camera or the screen around it; absent while the eyes are closed."
    ),
    N_("From head pose and iris position. Share counts every eye-contact sample received."),
    N_("Smile"),
    N_("Mean of MediaPipe's mouthSmileLeft/Right blendshapes: a facial movement, not an emotion."),
    N_("Brow furrow"),
    N_("MediaPipe's browDown blendshapes: a facial movement."),
    N_("Mouth open"),
    N_("MediaPipe's jawOpen blendshape: a facial movement."),
    N_("Eyes closed"),
    N_("MediaPipe's eyeBlink blendshapes, both eyes averaged."),
    N_("Expression class"),
    N_("A facial-expression classifier's top label; only when the deployment's policy turns emotion inference on."),
    N_("Expression class (classifier)"),
    N_("Face found"),
    N_("A face came into view after none was."),
    N_("Face back in view"),
    N_("Face lost"),
    N_("No face for longer than the face-lost delay (1 s)."),
    N_("Face left the view"),
    N_("More than one face"),
    N_("A second face came into view."),
    N_("%(n)s faces in view"),
    N_("Gaze calibrated"),
    N_("The candidate's own 'at the screen' gaze was taken from a steady look."),
    N_("Eye contact calibrated on the candidate's gaze"),
    N_("Looked away"),
    N_("Eye contact lost for longer than the look-away threshold."),
    N_("Looking away for %(s)s s"),
    N_("Looked back"),
    N_("A look-away ended; the value is its whole length."),
    N_("Looked away for %(s)s s"),
    N_("Speaking"),
    N_("1 while voice activity detection hears speech, else 0."),
    N_("Speaking time"),
    N_("Seconds of speech so far."),
    N_("Silence"),
    N_("Seconds since the last speech ended (0 while speaking)."),
    N_("Current silence"),
    N_("Syllables"),
    N_("Syllable nuclei counted in speech so far."),
    N_("Speech rate"),
    N_("Syllables per minute over the latest stretch of speaking time."),
    N_("syll/min"),
    N_("syllables / min"),
    N_("not enough speech yet"),
    N_("Loudness"),
    N_("Level of the last interval, in dB relative to full scale."),
    N_("dBFS"),
    N_("Pitch"),
    N_("Median fundamental frequency (YIN) of the voiced speech in the interval."),
    N_("Hz"),
    N_("Pitch variation"),
    N_("Standard deviation of the pitch over voiced speech."),
    N_("Intonation"),
    N_("Spread of the voice's pitch over the last 20 s of voiced speech, in semitones."),
    N_("Pause"),
    N_("A silence of at least 1 s between two stretches of speech."),
    N_("Pauses"),
    N_("Pause of %(s)s s"),
    N_("Answer latency"),
    N_("From the end of a question to the candidate's first speech."),
    N_("Mean time from a question's marked end to the candidate's first speech."),
    N_("Answered after %(s)s s"),
    N_("Transcript (partial)"),
    N_("Words recognized so far in the current utterance."),
    N_("Transcript"),
    N_("An utterance's recognized text, with word times."),
    N_("Words"),
    N_("Recognized words so far, fillers left out."),
    N_("Filler words"),
    N_("Filler words found in the transcript so far."),
    N_("Fillers (um, uh, er …) found in the transcript; words per minute of speaking time."),
    N_("Syllables in the transcript"),
    N_("Syllables of the recognized words so far (a Chinese character is one), fillers left out."),
    N_("Transcript correction"),
    N_("An interviewer's correction of a transcript line."),
    N_("Filler word"),
    N_("A filler word or phrase (um, uh; 嗯, 那个 ...)."),
    N_("Transcript status"),
    N_("Whether speech recognition runs ('on') or why not ('off')."),
    N_("Transcript completion"),
    N_(
        "At the end: 'pending' while the last speech is still being transcribed, 'complete' once it is in the transcript, 'incomplete' if the server stopped first."
    ),
    N_("Question asked"),
    N_("A question began (the interviewer's mark or the script)."),
    N_("Question started"),
    N_("Question ended"),
    N_("A question ended: answer latency runs from here."),
    N_("Question ended — answer expected"),
    N_("Answer started"),
    N_("A one-way interview's answer time began."),
    N_("Note"),
    N_("An interviewer's note, stamped with the interview's time."),
    N_("Note: %(text)s"),
    N_("Consent"),
    N_("The candidate's choice about automated analysis, with its version."),
    N_("Room status"),
    N_("waiting, live or ended."),
    N_("Room is %(text)s"),
    N_("Interview is live"),
    N_("Interview ended"),
    N_("Candidate connected"),
    N_("Whether the candidate's media connection is up."),
    N_("Candidate disconnected"),
    N_("Session segment"),
    N_("The node that analyzed the interview from this time on."),
    N_("Analysis running on server %(node)s"),
    N_("Node lost"),
    N_("The node analyzing the interview stopped; a gap follows."),
    N_("Server %(node)s lost: analysis paused until the candidate reconnects"),
    N_("Analyzed frame rate"),
    N_("Video frames analyzed per second."),
    N_("Frames dropped"),
    N_("Frames replaced while analysis was busy (by design)."),
    N_("Audio gaps"),
    N_("Times live audio analysis fell its window behind."),
    N_("Video lag"),
    N_(
        "How far video analysis trails real time: now minus the media time of the newest analyzed frame (every wait before analysis included)."
    ),
    N_("Transcript gaps"),
    N_("Times speech recognition fell its window behind."),
    N_("Frames received"),
    N_("Video frames decoded so far."),
    N_("Frames skipped"),
    N_("Video frames above the analysis rate, skipped by design."),
    N_("Frames analyzed"),
    N_("Video frames analyzed so far."),
    N_("Video latency"),
    N_(
        "The worst time over the last second from a frame's arrival to its measures, a frame still in analysis counted by how long it has waited."
    ),
    N_("Voice latency"),
    N_(
        "The worst time over the last second from audio's arrival to its voice measures, audio still in analysis counted by how long it has waited."
    ),
    N_("Voice lag"),
    N_("How far the voice measures trail real time: now minus the media time of the end of the newest analyzed audio."),
    N_("Transcript latency"),
    N_(
        "The worst time over the last second from audio's arrival to speech recognition's result, audio still being recognized counted by how long it has waited."
    ),
    N_("Transcript lag"),
    N_(
        "How far speech recognition trails real time: now minus the media time of the end of the newest recognized audio."
    ),
    N_("Node CPU"),
    N_("The server process's CPU use, in % of one core."),
    N_("Event-loop lag"),
    N_("How late the server's event loop woke up."),
    N_("Live interviews"),
    N_("Interviews this node is analyzing."),
    N_("Page hidden"),
    N_(
        "The candidate's browser reported the interview page hidden (another tab or app in front, the screen off) and for how long (Page Visibility API)."
    ),
    N_("Window out of focus"),
    N_("The interview window lost the keyboard focus (another window in front) while the page stayed visible."),
    N_("Left full screen"),
    N_("The page had been put in full screen and left it, for how long."),
    N_("Text pasted"),
    N_("Text was pasted into the interview page; its length (and the text, for the similarity check)."),
    N_("Second screen attached"),
    N_("The browser reported more than one screen attached (screen.isExtended; Chromium-based browsers only)."),
    N_("Page reloaded"),
    N_("The interview page was reloaded during the interview."),
    N_("Voice without a moving mouth"),
    N_(
        "Speech (voice activity) while the visible face's mouth stays still, a talking mouth while the audio is silent, or a voice whose loudness does not follow the jaw, sustained for 3 s or more: from the face landmarker's jawOpen and the voice activity and loudness, all already computed."
    ),
    N_("Another voice"),
    N_(
        "Another voice within an answer: each 3 s of speech embedded by a speaker encoder (Resemblyzer's GE2E, as ONNX) and compared with the candidate's own voice from the first answer; cosine below 0.8."
    ),
    N_("Eye movements like reading"),
    N_(
        "Repeated left-to-right gaze sweeps with a fast return, at reading pace, from the iris and head landmarks; a stretch to look at, not a verdict."
    ),
    N_("Answer like another"),
    N_(
        "The answer's transcript is near-identical to another candidate's answer to the same question (same template), or to text pasted into the page: Jaccard similarity of 3-shingles (characters for Chinese, words otherwise), flagged from 0.2."
    ),
    N_("Share of analyzed video frames in which MediaPipe FaceLandmarker found a face."),
    N_(
        "Share of face-in-view frames in which the gaze, estimated from head pose plus iris position and calibrated on the candidate's first seconds, pointed at the camera or the screen around it; frames with closed eyes (blinks) are left out."
    ),
    N_("Looked away (> 3 s)"),
    N_("Stretches in which eye contact was lost for longer than 3 s."),
    N_("Longest look-away"),
    N_("Length of the longest stretch without eye contact."),
    N_("Smiling"),
    N_(
        "Share of face-in-view frames whose smile descriptor (mean of the mouthSmileLeft/Right blendshapes) was at least {threshold}. An observable facial movement, not an emotion."
    ),
    N_("Share of analyzed video frames in which more than one face was in view."),
    N_(
        "Seconds of audio that voice activity detection (Silero VAD, or webrtcvad with an energy gate, smoothed) marked as speech."
    ),
    N_("Share of time speaking"),
    N_("Speaking time divided by the interview's duration."),
    N_(
        "Syllable nuclei (peaks of voiced loudness) counted in speech, per minute of speaking time; language-independent (a Chinese character is one syllable)."
    ),
    N_("Silences of at least 1 s between two stretches of speech."),
    N_("Mean pause"),
    N_("Average length of those pauses."),
    N_("Longest pause"),
    N_("Length of the longest pause between two stretches of speech."),
    N_("Mean time from the end of a question (marked by the interviewer) to the candidate's first speech."),
    N_(
        "Standard deviation of the voice's fundamental frequency (YIN pitch tracking) over voiced speech: how much the intonation moves, not how it sounds."
    ),
    N_("Words per minute"),
    N_("Recognized words (fillers left out) per minute of speaking time."),
    N_(
        "Hesitation fillers found in the transcript: um, uh, er, and like / you know between pauses; 嗯, 呃, and 啊, 那个, 就是, 然后 standing alone before a pause or repeated."
    ),
    N_("Fillers per 100 words"),
    N_("Filler words per 100 words of the transcript (at least 20 words needed)."),
    N_("Speech rate (acoustic)"),
    N_("Look-aways per minute"),
    N_("Look-aways longer than 3 s per minute of interview (at least 10 s of video needed)."),
    N_("Pauses per minute of speech"),
    N_("Pauses of 1 s or more within answers, per minute of speaking time (at least 10 s of speech needed)."),
    N_("Video"),
    N_("Voice"),
    N_("share of face frames with the gaze on the camera or screen"),
    N_("share of analysed frames with a face in view"),
    N_("look-aways longer than 3 s per minute of interview"),
    N_("syllables per minute of speaking time"),
    N_("spread of the voice's pitch over speech"),
    N_("speaking time over the interview's duration"),
    N_("recognised words per minute of speaking"),
    N_("pauses of 1 s or more within answers, per minute of speaking"),
    N_("average length of the pauses within answers"),
    N_("the longest pause within an answer"),
    N_("fillers per 100 recognised words"),
    N_("mean time from a question's end to the first speech"),
    N_("Communication"),
    N_("How the speech was delivered: a pace inside a comfortable band and an intonation that moves."),
    N_("Fluency"),
    N_("How continuous the speech was: few filler words, few and short pauses between stretches of speech."),
    N_("Response timing"),
    N_("How soon speech followed the end of a question, and how long the longest silence inside speech was."),
    N_("Camera presence"),
    N_("How much of the time the face was in view and the gaze pointed at the camera or the screen."),
    N_("0 % of answer time in the clean browser runs: reported by the browser, not estimated"),
    N_("0 % in the clean browser runs: reported by the browser"),
    N_("not measurable here (one screen); reported by the browser, not estimated"),
    N_(
        "0 % of 260 s of clean answer time (a face moving its jaw with its own voice; a real silent clip); recall 16/16 dubbed cases (bench/integrity.py); not yet measured on real talking faces"
    ),
    N_(
        "0 % of 368 s of single-voice answers; recall 7/8 answers where another voice speaks 12 s (synthetic voices, bench/integrity.py); not yet measured on real voices"
    ),
    N_(
        "0 % of 742 s of gaze without reading (real clips, synthetic free speaking); recall 24/24 synthetic reading traces (bench/integrity.py)"
    ),
    N_(
        "0 of 45 pairs of different answers to one question (highest 0.01); recall 40/40 copies read out with 15 % recognition errors (bench/integrity.py)"
    ),
    N_(
        "Observations for a person to look at, with the evidence each rests on. They are not part of any score, are never shown to the candidate, and decide nothing: a rule may only route the interview to review."
    ),
    N_(
        "Share of face-in-view frames whose smile descriptor (mean of the mouthSmileLeft/Right blendshapes) was at least 0.5. An observable facial movement, not an emotion."
    ),
    N_(
        "Share of classified frames per expression class from a facial-expression classifier (the fer model). Enabled by this deployment's policy; an inference about facial appearance, not a measurement of what the candidate felt."
    ),
)
