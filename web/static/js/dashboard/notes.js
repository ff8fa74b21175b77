// Interviewers' notes and ratings, stamped by the server on the interview's media time. Every interviewer in the
// room (lead and observers) and HR may add them; each dashboard also hears the others' notes on the live socket.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { requestJson } from "../lib/http.js";

const MAX_SHOWN = 300;

export class NotesPanel {
  constructor({ url, token, textInput, ratingInput, authorInput, button, list, emptyEl, statusEl }) {
    this.url = url;
    this.token = token;
    this.textInput = textInput;
    this.ratingInput = ratingInput;
    this.authorInput = authorInput;
    this.button = button;
    this.list = list;
    this.emptyEl = emptyEl;
    this.statusEl = statusEl;
    this.seen = new Set();
    this.busy = false;
    button.addEventListener("click", () => this._add());
    // Ctrl/Cmd+Enter adds the note without leaving the keyboard.
    textInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this._add();
    });
  }

  async load() {
    const result = await requestJson(this.url, { token: this.token, timeoutMs: 10000 });
    if (result.ok && result.data && Array.isArray(result.data.notes)) {
      for (const note of result.data.notes) this.show(note);
    }
  }

  /** A note from the live socket: `{type: "event", name: "note", value: text, t, detail: {id, rating, author}}`. */
  fromLive(msg) {
    const detail = msg.detail || {};
    this.show({ id: detail.id, t: msg.t, text: msg.value, rating: detail.rating, author: detail.author });
  }

  show(note) {
    if (!note || typeof note.text !== "string") return;
    if (note.id !== undefined && note.id !== null) {
      if (this.seen.has(note.id)) return;
      this.seen.add(note.id);
    }
    const item = document.createElement("li");
    item.className = "note";
    const time = document.createElement("span");
    time.className = "note__time";
    time.textContent = formatClock(note.t);
    const meta = document.createElement("span");
    meta.className = "note__meta";
    const rating = Number.isInteger(note.rating) ? ` · ${gettext("rated %(r)s/5", { r: note.rating })}` : "";
    meta.textContent = `${note.author || ""}${rating}`;
    const text = document.createElement("p");
    text.className = "note__text";
    text.textContent = note.text; // text, never HTML: notes are free input
    item.append(time, meta, text);
    this.list.prepend(item);
    while (this.list.children.length > MAX_SHOWN) this.list.lastElementChild.remove();
    this.emptyEl.hidden = true;
  }


  async _add() {
    const text = this.textInput.value.trim();
    if (!text || this.busy) {
      if (!text) this._say(gettext("Write a note first."), "error");
      return;
    }
    const body = { text };
    const rating = Number.parseInt(this.ratingInput.value, 10);
    if (Number.isInteger(rating)) body.rating = rating;
    const author = this.authorInput ? this.authorInput.value.trim() : "";
    if (author) body.author = author;
    this.busy = true;
    this.button.disabled = true;
    const result = await requestJson(this.url, { method: "POST", token: this.token, body, timeoutMs: 10000 });
    this.busy = false;
    this.button.disabled = false;
    if (result.status === 201 && result.data) {
      this.show(result.data);
      this.textInput.value = "";
      this.ratingInput.value = "";
      this._say(gettext("Note added at %(t)s.", { t: formatClock(result.data.t) }), "ok");
    } else {
      this._say(gettext("Not added: %(error)s.", { error: result.error || gettext("network error") }), "error");
    }
  }

  _say(text, tone) {
    this.statusEl.textContent = text;
    this.statusEl.dataset.tone = tone;
  }
}
