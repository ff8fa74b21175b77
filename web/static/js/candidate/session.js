// The candidate's connection to the server: one RTCPeerConnection at a time, replaced with backoff when it fails,
// always sending the same MediaStream, until the interview ends.

import { gettext } from "../lib/i18n.js";
import { backoffMs, parseRetryAfter } from "../lib/backoff.js";
import { requestJson } from "../lib/http.js";
import { negotiate } from "../lib/rtc.js";
import { stopMedia } from "./media.js";

const DISCONNECT_GRACE_MS = 3000; // "disconnected" often heals by itself (Wi-Fi → 4G handover)
const CONNECT_TIMEOUT_MS = 20000; // answered but ICE never connected: start over
const STATUS_POLL_MS = 5000;

// Firefox before 113 and old WebKit only have iceConnectionState.
function peerState(pc) {
  if (pc.connectionState) return pc.connectionState;
  const ice = pc.iceConnectionState;
  return ice === "completed" ? "connected" : ice === "checking" ? "connecting" : ice;
}

export class CandidateSession {
  /**
   * @param {object} opts
   * @param {(state: string, info: {message?: string, reason?: string}) => void} opts.onState
   *   state ∈ connecting | connected | reconnecting | ended | error
   */
  constructor({ offerUrl, statusUrl, iceServers, token, stream, onState }) {
    this.offerUrl = offerUrl;
    this.statusUrl = statusUrl;
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.token = token;
    this.stream = stream;
    this.onState = onState;
    this.pc = null;
    this.state = "idle";
    this.attempt = 0; // consecutive failures, drives the backoff
    this.generation = 0; // bumps on every new pc: late events from an old pc are ignored
    this.timers = { retry: null, disconnect: null, connect: null, poll: null };
    this.finished = false;

    this._onOnline = () => {
      // Back online while waiting out a backoff: try now rather than later.
      if (this.state === "reconnecting" && this.timers.retry) {
        this._clear("retry");
        this._connect();
      }
    };
    window.addEventListener("online", this._onOnline);
    // A network change (Wi-Fi to 4G) where the browser reports one: the old path is probably gone, so a
    // connection already "disconnected" is replaced now instead of after the grace period, and a backoff wait ends.
    this._connection = navigator.connection || null;
    this._onNetworkChange = () => {
      if (this.finished) return;
      if (this.state === "reconnecting" && this.timers.retry) {
        this._onOnline();
      } else if (this.pc && ["disconnected", "failed"].includes(peerState(this.pc))) {
        this._retry("network changed");
      }
    };
    if (this._connection && this._connection.addEventListener) {
      this._connection.addEventListener("change", this._onNetworkChange);
    }
    for (const track of stream.getTracks()) {
      track.addEventListener("ended", () => this._trackEnded(track));
    }
  }

  start() {
    this._connect();
  }

  // Closing the pc on page exit tells the server at once, instead of after ICE consent times out (~30 s).
  close() {
    this.finished = true;
    this._clearAll();
    this._closePc();
    window.removeEventListener("online", this._onOnline);
    if (this._connection && this._connection.removeEventListener) {
      this._connection.removeEventListener("change", this._onNetworkChange);
    }
  }

  _setState(state, info = {}) {
    this.state = state;
    this.onState(state, info);
  }

  async _connect() {
    if (this.finished) return;
    const gen = ++this.generation;
    this._closePc();
    this._setState(this.attempt === 0 && this.state !== "reconnecting" ? "connecting" : "reconnecting");

    let pc;
    let result;
    try {
      pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.pc = pc;
      for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
      const onChange = () => this._onPeerState(pc, gen);
      pc.addEventListener("connectionstatechange", onChange);
      pc.addEventListener("iceconnectionstatechange", onChange);
      result = await negotiate(pc, this.offerUrl, { token: this.token });
    } catch (err) {
      // A WebRTC exception (SDP the browser rejects, for instance): treat like a failed attempt.
      console.warn("negotiation failed", err);
      result = { ok: false, status: 0, networkError: true, error: String(err), answered: false };
    }
    if (gen !== this.generation || this.finished) return;

    if (result.answered) {
      this._clear("connect");
      this.timers.connect = setTimeout(() => {
        if (gen === this.generation && this.state !== "connected") this._retry("connect timeout");
      }, CONNECT_TIMEOUT_MS);
      return;
    }
    if (result.status === 409) {
      this._end();
    } else if (result.networkError || result.status === 0 || result.status >= 500) {
      this._retry(result.error, parseRetryAfter(result.retryAfter));
    } else {
      // 4xx: a bad or expired link, for instance. Retrying cannot help; say what the server said.
      this._fail(result.error || gettext("The server refused the connection (%(status)s).", { status: result.status }));
    }
  }

  _onPeerState(pc, gen) {
    if (gen !== this.generation || this.finished) return;
    const state = peerState(pc);
    if (state === "connected") {
      this._clear("disconnect");
      this._clear("connect");
      this.attempt = 0;
      if (this.state !== "connected") {
        this._setState("connected");
        this._startPolling();
      }
    } else if (state === "disconnected") {
      if (!this.timers.disconnect) {
        this.timers.disconnect = setTimeout(() => {
          this.timers.disconnect = null;
          const now = peerState(pc);
          if (gen === this.generation && (now === "disconnected" || now === "failed")) this._retry("disconnected");
        }, DISCONNECT_GRACE_MS);
      }
    } else if (state === "failed") {
      this._retry("connection failed");
    }
  }

  _retry(reason, retryAfterMs = null) {
    if (this.finished) return;
    this._clearAll();
    this._closePc();
    this.generation++; // orphan any pending negotiation
    const delay = Math.max(backoffMs(this.attempt), retryAfterMs || 0);
    this.attempt++;
    this._setState("reconnecting", { reason, delayMs: delay });
    this.timers.retry = setTimeout(() => {
      this.timers.retry = null;
      this._connect();
    }, delay);
  }

  _startPolling() {
    this._clear("poll");
    const gen = this.generation;
    const poll = async () => {
      if (gen !== this.generation || this.finished || this.state !== "connected") return;
      const result = await requestJson(this.statusUrl, { token: this.token, timeoutMs: 4000 });
      if (gen !== this.generation || this.finished) return;
      if (result.status === 409 || (result.ok && result.data && result.data.status === "ended")) {
        this._end();
        return;
      }
      // Other failures say nothing about the interview: the peer connection's own state covers outages.
      if (this.state === "connected") this.timers.poll = setTimeout(poll, STATUS_POLL_MS);
    };
    this.timers.poll = setTimeout(poll, STATUS_POLL_MS);
  }

  _trackEnded(track) {
    if (this.finished) return;
    this.close();
    this._setState("error", {
      reason: "media",
      message: track.kind === "audio"
        ? gettext("Your microphone stopped (another app may have taken it). Press “Try again” to reconnect.")
        : gettext("Your camera stopped (another app may have taken it). Press “Try again” to reconnect."),
    });
  }

  _end() {
    this.close();
    stopMedia(this.stream);
    this._setState("ended");
  }

  _fail(message) {
    this.close();
    stopMedia(this.stream);
    this._setState("error", { reason: "server", message });
  }

  _closePc() {
    if (!this.pc) return;
    try {
      this.pc.close();
    } catch {
      /* already closed */
    }
    this.pc = null;
  }

  _clear(name) {
    if (this.timers[name]) clearTimeout(this.timers[name]);
    this.timers[name] = null;
  }

  _clearAll() {
    for (const name of Object.keys(this.timers)) this._clear(name);
  }
}
