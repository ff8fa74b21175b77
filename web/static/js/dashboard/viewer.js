// The interviewer's receive-only peer connection carrying the candidate's relayed video and audio.
// Renegotiated each time the candidate (re)connects: their old tracks died with their old connection.

import { gettext, ngettext } from "../lib/i18n.js";
import { backoffMs, parseRetryAfter } from "../lib/backoff.js";
import { negotiate } from "../lib/rtc.js";

const DISCONNECT_GRACE_MS = 3000;
const CONNECT_TIMEOUT_MS = 20000;
const NOT_STREAMING_RETRY_MS = 1500; // 409: the candidate is connected but their media is not flowing yet

export class CandidateViewer {
  /**
   * @param {{url: string, iceServers: object[], token: string, video: HTMLVideoElement,
   *          onState: (state: string, message?: string) => void}} opts
   *   state ∈ offline | connecting | live | error
   */
  constructor({ url, iceServers, token, video, onState }) {
    this.url = url;
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.token = token;
    this.video = video;
    this.onState = onState;
    this.wanted = false;
    this.pc = null;
    this.generation = 0;
    this.attempt = 0;
    this.probing = false;
    this.timers = { retry: null, disconnect: null, connect: null };
  }

  /** The candidate is connected (true) or gone (false). true always starts a fresh negotiation. */
  want(connected) {
    this.wanted = connected;
    this.probing = false;
    this._clearAll();
    this.attempt = 0;
    if (connected) {
      this._connect();
    } else {
      this._close();
      this.onState("offline");
    }
  }

  /** Try once: used at page load when the room is already live but no status message has said so yet. */
  probe() {
    if (!this.pc && !this.wanted) {
      this.wanted = true;
      this.probing = true;
      this._connect();
    }
  }

  stop() {
    this.wanted = false;
    this._clearAll();
    this._close();
    this.onState("offline");
  }

  async _connect() {
    const gen = ++this.generation;
    this._close();
    this.onState("connecting");
    let pc;
    let result;
    try {
      pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.pc = pc;
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.addTransceiver("audio", { direction: "recvonly" });
      const stream = new MediaStream();
      pc.addEventListener("track", (event) => {
        if (gen !== this.generation) return;
        stream.addTrack(event.track);
        if (this.video.srcObject !== stream) this.video.srcObject = stream;
        // Explicit play(): autoplay alone is unreliable when srcObject is set after load (Safari).
        this.video.play().catch(() => {});
      });
      const onChange = () => this._onPeerState(pc, gen);
      pc.addEventListener("connectionstatechange", onChange);
      pc.addEventListener("iceconnectionstatechange", onChange);
      result = await negotiate(pc, this.url, { token: this.token });
    } catch (err) {
      console.warn("viewer negotiation failed", err);
      result = { ok: false, status: 0, networkError: true, error: String(err), answered: false };
    }
    if (gen !== this.generation || !this.wanted) return;
    const probing = this.probing;
    this.probing = false;

    if (result.answered) {
      this.timers.connect = setTimeout(() => {
        if (gen === this.generation && this.wanted) this._retry();
      }, CONNECT_TIMEOUT_MS);
    } else if (result.status === 409) {
      if (probing) {
        // Nobody said the candidate is there: wait for the status message instead of polling.
        this.wanted = false;
        this._close();
        this.onState("offline");
      } else {
        this._retry(NOT_STREAMING_RETRY_MS);
      }
    } else if (result.networkError || result.status >= 500) {
      this._retry(parseRetryAfter(result.retryAfter));
    } else {
      this._close();
      this.onState("error", result.error || gettext("Video unavailable (%(status)s).", { status: result.status }));
    }
  }

  _onPeerState(pc, gen) {
    if (gen !== this.generation || !this.wanted) return;
    const state = pc.connectionState || pc.iceConnectionState;
    if (state === "connected" || state === "completed") {
      clearTimeout(this.timers.disconnect);
      clearTimeout(this.timers.connect);
      this.timers.disconnect = this.timers.connect = null;
      this.attempt = 0;
      this.onState("live");
    } else if (state === "disconnected") {
      if (!this.timers.disconnect) {
        this.timers.disconnect = setTimeout(() => {
          this.timers.disconnect = null;
          const now = pc.connectionState || pc.iceConnectionState;
          if (gen === this.generation && (now === "disconnected" || now === "failed")) this._retry();
        }, DISCONNECT_GRACE_MS);
      }
    } else if (state === "failed") {
      this._retry();
    }
  }

  _retry(minDelayMs = 0) {
    if (!this.wanted) return;
    this._clearAll();
    this._close();
    this.generation++;
    const delay = Math.max(backoffMs(this.attempt), minDelayMs || 0);
    this.attempt++;
    this.onState("connecting");
    this.timers.retry = setTimeout(() => {
      this.timers.retry = null;
      if (this.wanted) this._connect();
    }, delay);
  }

  _close() {
    if (this.pc) {
      try {
        this.pc.close();
      } catch {
        /* already closed */
      }
    }
    this.pc = null;
    this.video.srcObject = null;
  }

  _clearAll() {
    for (const name of Object.keys(this.timers)) {
      clearTimeout(this.timers[name]);
      this.timers[name] = null;
    }
  }
}
