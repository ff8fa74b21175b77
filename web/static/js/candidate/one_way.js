// One-way interview on the candidate's page: device check, optional practice, then the question script.
// The server owns the script and its clock: this page shows the step and deadlines it is given, asks for the
// candidate's actions, and follows the server when a countdown runs out. A reload resumes at the current step.

import { gettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { requestJson } from "../lib/http.js";
import { checkCamera, checkMicrophone, checkNetwork } from "./device_check.js";

const POLL_MS = 1000; // the server moves on by itself at each deadline; this is how soon the page notices
const TICK_MS = 200;
const CONNECT_WAIT_MS = 30000;

const PHASE_TEXT = {
  practice_think: gettext("Practice question (not scored) — time to think"),
  practice_answer: gettext("Practice question (not scored) — answer now"),
  think: gettext("Time to think"),
  answer: gettext("Answer now — you are being recorded"),
  answer_unrecorded: gettext("Answer now"), // the candidate declined the analysis: nothing is recorded
  review: gettext("Your answer is saved"),
};

const $ = (id) => document.getElementById(id);

export class OneWayInterview {
  /**
   * @param {object} opts
   * @param {object} opts.config the page config (scriptUrl, token)
   * @param {HTMLVideoElement} opts.video the local preview, for the camera check
   * @param {() => string} opts.connectionState main.js's connection state ("connected", ...)
   */
  constructor({ config, video, connectionState }) {
    this.url = config.scriptUrl;
    this.token = config.token;
    this.video = video;
    this.connectionState = connectionState;
    this.stream = null;
    this.startSession = null;
    this.sessionStarted = false;
    this.view = null;
    this.offsetS = 0; // server clock minus this clock
    this.viewAt = 0;
    this.check = null;
    this.checking = false;
    this.busy = false;
    this.pollTimer = null;
    this.tickTimer = null;
    this.expiredSeq = null;
    this.el = {
      root: $("one-way"),
      check: $("ow-check"),
      camera: $("ow-check-camera"),
      microphone: $("ow-check-microphone"),
      network: $("ow-check-network"),
      level: $("ow-mic-level"),
      recheck: $("ow-recheck"),
      practice: $("ow-practice"),
      start: $("ow-start"),
      step: $("ow-step"),
      progress: $("ow-progress"),
      phase: $("ow-phase"),
      media: $("ow-media"),
      question: $("ow-question"),
      countdown: $("ow-countdown"),
      bar: $("ow-bar"),
      take: $("ow-take"),
      answer: $("ow-answer"),
      finish: $("ow-finish"),
      retake: $("ow-retake"),
      keep: $("ow-keep"),
      note: $("ow-note"),
      done: $("ow-done"),
    };
    this.el.recheck.addEventListener("click", () => this._runChecks());
    this.el.practice.addEventListener("click", () => this._act("practice"));
    this.el.start.addEventListener("click", () => this._start());
    this.el.answer.addEventListener("click", () => this._act("answer"));
    this.el.finish.addEventListener("click", () => this._act("finish"));
    this.el.retake.addEventListener("click", () => this._act("retake"));
    this.el.keep.addEventListener("click", () => this._act("keep"));
    const self = this;
    // Tests read this.
    window.__oneWay = {
      get view() {
        return self.view;
      },
      get phase() {
        return self.view ? self.view.phase : null;
      },
      get check() {
        return self.check;
      },
      get remaining() {
        return self._remaining();
      },
    };
  }

  /** Called by main.js once camera and microphone are on; startSession connects them to the server. */
  async begin(stream, startSession) {
    this.stream = stream;
    this.startSession = startSession;
    this.el.root.hidden = false;
    const hint = document.querySelector(".session__hint");
    if (hint) hint.textContent = gettext("Keep this page open until the last question is done.");
    let view = null;
    for (let attempt = 0; !view; attempt++) {
      view = await this._refresh();
      if (!view) await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 1000 * 2 ** attempt)));
    }
    if (this._scored(view.phase)) this._connect(); // a reload mid-interview: straight back in
    this._loop(); // the intro's render starts the device check

  }

  /** main.js re-acquired the camera after a media error: check again with the new stream. */
  setStream(stream) {
    this.stream = stream;
    if (this.view && this.view.phase === "intro") this._runChecks();
  }

  _scored(phase) {
    return phase === "think" || phase === "answer" || phase === "review";
  }

  _connect() {
    if (this.sessionStarted || !this.startSession) return;
    this.sessionStarted = true;
    this.startSession();
  }

  async _runChecks() {
    if (this.checking) return;
    this.checking = true;
    const { camera, microphone, network, recheck, practice, start, level } = this.el;
    this.check = null;
    for (const item of [camera, microphone, network]) this._showCheck(item, null);
    recheck.hidden = true;
    practice.disabled = true;
    start.disabled = true;
    const [cam, mic, net] = await Promise.all([
      checkCamera(this.stream, this.video).then((r) => this._showCheck(camera, r)),
      checkMicrophone(this.stream, (v) => (level.value = v)).then((r) => this._showCheck(microphone, r)),
      checkNetwork(this.url, this.token).then((r) => this._showCheck(network, r)),
    ]);
    const ok = cam.ok && mic.ok && net.ok;
    this.check = { ok, camera: cam, microphone: mic, network: net };
    this.checking = false;
    recheck.hidden = ok;
    this._render();
  }

  _showCheck(item, outcome) {
    item.dataset.state = outcome === null ? "pending" : outcome.ok ? "ok" : "bad";
    item.querySelector(".ow-check__result").textContent = outcome === null ? gettext("checking…") : outcome.text;
    return outcome;
  }

  async _start() {
    if (this.busy) return;
    this.busy = true;
    this.el.start.disabled = true;
    this.el.practice.disabled = true;
    this._note(gettext("Connecting your camera and microphone to the interview…"));
    this._connect();
    const began = Date.now();
    while (this.connectionState() !== "connected" && Date.now() - began < CONNECT_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    this.busy = false;
    if (this.connectionState() !== "connected") {
      this._note(gettext("The connection is not up yet; the interview starts once it is. Try again in a moment."));
      this._render();
      return;
    }
    // The browser may see the connection up a moment before the server does: ask again briefly on a 409.
    for (let attempt = 0; attempt < 8; attempt++) {
      const status = await this._act("start");
      if (status !== 409 || !this.view || this.view.phase !== "intro") return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async _act(action) {
    if (this.busy || !this.view) return 0;
    this.busy = true;
    this._setButtonsDisabled(true);
    const result = await requestJson(this.url, {
      method: "POST",
      token: this.token,
      body: { action, seq: this.view.seq },
      timeoutMs: 10000,
    });
    this.busy = false;
    if (result.ok) {
      this._accept(result.data, Date.now(), Date.now());
      this._note("");
    } else if (result.status === 409) {
      // The step moved on (a countdown ran out first) or the connection is not up yet: show what is current.
      this._note(action === "start"
        ? gettext("Waiting for your camera and microphone to reach the server…")
        : gettext("Time ran out for that step; this is where your interview is now."));
      await this._refresh();
    } else {
      this._note(gettext("That did not work (%(error)s). Try again.", { error: result.error || gettext("network error") }));
    }
    this._render();
    return result.status;
  }

  async _refresh() {
    const sent = Date.now();
    const result = await requestJson(this.url, { token: this.token, timeoutMs: 8000 });
    if (!result.ok || !result.data) return null;
    this._accept(result.data, sent, Date.now());
    return this.view;
  }

  _accept(view, sentMs, receivedMs) {
    // The server's clock at the midpoint of the round trip: deadlines are server time.
    this.offsetS = view.server_time - (sentMs + receivedMs) / 2000;
    this.view = view;
    this.viewAt = receivedMs;
    if (this._scored(view.phase)) this._connect();
    this._render();
  }

  _remaining() {
    if (!this.view || typeof this.view.deadline !== "number") return null;
    return Math.max(0, this.view.deadline - (Date.now() / 1000 + this.offsetS));
  }

  _loop() {
    clearInterval(this.tickTimer);
    clearTimeout(this.pollTimer);
    this.tickTimer = setInterval(() => this._tick(), TICK_MS);
    const poll = async () => {
      if (this.view && this.view.phase === "done") return;
      if (this.view && this.view.phase !== "intro" && !this.busy) await this._refresh();
      this.pollTimer = setTimeout(poll, POLL_MS);
    };
    this.pollTimer = setTimeout(poll, POLL_MS);
  }

  _tick() {
    const view = this.view;
    if (!view) return;
    const remaining = this._remaining();
    if (remaining !== null) {
      this.el.countdown.textContent = formatClock(Math.ceil(remaining));
      this.el.bar.value = view.duration_s ? Math.max(0, Math.min(1, remaining / view.duration_s)) : 0;
      // Time is up: ask the server for the next step now rather than at the next poll.
      if (remaining <= 0 && this.expiredSeq !== view.seq && !this.busy) {
        this.expiredSeq = view.seq;
        setTimeout(() => this._refresh(), 150);
      }
    }
  }

  _render() {
    const view = this.view;
    if (!view) return;
    const el = this.el;
    const done = view.phase === "done" || view.room_status === "ended";
    el.done.hidden = !done;
    el.check.hidden = done || view.phase !== "intro";
    el.step.hidden = done || view.phase === "intro";
    el.step.dataset.phase = view.phase;
    if (done) {
      clearInterval(this.tickTimer);
      clearTimeout(this.pollTimer);
      return;
    }
    const actions = new Set(view.actions || []);
    if (view.phase === "intro") {
      if (!this.check && !this.checking && this.stream) this._runChecks();
      const checked = this.check && this.check.ok;
      el.practice.hidden = !actions.has("practice");
      el.practice.disabled = !checked || this.busy;
      el.start.disabled = !checked || this.busy;
      return;
    }
    el.progress.textContent = view.practice
      ? gettext("Practice question")
      : gettext("Question %(number)s of %(count)s", { number: view.index + 1, count: view.count });
    const unrecorded = view.phase === "answer" && document.body.dataset.analysis === "off";
    el.phase.textContent = PHASE_TEXT[unrecorded ? "answer_unrecorded" : view.phase] || "";
    const question = view.question || {};
    el.question.textContent = question.text || "";
    this._showMedia(question);
    const takes = view.takes_allowed || 1;
    el.take.textContent = !view.practice && takes > 1
      ? gettext("Take %(take)s of %(takes)s", { take: view.take, takes })
      : "";
    if (view.phase === "review") {
      el.take.textContent = gettext("You may record this answer again (take %(take)s of %(takes)s) or keep it.",
        { take: view.take + 1, takes });
    }
    el.answer.hidden = !actions.has("answer");
    el.finish.hidden = !actions.has("finish");
    el.retake.hidden = !actions.has("retake");
    el.keep.hidden = !actions.has("keep");
    this._setButtonsDisabled(this.busy);
    this._tick();
  }

  _showMedia(question) {
    const media = this.el.media;
    const url = question.media_url || "";
    if (media.dataset.url === url) return;
    media.dataset.url = url;
    media.replaceChildren();
    media.hidden = !url;
    if (!url) return;
    const node = document.createElement(question.media_type === "video" ? "video" : "img");
    node.src = url;
    if (node.tagName === "VIDEO") {
      node.controls = true;
      node.playsInline = true;
    } else {
      node.alt = "";
    }
    media.append(node);
  }

  _setButtonsDisabled(disabled) {
    for (const button of [this.el.answer, this.el.finish, this.el.retake, this.el.keep]) button.disabled = disabled;
  }

  _note(text) {
    this.el.note.textContent = text;
  }
}
