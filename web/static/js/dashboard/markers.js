// The interviewer's question markers: "question starts" and "question ends". The server stamps them on the
// interview's media time, and times the candidate's answer latency from the end of each question.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { requestJson } from "../lib/http.js";
import { M } from "../lib/measures.js";

const SHOW_OK_MS = 3000;
const SHOW_ERROR_MS = 6000; // errors stay longer: they need reading

const DONE_TEXT = { [M.QUESTION_START]: gettext("Question start marked"), [M.QUESTION_END]: gettext("Question end marked") };

export class QuestionMarkers {
  constructor({ startButton, endButton, labelInput, statusEl, url, token }) {
    this.buttons = { [M.QUESTION_START]: startButton, [M.QUESTION_END]: endButton };
    this.labelInput = labelInput;
    this.statusEl = statusEl;
    this.url = url;
    this.token = token;
    this.busy = false;
    this.ended = false;
    this.timer = null;
    for (const [name, button] of Object.entries(this.buttons)) {
      button.addEventListener("click", () => this._mark(name));
    }
  }

  /** The interview is over: nothing more can be marked. */
  disable() {
    this.ended = true;
    this._setDisabled(true);
  }

  async _mark(name) {
    if (this.busy || this.ended) return;
    this.busy = true;
    this._setDisabled(true);
    const label = this.labelInput.value.trim();
    const body = label ? { name, label } : { name };
    const result = await requestJson(this.url, { method: "POST", token: this.token, body, timeoutMs: 10000 });
    this.busy = false;
    this._setDisabled(this.ended);
    if (result.status === 201 || result.ok) {
      const t = result.data && typeof result.data.t === "number" ? ` at ${formatClock(result.data.t)}` : "";
      this._say(`${DONE_TEXT[name]}${t}${label ? ` (${label})` : ""}.`, "ok", SHOW_OK_MS);
      // One label names one question: it is spent once that question has ended.
      if (name === M.QUESTION_END) this.labelInput.value = "";
    } else {
      // 409 "the interview is not live" (not started, or ended), 403 for HR, or a network error.
      this._say(gettext("Not marked: %(error)s.", { error: result.error || gettext("network error") }), "error", SHOW_ERROR_MS);
    }
  }

  _setDisabled(disabled) {
    for (const button of Object.values(this.buttons)) button.disabled = disabled;
  }

  _say(text, tone, forMs) {
    clearTimeout(this.timer);
    this.statusEl.textContent = text;
    this.statusEl.dataset.tone = tone;
    this.timer = setTimeout(() => {
      this.statusEl.textContent = "";
      delete this.statusEl.dataset.tone;
    }, forMs);
  }
}
