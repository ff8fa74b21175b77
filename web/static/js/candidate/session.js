// The candidate's connection to the server: one RTCPeerConnection at a time, replaced with backoff when it fails,
// always sending the same MediaStream, until the interview ends.

import { gettext } from "../lib/i18n.js";
import { parseRetryAfter } from "../lib/backoff.js";
import { requestJson } from "../lib/http.js";
import { PeerRetry, peerState } from "../lib/peer_retry.js";
import { negotiate } from "../lib/rtc.js";
import { stopMedia } from "./media.js";

const STATUS_POLL_MS = 5000;
const REFUSAL_TEXT = {
  unauthorized: gettext("This link is not valid any more. Ask the sender for a new one."),
  forbidden: gettext("This link does not open this interview."),
  not_found: gettext("There is no interview at this address."),
  invalid_input: gettext("Your browser sent something the server could not use. Reload the page and try again."),
};

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
    this.retry = new PeerRetry((reason) => this._retry(reason)); // when the connection is lost, and backoff
    this.generation = 0; // bumps on every new pc: late events from an old pc are ignored
    this.timers = { poll: null };
    this.finished = false;

    this._onOnline = () => {
      // Back online while waiting out a backoff: try now rather than later.
      if (this.state === "reconnecting" && this.retry.waiting) {
        this.retry.cancel();
        this._connect();
      }
    };
    window.addEventListener("online", this._onOnline);
    // A network change (Wi-Fi to 4G) where the browser reports one: the old path is probably gone, so a
    // connection already "disconnected" is replaced now instead of after the grace period, and a backoff wait ends.
    this._connection = navigator.connection || null;
    this._onNetworkChange = () => {
      if (this.finished) return;
      if (this.state === "reconnecting" && this.retry.waiting) {
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
    this._setState(this.retry.attempt === 0 && this.state !== "reconnecting" ? "connecting" : "reconnecting");

    let pc;
    let result;
    try {
      pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.pc = pc;
      for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
      this.retry.watch(pc, () => gen === this.generation && !this.finished, () => this._connected());
      result = await negotiate(pc, this.offerUrl, { token: this.token });
    } catch (err) {
      // A WebRTC exception (SDP the browser rejects, for instance): treat like a failed attempt.
      console.warn("negotiation failed", err);
      result = { ok: false, status: 0, networkError: true, error: String(err), answered: false };
    }
    if (gen !== this.generation || this.finished) return;

    if (result.answered) {
      this.retry.expectConnection(() => gen === this.generation && this.state !== "connected");
      return;
    }
    if (result.status === 409) {
      this._end();
    } else if (result.networkError || result.status === 0 || result.status >= 500) {
      this._retry(result.error, parseRetryAfter(result.retryAfter));
    } else {
      // 4xx: a bad or expired link, for instance. Retrying cannot help; say what the server said.
      // The API's message is English (for programs); the candidate reads it in their language, by its code.
      const code = result.data && result.data.code;
      const fallback = gettext("The server refused the connection (%(status)s).", { status: result.status });
      this._fail(REFUSAL_TEXT[code] || result.error || fallback);
    }
  }

  _connected() {
    if (this.state !== "connected") {
      this._setState("connected");
      this._startPolling();
    }
  }

  _retry(reason, retryAfterMs = null) {
    if (this.finished) return;
    this._clearAll();
    this._closePc();
    this.generation++; // orphan any pending negotiation
    const delay = this.retry.retryLater(() => this._connect(), retryAfterMs);
    this._setState("reconnecting", { reason, delayMs: delay });
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
    this.retry.cancel();
  }
}
