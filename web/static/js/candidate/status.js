// After the interview: the same link shows where the candidate's application stands ("submitted",
// "under review") and feedback text when HR chose to share it. Never scores, unless HR shared them.

import { requestJson } from "../lib/http.js";

const REFRESH_MS = 60000; // a review takes days; an open tab need not ask often

export class CandidateStatus {
  constructor({ url, token, section, messageEl, feedbackEl, scoresEl }) {
    this.url = url;
    this.token = token;
    this.section = section;
    this.messageEl = messageEl;
    this.feedbackEl = feedbackEl;
    this.scoresEl = scoresEl;
    this.timer = null;
    this.stage = null;
  }

  async show() {
    clearTimeout(this.timer);
    const result = await requestJson(this.url, { token: this.token, timeoutMs: 10000 });
    if (result.ok && result.data) this._render(result.data);
    this.timer = setTimeout(() => this.show(), REFRESH_MS);
  }

  _render(status) {
    this.stage = status.stage;
    this.section.hidden = false;
    this.section.dataset.stage = status.stage;
    this.messageEl.textContent = status.message || "";
    const feedback = typeof status.feedback === "string" ? status.feedback : "";
    this.feedbackEl.textContent = feedback; // text, never HTML
    this.feedbackEl.hidden = !feedback;
    this.scoresEl.replaceChildren();
    const scores = status.scores;
    if (scores && typeof scores === "object") {
      const rows = [];
      if (typeof scores.overall === "number") rows.push(["Overall", scores.overall]);
      for (const [name, value] of Object.entries(scores.dimensions || {})) rows.push([name, value]);
      for (const [name, value] of rows) {
        const item = document.createElement("li");
        item.textContent = `${name.replace(/_/g, " ")}: ${Math.round(value)} / 100`;
        this.scoresEl.append(item);
      }
    }
    this.scoresEl.hidden = !this.scoresEl.children.length;
  }
}
