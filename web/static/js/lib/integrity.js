// The candidate page's integrity reports (see docs/integrity.md): the page hidden, the window out of focus, full
// screen left, text pasted, a second screen attached, the page reloaded. Sent to the server, which stamps them on
// the interview's media time; HR sees them, the candidate never sees a verdict. Only the signals the deployment
// turned on (and the consent notice named) are watched.
//
// Each event carries `ago_s`: how long before the send it started, on this page's monotonic clock
// (performance.now), so a wrong wall clock on the phone cannot move it.

import { requestJson } from "./http.js";

const FLUSH_MS = 2000;
const MAX_QUEUE = 200; // a page that cannot reach the server keeps the newest reports, not an unbounded list
const MAX_PASTE_TEXT = 2000; // the server keeps at most this much of a paste
const BLUR_BEFORE_HIDE_MS = 1000;

export class IntegrityReporter {
  /** @param {{url: string, token: string, signals: string[]}} opts */
  constructor({ url, token, signals }) {
    this.url = url;
    this.token = token;
    this.on = new Set(Array.isArray(signals) ? signals : []);
    this.queue = [];
    this.open = {}; // stretches in progress: name -> start (performance.now ms)
    this.timer = null;
    this.started = false;
    this.fullscreenSeen = false;
    this.listeners = [];
    this.sending = false;
  }

  start() {
    if (this.started || !this.url || !this.on.size) return;
    this.started = true;
    const listen = (target, type, fn, options) => {
      target.addEventListener(type, fn, options);
      this.listeners.push(() => target.removeEventListener(type, fn, options));
    };
    if (this._wants("page_reload") && navigationType() === "reload") {
      // This interview page came back from a reload: date it at the navigation's start.
      this._push({ name: "page_reload" }, 0);
    }
    listen(document, "visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        // Switching tabs blurs the window a moment before the page is hidden: that blur is this hiding.
        const blurred = this.open.window_blur;
        if (blurred !== undefined && performance.now() - blurred < BLUR_BEFORE_HIDE_MS) delete this.open.window_blur;
        else this._end("window_blur");
        this._begin("tab_hidden");
        this._flushNow(true); // the page may never come back: say so while it still can
      } else {
        this._end("tab_hidden");
        this._flushNow();
      }
    });
    // A hidden page also blurs: only a blur while the page stays visible is reported as one.
    listen(window, "blur", () => {
      if (document.visibilityState === "visible") this._begin("window_blur");
    });
    listen(window, "focus", () => this._end("window_blur"));
    listen(document, "fullscreenchange", () => {
      if (document.fullscreenElement) {
        this.fullscreenSeen = true;
        this._end("fullscreen_exit");
      } else if (this.fullscreenSeen) {
        this._begin("fullscreen_exit");
      }
    });
    listen(document, "paste", (event) => {
      if (!this._wants("paste")) return;
      const text = event.clipboardData ? event.clipboardData.getData("text") || "" : "";
      this._push({ name: "paste", chars: text.length, text: text.slice(0, MAX_PASTE_TEXT) }, performance.now());
      this._flushNow();
    }, true);
    this._checkScreens();
    if (window.screen && typeof window.screen.addEventListener === "function") {
      listen(window.screen, "change", () => this._checkScreens());
    }
    listen(window, "pagehide", () => this.stop());
    this.timer = setInterval(() => this._flushNow(), FLUSH_MS);
    if (document.visibilityState === "hidden") this._begin("tab_hidden");
  }

  /** Ends what is still open and sends it (keepalive: the page may be going away). */
  stop() {
    if (!this.started) return;
    this.started = false;
    for (const name of Object.keys(this.open)) this._end(name);
    for (const remove of this.listeners) remove();
    this.listeners = [];
    clearInterval(this.timer);
    this._flushNow(true);
  }

  _wants(name) {
    return this.on.has(name);
  }

  _checkScreens() {
    // screen.isExtended: Chromium-based browsers; elsewhere undefined, and nothing is reported.
    if (this._wants("second_screen") && window.screen && window.screen.isExtended === true && !this.extended) {
      this.extended = true;
      this._push({ name: "second_screen" }, performance.now());
    } else if (window.screen && window.screen.isExtended === false) {
      this.extended = false;
    }
  }

  _begin(name) {
    if (this._wants(name) && !(name in this.open)) this.open[name] = performance.now();
  }

  _end(name) {
    if (!(name in this.open)) return;
    const start = this.open[name];
    delete this.open[name];
    this._push({ name, duration_s: Math.max(0, (performance.now() - start) / 1000) }, start);
  }

  _push(event, startMs) {
    this.queue.push({ ...event, startMs });
    if (this.queue.length > MAX_QUEUE) this.queue.splice(0, this.queue.length - MAX_QUEUE);
  }

  async _flushNow(keepalive = false) {
    if (!this.queue.length || (this.sending && !keepalive)) return;
    const now = performance.now();
    const batch = this.queue.splice(0, 50);
    const events = batch.map(({ startMs, ...event }) => ({ ...event, ago_s: Math.max(0, (now - startMs) / 1000) }));
    if (keepalive) {
      // fetch keepalive outlives the page (sendBeacon cannot carry the Authorization header).
      try {
        fetch(this.url, {
          method: "POST",
          keepalive: true,
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.token}` },
          body: JSON.stringify({ events }),
        }).catch(() => {});
      } catch {
        /* the page is going away */
      }
      return;
    }
    this.sending = true;
    const result = await requestJson(this.url, { method: "POST", body: { events }, token: this.token, timeoutMs: 8000 });
    this.sending = false;
    if (!result.ok && (result.networkError || result.status >= 500)) {
      // Not delivered: back in front of the queue, with their original start times.
      this.queue.unshift(...batch);
    }
  }
}

function navigationType() {
  try {
    const [entry] = performance.getEntriesByType("navigation");
    return entry ? entry.type : null;
  } catch {
    return null;
  }
}
