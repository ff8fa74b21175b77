// "Next question": the lead steps through the room's template, or asks a question typed in the label field.
// The server records a question_start marker with the question's index and text; "Question ends — answer now"
// (markers.js) still marks when the candidate should answer.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { requestJson } from "../lib/http.js";

export class NextQuestion {
  constructor({ url, token, questions, roomId, button, nextEl, textInput, statusEl }) {
    this.url = url;
    this.token = token;
    this.questions = Array.isArray(questions) ? questions : [];
    this.button = button;
    this.nextEl = nextEl;
    this.textInput = textInput;
    this.statusEl = statusEl;
    this.busy = false;
    this.ended = false;
    // Where the lead is in the template survives a reload of this tab.
    this.storageKey = `interview:${roomId}:question`;
    this.index = Number.parseInt(sessionStorage.getItem(this.storageKey) ?? "-1", 10);
    if (!Number.isInteger(this.index)) this.index = -1;
    button.addEventListener("click", () => this._next());
    this._render();
  }

  disable() {
    this.ended = true;
    this.button.disabled = true;
  }

  _upcoming() {
    return this.index + 1 < this.questions.length ? this.questions[this.index + 1] : null;
  }

  _render() {
    const upcoming = this._upcoming();
    if (upcoming) {
      this.nextEl.textContent = gettext("Next (%(n)s of %(count)s): %(text)s", {
        n: upcoming.index + 1,
        count: this.questions.length,
        text: upcoming.text,
      });
    } else if (this.questions.length) {
      this.nextEl.textContent = gettext("All template questions asked; type a free question in the label field to ask more.");
    } else {
      this.nextEl.textContent = gettext("Type the question in the label field, then press Next question.");
    }
    this.button.disabled = this.ended || this.busy;
  }

  async _next() {
    if (this.busy || this.ended) return;
    const upcoming = this._upcoming();
    const typed = this.textInput.value.trim();
    // A typed question wins: the lead may go off script; the template position stays where it was.
    const body = typed ? { text: typed } : upcoming ? { index: upcoming.index } : null;
    if (!body) {
      this._say(gettext("Type the question first."), "error");
      return;
    }
    this.busy = true;
    this._render();
    const result = await requestJson(this.url, { method: "POST", token: this.token, body, timeoutMs: 10000 });
    this.busy = false;
    if (result.status === 201) {
      if (!typed) {
        this.index = upcoming.index;
        sessionStorage.setItem(this.storageKey, String(this.index));
      } else {
        this.textInput.value = "";
      }
      const t = result.data && typeof result.data.t === "number" ? ` at ${formatClock(result.data.t)}` : "";
      this._say(`${gettext("Question started")}${t}: ${typed || upcoming.text}`, "ok");
    } else {
      this._say(gettext("Not started: %(error)s.", { error: result.error || gettext("network error") }), "error");
    }
    this._render();
  }

  _say(text, tone) {
    this.statusEl.textContent = text;
    this.statusEl.dataset.tone = tone;
  }
}
