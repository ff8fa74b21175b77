// The tiles: current values in words and numbers. Values older than a few seconds are greyed, so a frozen
// number is never mistaken for a live one. Which tiles there are, in which card and how a plain value is shown
// come from the measures catalogue (rooms/measures.py `tile`); the few that combine several measures or events
// are worded here, keyed by the catalogue's constants.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock, formatNumber, formatPercent } from "../lib/format.js";
import { M, measureColour, tileSpecs } from "../lib/measures.js";

const STALE_S = 3; // video metrics arrive 5–15 times a second, audio metrics 4 times a second
const EYE_UNKNOWN_S = 1.5; // eye contact is absent while the eyes are closed
const PITCH_NOW_S = 1.5; // the pitch is omitted while nobody speaks: an older value is not "now"
const WPM_MIN_SPEECH_S = 5; // words per minute over less speech than this swings wildly

const yesNo = (yes) => (yes ? gettext("Yes") : gettext("No"));

// How a plain value is shown, by the tile's format: [text, options for _set].
const FORMATS = {
  bar: (v, stale) => [formatNumber(v, 2), { bar: typeof v === "number" ? v : 0, stale }],
  flag: (v, stale) => [v === undefined || v === null ? "—" : yesNo(Number(v) >= 0.5), { stale, tone: Number(v) >= 0.5 ? "ok" : "" }],
  seconds: (v, stale) => [typeof v === "number" ? gettext("%(s)s s", { s: formatNumber(v, 1) }) : "—", { stale }],
  clock: (v, stale) => [typeof v === "number" ? formatClock(v) : "—", { stale }],
  // A number is only greyed once there was one: before, the tile says what it waits for.
  number: (v, stale) => [typeof v === "number" ? formatNumber(v, 0) : "—", { stale: typeof v === "number" && stale }],
};

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
      // A bar has its measure's chart colour (set here: the page's policy allows no inline styles).
      if (this.el[id].bar) this.el[id].bar.style.background = measureColour(id);
    }
    // The catalogue's tiles that this page holds (the classifier's only when the deployment enables it).
    this.specs = tileSpecs().filter((spec) => this.el[spec.name]);
    // The tiles worded here: they combine several measures, or count events.
    this.custom = {
      [M.FACE_PRESENT]: (s) => this._face(s),
      [M.EYE_CONTACT]: (s) => this._eyeContact(s),
      [M.EXPRESSION_CLASS]: (s) => this._expressionClass(s),
      [M.PAUSE]: (s) => this._pauses(s),
      [M.FILLERS]: (s) => this._fillers(s),
      [M.PITCH_VARIATION]: (s) => this._intonation(s),
      [M.ANSWER_LATENCY]: (s) => this._answerLatency(s),
    };
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
    for (const spec of this.specs) {
      if (spec.format === "custom") {
        if (this.custom[spec.name]) this.custom[spec.name](s);
      } else if (FORMATS[spec.format]) {
        const v = s.last[spec.name];
        const [text, options] = FORMATS[spec.format](v, s.ageS(spec.name) > STALE_S);
        const sub = spec.has_sub ? (typeof v === "number" ? spec.sub : spec.waiting) : undefined;
        this._set(spec.name, text, { ...options, sub });
      }
    }
  }

  _face(s) {
    const present = s.last[M.FACE_PRESENT];
    const count = s.last[M.FACE_COUNT];
    if (present === undefined && count === undefined) {
      this._set(M.FACE_PRESENT, "—", { sub: "", stale: true });
      return;
    }
    const yes = Number(present) >= 0.5 || Number(count) > 0;
    const many = Number(count) > 1;
    this._set(M.FACE_PRESENT, yesNo(yes), {
      sub: typeof count === "number" ? ngettext("%(n)s face detected", "%(n)s faces detected", count) : "",
      stale: s.ageS(M.FACE_PRESENT) > STALE_S && s.ageS(M.FACE_COUNT) > STALE_S,
      tone: many ? "warn" : yes ? "ok" : "bad",
    });
  }

  // Eye contact: current, and the share of all eye-contact samples received so far.
  _eyeContact(s) {
    const id = M.EYE_CONTACT;
    const share = s.eyeShare();
    const eyeAge = s.ageS(id);
    const eye = s.last[id];
    const present = s.last[M.FACE_PRESENT];
    const faceGone = present !== undefined && Number(present) < 0.5;
    const eyeKnown = !faceGone && eyeAge <= EYE_UNKNOWN_S && eye !== null && eye !== undefined;
    const eyeYes = eyeKnown && Number(eye) >= 0.5;
    this._set(id, eyeKnown ? yesNo(eyeYes) : "—", {
      sub: share === null ? gettext("no samples yet") : gettext("%(share)s of the time so far", { share: formatPercent(share) }),
      stale: eyeAge > STALE_S,
      tone: eyeKnown ? (eyeYes ? "ok" : "") : "",
    });
    const base = s.gaze.detail || {};
    this._note(
      id,
      s.gaze.calibrated ? gettext("calibrated") : "",
      typeof base.baseline_yaw === "number" && typeof base.baseline_pitch === "number"
        ? gettext("Judged around this candidate's own screen gaze: yaw %(yaw)s°, pitch %(pitch)s°", {
            yaw: formatNumber(base.baseline_yaw, 1),
            pitch: formatNumber(base.baseline_pitch, 1),
          })
        : gettext("Judged around this candidate's own screen gaze"),
    );
  }

  _pauses(s) {
    this._set(M.PAUSE, String(s.pauses.count), {
      sub: s.pauses.last === null ? gettext("none yet") : gettext("last %(s)s s", { s: formatNumber(s.pauses.last, 1) }),
    });
  }

  // Filler count, and words per minute of speaking time, both from the transcript's running totals.
  _fillers(s) {
    const id = M.FILLERS;
    if (s.transcript.status === "off") {
      this._set(id, "—", { sub: gettext("transcript off") });
      return;
    }
    const words = s.last[M.WORDS];
    const spoken = s.last[M.SPEAKING_TIME];
    let sub = gettext("no words yet");
    if (typeof words === "number") {
      sub =
        typeof spoken === "number" && spoken >= WPM_MIN_SPEECH_S
          ? gettext("%(n)s words / min", { n: formatNumber((words / spoken) * 60, 0) })
          : gettext("words / min after 5 s of speech");
    }
    const fillers = s.last[id];
    // Fillers only come with a final; words already counted mean none were heard so far.
    const count = typeof fillers === "number" ? formatNumber(fillers, 0) : typeof words === "number" ? "0" : "—";
    this._set(id, count, { sub });
    // The latest filler in the tooltip: handy, but not worth a line of its own.
    const tile = this.el[id] && this.el[id].tile;
    if (tile && s.fillers.last) {
      if (this.fillersTitle === undefined) this.fillersTitle = tile.title;
      tile.title = `${this.fillersTitle} ${gettext("Latest filler: “%(word)s”.", { word: s.fillers.last })}`.trim();
    }
  }

  _intonation(s) {
    const id = M.PITCH_VARIATION;
    const variation = s.last[id];
    const known = typeof variation === "number";
    const hz = s.last[M.PITCH_HZ];
    let sub = known ? gettext("not voicing now") : gettext("after 2 s of voiced speech");
    if (typeof hz === "number" && s.ageS(M.PITCH_HZ) <= PITCH_NOW_S) sub = gettext("pitch now %(hz)s Hz", { hz: formatNumber(hz, 0) });
    this._set(id, known ? gettext("%(st)s st", { st: formatNumber(variation, 1) }) : "—", {
      sub,
      stale: known && s.ageS(id) > STALE_S,
    });
  }

  _answerLatency(s) {
    const mean = s.answerLatencyMean();
    const { count, last } = s.answers;
    this._set(M.ANSWER_LATENCY, mean === null ? "—" : gettext("%(s)s s", { s: formatNumber(mean, 1) }), {
      sub: mean === null
        ? gettext("mark a question's end")
        : gettext("mean of %(count)s · last %(s)s s", { count, s: formatNumber(last, 1) }),
    });
  }

  // Only in the page when the deployment enables emotion inference (render only calls the tiles it holds).
  _expressionClass(s) {
    const id = M.EXPRESSION_CLASS;
    const { label, probabilities } = s.expression;
    if (!label) {
      this._set(id, "—", { sub: gettext("no classified frame yet"), stale: true });
      return;
    }
    const p = probabilities && typeof probabilities[label] === "number" ? probabilities[label] : null;
    this._set(id, label.charAt(0).toUpperCase() + label.slice(1), {
      sub: p === null ? "" : gettext("score %(p)s", { p: formatPercent(p) }),
      stale: s.ageS(id) > STALE_S,
    });
  }
}
