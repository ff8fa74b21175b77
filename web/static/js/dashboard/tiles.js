// The tiles: current values in words and numbers. Values older than a few seconds are greyed, so a frozen
// number is never mistaken for a live one.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock, formatNumber, formatPercent } from "../lib/format.js";

const STALE_VIDEO_S = 3; // video metrics arrive 5–15 times a second
const STALE_AUDIO_S = 3; // audio metrics 4 times a second
const EYE_UNKNOWN_S = 1.5; // eye_contact is absent while the eyes are closed
const PITCH_NOW_S = 1.5; // pitch_hz is omitted while nobody speaks: an older value is not "now"
const WPM_MIN_SPEECH_S = 5; // words per minute over less speech than this swings wildly

export class Tiles {
  constructor(root = document) {
    this.el = {};
    for (const node of root.querySelectorAll(".tile")) {
      const id = node.id.replace(/^tile-/, "");
      this.el[id] = {
        tile: node,
        value: node.querySelector(`#val-${id}`),
        sub: node.querySelector(`#sub-${id}`),
        bar: node.querySelector(`#bar-${id}`),
        note: node.querySelector(`#note-${id}`),
      };
    }
  }

  _set(id, value, { sub, bar, stale = false, tone = "" } = {}) {
    const el = this.el[id];
    if (!el) return;
    if (el.value.textContent !== value) el.value.textContent = value;
    if (el.sub && sub !== undefined && el.sub.textContent !== sub) el.sub.textContent = sub;
    if (el.bar) el.bar.style.width = `${Math.round(Math.max(0, Math.min(1, bar || 0)) * 100)}%`;
    el.tile.classList.toggle("tile--stale", stale);
    if (el.tile.dataset.tone !== tone) el.tile.dataset.tone = tone;
  }

  // The small tag beside a tile's label; an empty text hides it.
  _note(id, text, title = "") {
    const note = this.el[id] && this.el[id].note;
    if (!note) return;
    if (note.textContent !== text) note.textContent = text;
    note.hidden = !text;
    if (note.title !== title) note.title = title;
  }

  render(s) {
    const last = s.last;
    const videoStale = (name) => s.ageS(name) > STALE_VIDEO_S;
    const audioStale = (name) => s.ageS(name) > STALE_AUDIO_S;

    // Face in view
    const present = last.face_present;
    const count = last.face_count;
    if (present === undefined && count === undefined) {
      this._set("face", "—", { sub: "", stale: true });
    } else {
      const yes = Number(present) >= 0.5 || Number(count) > 0;
      const many = Number(count) > 1;
      this._set("face", yes ? gettext("Yes") : gettext("No"), {
        sub: typeof count === "number" ? ngettext("%(n)s face detected", "%(n)s faces detected", count) : "",
        stale: videoStale("face_present") && videoStale("face_count"),
        tone: many ? "warn" : yes ? "ok" : "bad",
      });
    }

    // Eye contact: current, and the share of all eye-contact samples received so far.
    const share = s.eyeShare();
    const eyeAge = s.ageS("eye_contact");
    const faceGone = last.face_present !== undefined && Number(last.face_present) < 0.5;
    const eyeKnown =
      !faceGone && eyeAge <= EYE_UNKNOWN_S && last.eye_contact !== null && last.eye_contact !== undefined;
    const eyeYes = eyeKnown && Number(last.eye_contact) >= 0.5;
    this._set("eye-contact", eyeKnown ? (eyeYes ? gettext("Yes") : gettext("No")) : "—", {
      sub: share === null ? gettext("no samples yet") : gettext("%(share)s of the time so far", { share: formatPercent(share) }),
      stale: eyeAge > STALE_VIDEO_S,
      tone: eyeKnown ? (eyeYes ? "ok" : "") : "",
    });
    const base = s.gaze.detail || {};
    this._note(
      "eye-contact",
      s.gaze.calibrated ? gettext("calibrated") : "",
      typeof base.baseline_yaw === "number" && typeof base.baseline_pitch === "number"
        ? gettext("Judged around this candidate's own screen gaze: yaw %(yaw)s°, pitch %(pitch)s°", {
            yaw: formatNumber(base.baseline_yaw, 1),
            pitch: formatNumber(base.baseline_pitch, 1),
          })
        : gettext("Judged around this candidate's own screen gaze"),
    );

    this._expressionClass(s);

    for (const [id, name] of [["smile", "smile"], ["brow-furrow", "brow_furrow"], ["mouth-open", "mouth_open"]]) {
      const v = last[name];
      this._set(id, formatNumber(v, 2), { bar: typeof v === "number" ? v : 0, stale: videoStale(name) });
    }

    // Voice
    const speaking = last.speaking;
    this._set("speaking", speaking === undefined || speaking === null ? "—" : Number(speaking) >= 0.5 ? gettext("Yes") : gettext("No"), {
      stale: audioStale("speaking"),
      tone: Number(speaking) >= 0.5 ? "ok" : "",
    });
    const silence = last.silence_s;
    this._set("silence", typeof silence === "number" ? gettext("%(s)s s", { s: formatNumber(silence, 1) }) : "—", {
      stale: audioStale("silence_s"),
    });
    this._set("pauses", String(s.pauses.count), {
      sub: s.pauses.last === null ? gettext("none yet") : gettext("last %(s)s s", { s: formatNumber(s.pauses.last, 1) }),
    });
    const spoken = last.speaking_time;
    this._set("speaking-time", typeof spoken === "number" ? formatClock(spoken) : "—", {
      stale: audioStale("speaking_time"),
    });
    const rate = last.speech_rate;
    this._set("speech-rate", typeof rate === "number" ? formatNumber(rate, 0) : "—", {
      sub: typeof rate === "number" ? gettext("syllables / min") : gettext("not enough speech yet"),
      stale: typeof rate === "number" && audioStale("speech_rate"),
    });

    this._fillers(s);
    this._intonation(s, audioStale);
    this._answerLatency(s);
  }

