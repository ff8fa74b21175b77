// After the interview: the same link shows where the candidate's application stands ("submitted",
// "under review") and feedback text when HR chose to share it. Never scores, unless HR shared them.

import { gettext } from "../lib/i18n.js";
import { requestJson } from "../lib/http.js";

const REFRESH_MS = 60000; // a review takes days; an open tab need not ask often

// The server's message is English (the API's language); the page shows the stage in the candidate's language.
const STAGE_TEXT = {
  waiting: gettext("Your interview has not started yet."),
  in_progress: gettext("Your interview is in progress."),
  submitted: gettext("Your interview has been submitted. Thank you."),
  under_review: gettext("Your interview is under review."),
  feedback: gettext("The organisation has shared feedback with you."),
};

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
    this.messageEl.textContent = STAGE_TEXT[status.stage] || status.message || "";
    const feedback = typeof status.feedback === "string" ? status.feedback : "";
    this.feedbackEl.textContent = feedback; // text, never HTML
    this.feedbackEl.hidden = !feedback;
    this.scoresEl.replaceChildren();
    const scores = status.scores;
    if (scores && typeof scores === "object") {
      const rows = [];
      if (typeof scores.overall === "number") rows.push([gettext("Overall"), scores.overall]);
      for (const [name, value] of Object.entries(scores.dimensions || {})) rows.push([name, value]);
      for (const [name, value] of rows) {
        const item = document.createElement("li");
        item.textContent = gettext("%(name)s: %(score)s / 100", { name: name.replace(/_/g, " "), score: Math.round(value) });
        this.scoresEl.append(item);
      }
    }
    this.scoresEl.hidden = !this.scoresEl.children.length;
  }
}
