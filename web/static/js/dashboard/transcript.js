// The live transcript panel: final utterances with their start time, the open partial muted at the end.
// Follows new text only while the reader is at the bottom: someone scrolled up to re-read keeps their place.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";

const MAX_LINES = 300; // DOM lines kept; the state holds more
const BOTTOM_SLACK_PX = 24; // "at the bottom" within this, so sub-pixel scroll positions still count

export class TranscriptPanel {
  constructor({ card, body, list, partial, offEl, engineEl, latestButton }) {
    this.card = card;
    this.body = body;
    this.list = list;
    this.partial = partial;
    this.partialText = partial.querySelector(".transcript__text");
    this.offEl = offEl;
    this.engineEl = engineEl;
    this.latest = latestButton;
    this.seenSeq = 0;
    this.shownStatus = undefined;
    latestButton.addEventListener("click", () => this._toBottom());
    // Reaching the bottom by hand resumes following, and the "new lines" button has nothing left to say.
    list.addEventListener("scroll", () => {
      if (this._atBottom()) this.latest.hidden = true;
    });
  }

  render(tr) {
    this._status(tr);
    if (tr.status === "off") return;
    const fresh = tr.lines.filter((line) => line.seq > this.seenSeq);
    const partial = tr.partial || "";
    const partialChanged = partial !== this.partialText.textContent;
    if (!fresh.length && !partialChanged) return;
    this.card.hidden = false;

    // Measured before the change: appending moves scrollHeight, not scrollTop.
    const follow = this._atBottom();
    if (fresh.length) {
      this.seenSeq = fresh[fresh.length - 1].seq;
      const frag = document.createDocumentFragment();
      for (const line of fresh) frag.appendChild(this._line(line));
      this.list.insertBefore(frag, this.partial); // the partial stays last
      while (this.list.childElementCount > MAX_LINES + 1) this.list.firstElementChild.remove();
    }
    if (partialChanged) {
      this.partialText.textContent = partial; // textContent: recognized text comes from the network
      this.partial.hidden = !partial;
    }
    if (follow) this._toBottom();
    else this.latest.hidden = false;
  }

  // "off" replaces the list with its reason; "on" names the engine. Unknown (null) changes nothing.
  _status(tr) {
    const detail = tr.detail || {};
    // "on" comes again once the language of an "auto" interview is detected: show which one is transcribed.
    const shown = `${tr.status}/${detail.language || ""}`;
    if (shown === this.shownStatus) return;
    this.shownStatus = shown;
    if (tr.status === "off") {
      this.card.hidden = false;
      this.offEl.textContent = gettext("Transcript off — %(reason)s", {
        reason: detail.reason || gettext("speech recognition is not available"),
      });
      this.offEl.hidden = false;
      this.body.hidden = true;
      this.latest.hidden = true;
      this.engineEl.textContent = "";
    } else if (tr.status === "on") {
      this.card.hidden = false;
      this.offEl.hidden = true;
      this.body.hidden = false;
      this.engineEl.textContent = [detail.engine, detail.language].filter(Boolean).join(" · ");
    }
  }

  _line(line) {
    const li = document.createElement("li");
    li.className = "transcript__line";
    const time = document.createElement("span");
    time.className = "transcript__time";
    time.textContent = formatClock(line.start);
    const text = document.createElement("span");
    text.className = "transcript__text";
    text.textContent = line.text;
    li.append(time, text);
    return li;
  }

  _atBottom() {
    const el = this.list;
    return el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
  }

  _toBottom() {
    this.list.scrollTop = this.list.scrollHeight;
    this.latest.hidden = true;
  }
}