  // Filler count, and words per minute of speaking time, both from the transcript's running totals.
  _fillers(s) {
    const last = s.last;
    if (s.transcript.status === "off") {
      this._set("fillers", "—", { sub: gettext("transcript off") });
      return;
    }
    const words = last.words;
    const spoken = last.speaking_time;
    let sub = gettext("no words yet");
    if (typeof words === "number") {
      sub =
        typeof spoken === "number" && spoken >= WPM_MIN_SPEECH_S
          ? gettext("%(n)s words / min", { n: formatNumber((words / spoken) * 60, 0) })
          : gettext("words / min after 5 s of speech");
    }
    const fillers = last.fillers;
    // Fillers only come with a final; words already counted mean none were heard so far.
    const count = typeof fillers === "number" ? formatNumber(fillers, 0) : typeof words === "number" ? "0" : "—";
    this._set("fillers", count, { sub });
    // The latest filler in the tooltip: handy, but not worth a line of its own.
    const tile = this.el.fillers && this.el.fillers.tile;
    if (tile && s.fillers.last) {
      if (this.fillersTitle === undefined) this.fillersTitle = tile.title;
      tile.title = `${this.fillersTitle} ${gettext("Latest filler: “%(word)s”.", { word: s.fillers.last })}`.trim();
    }
  }

  _intonation(s, audioStale) {
    const last = s.last;
    const variation = last.pitch_variation;
    const known = typeof variation === "number";
    const hz = last.pitch_hz;
    let sub = known ? gettext("not voicing now") : gettext("after 2 s of voiced speech");
    if (typeof hz === "number" && s.ageS("pitch_hz") <= PITCH_NOW_S) sub = gettext("pitch now %(hz)s Hz", { hz: formatNumber(hz, 0) });
    this._set("intonation", known ? gettext("%(st)s st", { st: formatNumber(variation, 1) }) : "—", {
      sub,
      stale: known && audioStale("pitch_variation"),
    });
  }

  _answerLatency(s) {
    const mean = s.answerLatencyMean();
    const { count, last } = s.answers;
    this._set("answer-latency", mean === null ? "—" : gettext("%(s)s s", { s: formatNumber(mean, 1) }), {
      sub: mean === null
        ? gettext("mark a question's end")
        : gettext("mean of %(count)s · last %(s)s s", { count, s: formatNumber(last, 1) }),
    });
  }

  // Only present when the deployment enables emotion inference; _set ignores tiles that are not in the page.
  _expressionClass(s) {
    if (!this.el["expression-class"]) return;
    const { label, probabilities } = s.expression;
    if (!label) {
      this._set("expression-class", "—", { sub: gettext("no classified frame yet"), stale: true });
      return;
    }
    const p = probabilities && typeof probabilities[label] === "number" ? probabilities[label] : null;
    this._set("expression-class", label.charAt(0).toUpperCase() + label.slice(1), {
      sub: p === null ? "" : gettext("score %(p)s", { p: formatPercent(p) }),
      stale: s.ageS("expression_class") > STALE_VIDEO_S,
    });
  }
}
