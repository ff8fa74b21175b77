// The transcript beside the replay: every line is a button that plays from its start; the line being spoken
// is highlighted and kept in view, unless the reader has just scrolled the list by hand. With `onCorrect`, each
// line has a "Correct" button: the interviewer types the right text, the server keeps the recognized one and
// marks the line corrected (server/transcript_api.py).

import { gettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { lastAtOrBefore } from "./search.js";

const HAND_SCROLL_PAUSE_MS = 4000; // after the reader scrolls, leave the list alone this long

export class ReplayTranscript {
  /**
   * @param {{list: HTMLOListElement, emptyEl: HTMLElement,
   *          lines: {start: number, end: number, text: string, t: number, corrected: boolean, original: ?string}[],
   *          onSeek: (t: number) => void,
   *          onCorrect?: (line: object, text: string) => Promise<{ok: boolean, error: ?string}>}} options
   */
  constructor({ list, emptyEl, lines, onSeek, onCorrect }) {
    this.list = list;
    this.onCorrect = onCorrect;
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
      const edit = event.target.closest("button[data-correct]");
      if (edit) {
        this._edit(Number(edit.dataset.correct));
        return;
      }
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
    const mark = document.createElement("span");
    mark.className = "transcript__corrected muted small";
    mark.textContent = gettext("(corrected)");
    mark.hidden = !line.corrected;
    if (line.corrected) mark.title = gettext("Recognized as: %(text)s", { text: line.original || "" });
    li.appendChild(mark);
    if (this.onCorrect) {
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "transcript__edit";
      edit.dataset.correct = String(index);
      edit.textContent = gettext("Correct");
      edit.setAttribute("aria-label", gettext("Correct the line at %(t)s", { t: formatClock(line.start) }));
      li.appendChild(edit);
    }
    return li;
  }

  // An inline editor under the line: Save sends the correction, Cancel (or Escape) closes it.
  _edit(index) {
    const item = this.items[index];
    if (item.querySelector("form")) return;
    const line = this.lines[index];
    const form = document.createElement("form");
    form.className = "transcript__editor";
    const input = document.createElement("textarea");
    input.rows = 2;
    input.maxLength = 2000;
    input.value = line.text;
    input.setAttribute("aria-label", gettext("Corrected text"));
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = gettext("Save");
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = gettext("Cancel");
    const status = document.createElement("span");
    status.className = "muted small";
    status.setAttribute("role", "status");
    form.append(input, save, cancel, status);
    item.appendChild(form);
    input.focus();
    const close = () => form.remove();
    cancel.addEventListener("click", close);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || text === line.text) return close();
      save.disabled = true;
      status.textContent = gettext("Saving…");
      const result = await this.onCorrect(line, text);
      if (!result.ok) {
        save.disabled = false;
        status.textContent = gettext("Not saved: %(error)s", { error: result.error || gettext("network error") });
        return;
      }
      if (!line.corrected) line.original = line.text;
      line.text = text;
      line.corrected = true;
      item.querySelector(".transcript__text").textContent = text;
      const mark = item.querySelector(".transcript__corrected");
      mark.hidden = false;
      mark.title = gettext("Recognized as: %(text)s", { text: line.original || "" });
      close();
    });
  }
}
