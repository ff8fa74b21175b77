// Everything the dashboard knows, folded from the stream of observations. Rendering reads it on a timer,
// so a burst of messages costs one redraw, not one per message.

import { Timeline } from "./timeline.js";

const LATENCY_WINDOW = 50;
const MAX_EVENTS = 200;

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
    this.transcript = [];
    this.roomStatus = null;
    this.candidateConnected = null;
    this.dirty = true;
    this.timelines = {
      face: new Timeline(["face_present", "eye_contact"]),
      expression: new Timeline(["smile", "brow_furrow", "mouth_open"]),
      voice: new Timeline(["speaking", "speech_rate"]),
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
      if (name === "eye_contact" && value !== null && value !== undefined) {
        this.eye.total++;
        if (Number(value) >= 0.5) this.eye.yes++;
      }
    } else if (type === "event") {
      if (name === "pause") {
        this.pauses.count++;
        this.pauses.last = typeof value === "number" ? value : null;
      }
      this._addEvent(msg);
    } else if (type === "transcript") {
      if (typeof value === "string" && value.trim()) this.transcript.push({ t, text: value.trim() });
    } else if (type === "status") {
      return this._status(msg);
    }
    return null;
  }

  _status(msg) {
    const { name, value } = msg;
    if (name === "room_status") {
      if (value === this.roomStatus) return null;
      this.roomStatus = value;
    } else if (name === "candidate_connected") {
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

  eyeShare() {
    return this.eye.total ? this.eye.yes / this.eye.total : null;
  }

  // Seconds since `name` last arrived (wall clock), Infinity if never.
  ageS(name) {
    const at = this.lastAt[name];
    return at === undefined ? Infinity : (performance.now() - at) / 1000;
  }
}
