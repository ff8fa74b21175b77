// The events list, newest first. Appends only what is new since the last render; keeps the DOM bounded.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock, formatNumber } from "../lib/format.js";
import { describeIntegrity } from "../lib/integrity_labels.js";

const MAX_ITEMS = 200;

// A marker's optional label, appended after a colon; labels are free text from the interviewer.
function withLabel(text, value) {
  return typeof value === "string" && value.trim() ? `${text}: ${value.trim()}` : text;
}

export function describeEvent(ev) {
  const { name, value } = ev;
  const integrity = describeIntegrity(name, value);
  if (integrity) return integrity;
  switch (name) {
    case "pause":
      return { text: gettext("Pause of %(s)s s", { s: formatNumber(Number(value), 1) }), tone: "" };
    case "answer_latency":
      return { text: gettext("Answered after %(s)s s", { s: formatNumber(Number(value), 1) }), tone: "info" };
    // look_away comes once a stretch passes the threshold (value: seconds so far); look_back ends it (total).
    case "look_away":
      return { text: gettext("Looking away for %(s)s s", { s: formatNumber(Number(value), 1) }), tone: "warn" };
    case "look_back":
      return { text: gettext("Looked away for %(s)s s", { s: formatNumber(Number(value), 1) }), tone: "ok" };
    case "gaze_calibrated":
      return { text: gettext("Eye contact calibrated on the candidate's gaze"), tone: "info" };
    case "question_start":
      return { text: withLabel(gettext("Question started"), value), tone: "info" };
    case "question_end":
      return { text: withLabel(gettext("Question ended — answer expected"), value), tone: "info" };
    case "note": // an interviewer's note (the notes panel shows its author and rating)
      return { text: gettext("Note: %(text)s", { text: value }), tone: "info" };
    case "face_lost":
      return { text: gettext("Face left the view"), tone: "bad" };
    case "face_found":
      return { text: gettext("Face back in view"), tone: "ok" };
    case "multiple_faces":
      return { text: gettext("%(n)s faces in view", { n: value }), tone: "warn" };
    case "candidate_connected":
      return value
        ? { text: gettext("Candidate connected"), tone: "ok" }
        : { text: gettext("Candidate disconnected"), tone: "bad" };
    // Several nodes: the server analysing the interview died (node_lost); a node took it over (segment).
    case "node_lost":
      return { text: gettext("Server %(node)s lost: analysis paused until the candidate reconnects", { node: value }), tone: "bad" };
    case "segment":
      return { text: gettext("Analysis running on server %(node)s", { node: value }), tone: "info" };
    case "room_status":
      return {
        text: value === "live" ? "Interview is live" : value === "ended" ? "Interview ended" : `Room is ${value}`,
        tone: "info",
      };
    default: {
      const label = name.replace(/_/g, " ");
      const shown = value === null || value === undefined || value === true ? "" : `: ${value}`;
      return { text: `${label.charAt(0).toUpperCase()}${label.slice(1)}${shown}`, tone: "" };
    }
  }
}

export class EventList {
  constructor(listEl, emptyEl) {
    this.list = listEl;
    this.empty = emptyEl;
    this.seenSeq = 0;
  }

  render(events) {
    const fresh = events.filter((ev) => ev.seq > this.seenSeq);
    if (!fresh.length) return;
    this.seenSeq = fresh[fresh.length - 1].seq;
    const frag = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) frag.appendChild(this._item(fresh[i]));
    this.list.insertBefore(frag, this.list.firstChild);
    while (this.list.childElementCount > MAX_ITEMS) this.list.lastElementChild.remove();
    this.empty.hidden = true;
  }

  _item(ev) {
    const { text, tone } = describeEvent(ev);
    const li = document.createElement("li");
    li.className = "events__item";
    if (tone) li.dataset.tone = tone;
    const time = document.createElement("span");
    time.className = "events__time";
    time.textContent = formatClock(ev.t);
    const label = document.createElement("span");
    label.textContent = text; // textContent: event values come from the network
    li.append(time, label);
    return li;
  }
}
