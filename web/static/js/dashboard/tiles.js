// The tiles: current values in words and numbers. Values older than a few seconds are greyed, so a frozen
// number is never mistaken for a live one.

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
      this._set("face", yes ? "Yes" : "No", {
        sub: typeof count === "number" ? `${count} face${count === 1 ? "" : "s"} detected` : "",
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
    this._set("eye-contact", eyeKnown ? (eyeYes ? "Yes" : "No") : "—", {
      sub: share === null ? "no samples yet" : `${formatPercent(share)} of the time so far`,
      stale: eyeAge > STALE_VIDEO_S,
      tone: eyeKnown ? (eyeYes ? "ok" : "") : "",
    });
    const base = s.gaze.detail || {};
    this._note(
      "eye-contact",
      s.gaze.calibrated ? "calibrated" : "",
      typeof base.baseline_yaw === "number" && typeof base.baseline_pitch === "number"
        ? `Judged around this candidate's own screen gaze: yaw ${formatNumber(base.baseline_yaw, 1)}°, ` +
            `pitch ${formatNumber(base.baseline_pitch, 1)}°`
        : "Judged around this candidate's own screen gaze",
    );

    this._expressionClass(s);

    for (const [id, name] of [["smile", "smile"], ["brow-furrow", "brow_furrow"], ["mouth-open", "mouth_open"]]) {
      const v = last[name];
      this._set(id, formatNumber(v, 2), { bar: typeof v === "number" ? v : 0, stale: videoStale(name) });
    }

    // Voice
    const speaking = last.speaking;
    this._set("speaking", speaking === undefined || speaking === null ? "—" : Number(speaking) >= 0.5 ? "Yes" : "No", {
      stale: audioStale("speaking"),
      tone: Number(speaking) >= 0.5 ? "ok" : "",
    });
    const silence = last.silence_s;
    this._set("silence", typeof silence === "number" ? `${formatNumber(silence, 1)} s` : "—", {
      stale: audioStale("silence_s"),
    });
    this._set("pauses", String(s.pauses.count), {
      sub: s.pauses.last === null ? "none yet" : `last ${formatNumber(s.pauses.last, 1)} s`,
    });
    const spoken = last.speaking_time;
    this._set("speaking-time", typeof spoken === "number" ? formatClock(spoken) : "—", {
      stale: audioStale("speaking_time"),
    });
    const rate = last.speech_rate;
    this._set("speech-rate", typeof rate === "number" ? formatNumber(rate, 0) : "—", {
      sub: typeof rate === "number" ? "syllables / min" : "not enough speech yet",
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
      this._set("fillers", "—", { sub: "transcript off" });
      return;
    }
    const words = last.words;
    const spoken = last.speaking_time;
    let sub = "no words yet";
    if (typeof words === "number") {
      sub =
        typeof spoken === "number" && spoken >= WPM_MIN_SPEECH_S
          ? `${formatNumber((words / spoken) * 60, 0)} words / min`
          : "words / min after 5 s of speech";
    }
    const fillers = last.fillers;
    // Fillers only come with a final; words already counted mean none were heard so far.
    const count = typeof fillers === "number" ? formatNumber(fillers, 0) : typeof words === "number" ? "0" : "—";
    this._set("fillers", count, { sub });
    // The latest filler in the tooltip: handy, but not worth a line of its own.
    const tile = this.el.fillers && this.el.fillers.tile;
    if (tile && s.fillers.last) {
      if (this.fillersTitle === undefined) this.fillersTitle = tile.title;
      tile.title = `${this.fillersTitle} Latest filler: “${s.fillers.last}”.`.trim();
    }
  }

  _intonation(s, audioStale) {
    const last = s.last;
    const variation = last.pitch_variation;
    const known = typeof variation === "number";
    const hz = last.pitch_hz;
    let sub = known ? "not voicing now" : "after 2 s of voiced speech";
    if (typeof hz === "number" && s.ageS("pitch_hz") <= PITCH_NOW_S) sub = `pitch now ${formatNumber(hz, 0)} Hz`;
    this._set("intonation", known ? `${formatNumber(variation, 1)} st` : "—", {
      sub,
      stale: known && audioStale("pitch_variation"),
    });
  }

  _answerLatency(s) {
    const mean = s.answerLatencyMean();
    const { count, last } = s.answers;
    this._set("answer-latency", mean === null ? "—" : `${formatNumber(mean, 1)} s`, {
      sub: mean === null ? "mark a question's end" : `mean of ${count} · last ${formatNumber(last, 1)} s`,
    });
  }

  // Only present when the deployment enables emotion inference; _set ignores tiles that are not in the page.
  _expressionClass(s) {
    if (!this.el["expression-class"]) return;
    const { label, probabilities } = s.expression;
    if (!label) {
      this._set("expression-class", "—", { sub: "no classified frame yet", stale: true });
      return;
    }
    const p = probabilities && typeof probabilities[label] === "number" ? probabilities[label] : null;
    this._set("expression-class", label.charAt(0).toUpperCase() + label.slice(1), {
      sub: p === null ? "" : `score ${formatPercent(p)}`,
      stale: s.ageS("expression_class") > STALE_VIDEO_S,
    });
  }
}
