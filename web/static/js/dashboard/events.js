// The events list, newest first. Appends only what is new since the last render; keeps the DOM bounded. How an
// event is worded comes from the measures catalogue (rooms/measures.py `event`), in the page's language.

import { interpolate } from "../lib/i18n.js";
import { formatClock, formatNumber } from "../lib/format.js";
import { describeIntegrity } from "../lib/integrity_labels.js";
import { eventWording } from "../lib/measures.js";

const MAX_ITEMS = 200;

// A marker's optional label, appended after a colon; labels are free text from the interviewer.
function withLabel(text, value) {
  return typeof value === "string" && value.trim() ? `${text}: ${value.trim()}` : text;
}

// Placeholders an event's wording may use (rooms/measures.py EventWording): the value as seconds, or as it is.
function placeholders(value) {
  const shown = value === null || value === undefined ? "" : String(value);
  return { s: formatNumber(Number(value), 1), n: shown, text: shown, node: shown };
}

/** {text, tone} for one event, worded as the measures catalogue says; a readable fallback for any other. */
export function describeEvent(ev) {
  const { name, value } = ev;
  const integrity = describeIntegrity(name, value);
  if (integrity) return integrity;
  const wording = eventWording(name);
  if (wording) {
    if (typeof value === "string" && wording.values[value]) return { text: wording.values[value], tone: wording.tone };
    if (wording.text_off && !value) return { text: wording.text_off, tone: wording.tone_off };
    if (wording.labelled) return { text: withLabel(wording.text, value), tone: wording.tone };
    return { text: interpolate(wording.text, placeholders(value)), tone: wording.tone };
  }
  const label = name.replace(/_/g, " ");
  const shown = value === null || value === undefined || value === true ? "" : `: ${value}`;
  return { text: `${label.charAt(0).toUpperCase()}${label.slice(1)}${shown}`, tone: "" };
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
