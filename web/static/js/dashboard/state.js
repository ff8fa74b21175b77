// Everything the dashboard knows, folded from the stream of observations. Rendering reads it on a timer,
// so a burst of messages costs one redraw, not one per message.

import { chartNames, isListed, M } from "../lib/measures.js";
import { Timeline } from "./timeline.js";

const LATENCY_WINDOW = 50;
const MAX_EVENTS = 200;
const MAX_TRANSCRIPT_LINES = 500;

export class DashboardState {
  constructor() {
    this.received = 0;
    this.last = {}; // name -> latest value, any type
    this.lastAt = {}; // name -> performance.now() when it arrived, to grey out stale tiles
    this.latestT = 0; // newest media time seen: the right edge of every chart
    this.eye = { yes: 0, total: 0 };
    this.pauses = { count: 0, last: null };
    this.latencies = [];
    this.events = []; // newest last; the renderer keeps its own cursor
    this.eventSeq = 0;
    // Finals newest last (each with a seq so the renderer can keep a cursor past the cap), the open partial,
    // and the recognizer's status: null until told (a dashboard opened late never hears it), then on/off.
    this.transcript = { lines: [], seq: 0, partial: "", status: null, detail: null };
    this.fillers = { last: null };
    this.answers = { count: 0, sum: 0, last: null };
    this.gaze = { calibrated: false, detail: null };
    this.expression = { label: null, probabilities: null }; // only ever set when the deployment enables it
    this.roomStatus = null;
    this.candidateConnected = null;
    this.dirty = true;
    this.timelines = {
      face: new Timeline(chartNames("presence")),
      expression: new Timeline(chartNames("expression")),
      voice: new Timeline(chartNames("voice")),
    };
    // What tests read: a small plain object, cheap to serialise from a WebDriver.
    this.exposed = { received: 0, last: this.last };
  }

  /** Folds one message in. Returns a status change {name, value} for the caller to act on, or null. */
  ingest(msg) {
    if (!msg || typeof msg !== "object" || typeof msg.name !== "string") return null;
    const { type, name, value, t } = msg;
    this.received++;
    this.exposed.received = this.received;
    this.last[name] = value;
    this.lastAt[name] = performance.now();
    this.dirty = true;
    if (typeof msg.latency_ms === "number" && Number.isFinite(msg.latency_ms)) {
      this.latencies.push(msg.latency_ms);
      if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    }
    if (typeof t === "number" && Number.isFinite(t) && t > this.latestT) this.latestT = t;

    if (type === "metric") {
      for (const timeline of Object.values(this.timelines)) {
        if (timeline.has(name)) timeline.add(name, t, value);
      }
      if (name === M.EYE_CONTACT && value !== null && value !== undefined) {
        this.eye.total++;
        if (Number(value) >= 0.5) this.eye.yes++;
      } else if (name === M.EXPRESSION_CLASS && typeof value === "string") {
        const probs = msg.detail && msg.detail.probabilities;
        this.expression = { label: value, probabilities: probs && typeof probs === "object" ? probs : null };
      }
    } else if (type === "event") {
      this._event(msg);
    } else if (type === "transcript") {
      this._transcript(msg);
    } else if (type === "status" && name === M.TRANSCRIPT) {
      // The panel shows it; it is not an event worth a line in the list.
      this.transcript.status = value;
      this.transcript.detail = msg.detail && typeof msg.detail === "object" ? msg.detail : null;
    } else if (type === "status") {
      return this._status(msg);
    }
    return null;
  }

  _event(msg) {
    const { name, value } = msg;
    const seconds = typeof value === "number" && Number.isFinite(value) ? value : null;
    if (name === M.PAUSE) {
      this.pauses.count++;
      this.pauses.last = seconds;
    } else if (name === M.ANSWER_LATENCY && seconds !== null) {
      this.answers.count++;
      this.answers.sum += seconds;
      this.answers.last = seconds;
    } else if (name === M.GAZE_CALIBRATED) {
      this.gaze = { calibrated: true, detail: msg.detail || null };
    } else if (name === M.FILLER) {
      this.fillers.last = typeof value === "string" ? value : null;
    }
    // Some events are folded into a tile instead (a filler can come every few seconds and would bury the rest).
    if (isListed(name)) this._addEvent(msg);
  }

  _transcript(msg) {
    const { name, value, t } = msg;
    const text = typeof value === "string" ? value.trim() : "";
    const tr = this.transcript;
    if (name === M.PARTIAL) {
      tr.partial = text;
    } else if (name === M.FINAL) {
      tr.partial = ""; // the utterance the partial belonged to is now this final
      if (!text) return;
      const detail = msg.detail || {};
      const start = typeof detail.start === "number" ? detail.start : t;
      tr.lines.push({ seq: ++tr.seq, t, start, text });
      if (tr.lines.length > MAX_TRANSCRIPT_LINES) tr.lines.shift();
    }
  }

  _status(msg) {
    const { name, value } = msg;
    if (name === M.ROOM_STATUS) {
      if (value === this.roomStatus) return null;
      this.roomStatus = value;
    } else if (name === M.CANDIDATE_CONNECTED) {
      const connected = Boolean(value);
      if (connected === this.candidateConnected) return null;
      const first = this.candidateConnected === null;
      this.candidateConnected = connected;
      // The snapshot sent on (re)connecting the socket is not news unless the candidate is there.
      if (first && !connected) return { name, value: connected };
      this._addEvent({ ...msg, value: connected });
      return { name, value: connected };
    }
    this._addEvent(msg);
    return { name, value };
  }

  _addEvent(msg) {
    this.events.push({ seq: ++this.eventSeq, type: msg.type, name: msg.name, value: msg.value, t: msg.t });
    if (this.events.length > MAX_EVENTS) this.events.shift();
  }

  medianLatency() {
    if (!this.latencies.length) return null;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  answerLatencyMean() {
    return this.answers.count ? this.answers.sum / this.answers.count : null;
  }

  eyeShare() {
    return this.eye.total ? this.eye.yes / this.eye.total : null;
  }

  // Seconds since `name` last arrived (wall clock), Infinity if never.
  ageS(name) {
    const at = this.lastAt[name];
    return at === undefined ? Infinity : (performance.now() - at) / 1000;
  }
}
