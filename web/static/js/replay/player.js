// The recording: finds out whether it can be played yet, then plays it. Everything else on the page follows
// `time` (interview media time); when there is no recording the page can still be browsed on that same clock.

import { gettext, ngettext } from "../lib/i18n.js";
import { backoffMs, sleep } from "../lib/backoff.js";

const TEXT = {
  loading: gettext("Loading the recording…"),
  preparing: gettext("The recording is being joined. This takes a few seconds after the end of the interview…"),
  missing:
    gettext("There is no recording of this interview (recording was off, or it was deleted). The timelines below still work."),
  denied: gettext("This link may not open the recording."),
  error: gettext("The recording could not be played in this browser. The timelines below still work."),
};
const MAX_WAIT_ATTEMPTS = 12; // ~2.5 min of backoff while the server joins the file

export class ReplayPlayer {
  /**
   * @param {{video: HTMLVideoElement, stateEl: HTMLElement, url: string,
   *          onTime: (t: number) => void, onState?: (s: string) => void, onDuration: (s: number) => void}} options
   */
  constructor({ video, stateEl, url, onTime, onState = () => {}, onDuration }) {
    this.video = video;
    this.stateEl = stateEl;
    this.url = url;
    this.onTime = onTime;
    this.onDuration = onDuration;
    this.onState = onState;
    this.state = "loading";
    this.virtualT = 0; // the page's clock when there is no playable video
    this.frame = 0;
    this._wire();
  }

  /** Media time now. The server joins the recording on the interview's clock (its second 0 is the interview's
   *  start, gaps filled), so the video's own time is media time. */
  get time() {
    return this.state === "ready" ? this.video.currentTime : this.virtualT;
  }

  async load() {
    this._show("loading");
    for (let attempt = 0; ; attempt++) {
      const status = await this._probe();
      if (status === 200 || status === 206) {
        this.video.src = this.url;
        return; // loadedmetadata or error takes it from here
      }
      if ((status === 202 || status === 409 || status === 503 || status === 0) && attempt < MAX_WAIT_ATTEMPTS) {
        this._show("preparing");
        await sleep(backoffMs(attempt, { baseMs: 1000, maxMs: 15000 }));
        continue;
      }
      this._show(status === 404 ? "missing" : status === 401 || status === 403 ? "denied" : "error");
      return;
    }
  }

  /** Play from media time `t` (seconds since the interview started). */
  seek(t) {
    const target = Math.max(0, t);
    if (this.state === "ready") {
      const duration = Number.isFinite(this.video.duration) ? this.video.duration : Infinity;
      this.video.currentTime = Math.min(target, Math.max(0, duration - 0.05));
    } else {
      this.virtualT = target;
    }
    this.onTime(this.time);
  }

  // A one-byte range request says whether the file is there without downloading it; a server that ignored
  // the range would start sending the whole file, so the body is never read.
  async _probe() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 15000);
    try {
      const response = await fetch(this.url, {
        headers: { Range: "bytes=0-0" },
        cache: "no-store",
        credentials: "same-origin",
        signal: controller.signal,
      });
      controller.abort();
      return response.status;
    } catch {
      return 0;
    } finally {
      clearTimeout(timer);
    }
  }

  _wire() {
    const video = this.video;
    video.addEventListener("loadedmetadata", () => {
      this.state = "ready";
      this._show("ready");
      // A moment chosen while the file was still loading: play from there rather than from the start.
      if (this.virtualT > 0) this.video.currentTime = Math.min(this.virtualT, Math.max(0, video.duration - 0.05) || 0);
      if (Number.isFinite(video.duration)) this.onDuration(video.duration);
      this.onTime(this.time);
    });
    video.addEventListener("durationchange", () => {
      if (this.state === "ready" && Number.isFinite(video.duration)) this.onDuration(video.duration);
    });
    video.addEventListener("error", () => {
      if (!video.getAttribute("src")) return;
      this.state = "error";
      this._show("error");
    });
    for (const name of ["seeked", "seeking", "timeupdate", "pause", "ended"]) {
      video.addEventListener(name, () => this.onTime(this.time));
    }
    // timeupdate fires ~4 times a second: follow every frame while playing so the cursor glides.
    video.addEventListener("play", () => this._follow());
  }

  _follow() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.onTime(this.time);
      if (!this.video.paused && !this.video.ended) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  _show(state) {
    if (state !== "ready") this.state = state;
    this.stateEl.dataset.state = state;
    this.stateEl.textContent = TEXT[state] || "";
    this.stateEl.hidden = state === "ready";
    this.video.hidden = state === "missing" || state === "denied" || state === "error";
    this.onState(state);
  }
}
