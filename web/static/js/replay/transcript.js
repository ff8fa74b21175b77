// The transcript beside the replay: every line is a button that plays from its start; the line being spoken
// is highlighted and kept in view, unless the reader has just scrolled the list by hand.

import { formatClock } from "../lib/format.js";
import { lastAtOrBefore } from "./search.js";

const HAND_SCROLL_PAUSE_MS = 4000; // after the reader scrolls, leave the list alone this long

export class ReplayTranscript {
  /**
   * @param {{list: HTMLOListElement, emptyEl: HTMLElement, lines: {start: number, end: number, text: string}[],
   *          onSeek: (t: number) => void}} options
   */
  constructor({ list, emptyEl, lines, onSeek }) {
    this.list = list;
    this.lines = lines;
    this.starts = lines.map((line) => line.start);
    this.items = [];
    this.current = -1;
    this.handScrollAt = -Infinity;
    this.autoScrolling = false;
    emptyEl.hidden = lines.length > 0;
    list.hidden = lines.length === 0;
    const frag = document.createDocumentFragment();
    lines.forEach((line, i) => {
      const item = this._item(line, i);
      this.items.push(item);
      frag.appendChild(item);
    });
    list.appendChild(frag);
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-index]");
      if (button) onSeek(this.lines[Number(button.dataset.index)].start);
    });
    // Our own scrolling fires scroll events too: only the reader's count.
    for (const name of ["wheel", "touchmove", "keydown"]) {
      list.addEventListener(name, () => (this.handScrollAt = performance.now()), { passive: true });
    }
  }

  /** Highlights the line at media time `t`. */
  update(t) {
    const i = lastAtOrBefore(this.starts, t);
    if (i === this.current) return;
    if (this.current >= 0) this.items[this.current].removeAttribute("aria-current");
    this.current = i;
    if (i < 0) return;
    const item = this.items[i];
    item.setAttribute("aria-current", "true");
    if (performance.now() - this.handScrollAt > HAND_SCROLL_PAUSE_MS) this._reveal(item);
  }

  // Scrolls the list itself (never the page, as scrollIntoView would), putting the line a third of the way down.
  _reveal(item) {
    const list = this.list;
    const top = item.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    const target = Math.max(0, top - list.clientHeight / 3);
    if (Math.abs(list.scrollTop - target) > 2) list.scrollTop = target;
  }

  _item(line, index) {
    const li = document.createElement("li");
    li.className = "transcript__line";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "transcript__seek";
    button.dataset.index = String(index);
    const time = document.createElement("span");
    time.className = "transcript__time";
    time.textContent = formatClock(line.start);
    const text = document.createElement("span");
    text.className = "transcript__text";
    text.textContent = line.text; // textContent: recognized text is data, never markup
    button.append(time, text);
    li.appendChild(button);
    return li;
  }
}
