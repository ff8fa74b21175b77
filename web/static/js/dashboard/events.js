// The events list, newest first. Appends only what is new since the last render; keeps the DOM bounded. How an
// event is worded comes from the measures catalogue (rooms/measures.py `event`), in the page's language.

import { formatClock } from "../lib/format.js";
import { describeMeasureEvent } from "../lib/measures.js";

const MAX_ITEMS = 200;

/** {text, tone} for one event, worded as the measures catalogue says; a readable fallback for any other. */
export function describeEvent(ev) {
  const { name, value } = ev;
  const worded = describeMeasureEvent(name, value);
  if (worded) return worded;
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
