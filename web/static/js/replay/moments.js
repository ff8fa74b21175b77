// Flagged moments and question spans as lists of buttons that seek the replay; the moment playing is marked.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock, formatNumber } from "../lib/format.js";
import { describeMeasureEvent, M } from "../lib/measures.js";

export function describeFlag(flag) {
  const seconds = (v) => gettext("%(s)s s", { s: formatNumber(Number(v), 1) });
  switch (flag.kind) {
    case M.FACE_LOST:
      return typeof flag.end === "number"
        ? gettext("Face out of view for %(time)s", { time: seconds(flag.end - flag.start) })
        : gettext("Face out of view");
    case M.MULTIPLE_FACES:
      return typeof flag.value === "number" ? gettext("%(n)s faces in view", { n: flag.value }) : gettext("Several faces in view");
    case M.LOOK_AWAY:
      return typeof flag.value === "number" ? `Looked away for ${seconds(flag.value)}` : "Looked away";
    case "long_pause":
      return gettext("Pause of %(time)s", { time: seconds(flag.value) });
    default: {
      // The integrity signals, worded as the event list words them (the measures catalogue).
      const worded = describeMeasureEvent(flag.kind, flag.value);
      return worded ? worded.text : flag.kind.replace(/_/g, " ");
    }
  }
}

const TONE = { [M.FACE_LOST]: "bad", [M.MULTIPLE_FACES]: "warn", [M.LOOK_AWAY]: "info", long_pause: "" };

export class MomentList {
  /**
   * @param {HTMLOListElement} list
   * @param {{start: number, end: number|null}[]} moments  sorted by start
   * @param {(m: object) => {text: string, tone?: string, kind?: string}} describe
   * @param {(t: number) => void} onSeek
   */
  constructor(list, moments, describe, onSeek) {
    this.moments = moments;
    this.items = moments.map((moment, i) => {
      const { text, tone, kind } = describe(moment);
      const li = document.createElement("li");
      li.className = "moments__item";
      if (tone) li.dataset.tone = tone;
      if (kind) li.dataset.kind = kind;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "moments__seek";
      button.dataset.index = String(i);
      const time = document.createElement("span");
      time.className = "moments__time";
      time.textContent = formatClock(moment.start);
      const label = document.createElement("span");
      label.className = "moments__text";
      label.textContent = text; // textContent: question labels are free text
      button.append(time, label);
      li.appendChild(button);
      list.appendChild(li);
      return li;
    });
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-index]");
      if (button) onSeek(this.moments[Number(button.dataset.index)].start);
    });
  }

  /** Marks the moments that media time `t` falls in (a moment without an end counts for half a second). */
  update(t) {
    this.moments.forEach((m, i) => {
      const end = typeof m.end === "number" ? m.end : m.start + 0.5;
      const on = t >= m.start - 0.05 && t <= end;
      const item = this.items[i];
      if (on !== (item.getAttribute("aria-current") === "true")) {
        if (on) item.setAttribute("aria-current", "true");
        else item.removeAttribute("aria-current");
      }
    });
  }
}

export function flagDescriber(flag) {
  const worded = describeMeasureEvent(flag.kind, flag.value);
  return { text: describeFlag(flag), tone: TONE[flag.kind] || (worded ? worded.tone : ""), kind: flag.kind };
}

export function questionDescriber(question) {
  const label = question.label ? `: ${question.label}` : "";
  return { text: `${gettext("Question %(n)s", { n: question.index })}${label}`, tone: "", kind: "question" };
}

export function noteDescriber(note) {
  const rating = typeof note.rating === "number" ? ` (${note.rating}/5)` : "";
  const author = note.author ? `${note.author}: ` : "";
  return { text: `${author}${note.text}${rating}`, tone: "", kind: "note" };
}
