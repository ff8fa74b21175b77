// Ending the interview, then waiting for the closing report to be ready.

import { gettext, ngettext } from "../lib/i18n.js";
import { backoffMs } from "../lib/backoff.js";
import { requestJson } from "../lib/http.js";

const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10000;

export class Ending {
  constructor({ button, statusEl, linkEl, endUrl, reportApiUrl, token, onEnded }) {
    this.button = button;
    this.statusEl = statusEl;
    this.linkEl = linkEl;
    this.endUrl = endUrl;
    this.reportApiUrl = reportApiUrl;
    this.token = token;
    this.onEnded = onEnded;
    this.polling = false;
    button.addEventListener("click", () => this._onClick());
  }

  async _onClick() {
    if (!window.confirm(gettext("End the interview now? The candidate will be disconnected. This cannot be undone."))) return;
    this.button.disabled = true;
    this._say(gettext("Ending the interview…"));
    const result = await requestJson(this.endUrl, { method: "POST", token: this.token });
    // 409: someone (another interviewer, HR) ended it first; the outcome is the same.
    if (result.ok || result.status === 409) {
      this.ended();
    } else {
      this.button.disabled = false;
      this._say(gettext("Could not end the interview: %(error)s. Try again.", { error: result.error || gettext("network error") }));
    }
  }

  /** The interview is over, however we learnt it: stop the controls and wait for the report. */
  ended() {
    this.button.disabled = true;
    if (this.onEnded) this.onEnded();
    if (this.polling || !this.linkEl.hidden) return;
    this.polling = true;
    this._say(gettext("Interview ended. Preparing the report…"));
    this._poll(0);
  }

  async _poll(attempt) {
    const result = await requestJson(this.reportApiUrl, { token: this.token, timeoutMs: 10000 });
    if (result.status === 200) {
      this.polling = false;
      this._say(gettext("Interview ended. The report is ready."));
      this.linkEl.hidden = false;
      return;
    }
    const transient = result.status === 202 || result.status === 409 || result.networkError || result.status >= 500;
    if (!transient) {
      this.polling = false;
      this._say(gettext("The report is not available: %(error)s.", { error: result.error }));
      return;
    }
    const delay = backoffMs(attempt, { baseMs: FIRST_POLL_MS, maxMs: MAX_POLL_MS });
    setTimeout(() => this._poll(attempt + 1), delay);
  }

  _say(text) {
    this.statusEl.textContent = text;
  }
}
