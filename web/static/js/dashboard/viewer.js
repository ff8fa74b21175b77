// The interviewer's receive-only peer connection carrying the candidate's relayed video and audio.
// Renegotiated each time the candidate (re)connects: their old tracks died with their old connection.

import { gettext, ngettext } from "../lib/i18n.js";
import { parseRetryAfter } from "../lib/backoff.js";
import { PeerRetry } from "../lib/peer_retry.js";
import { negotiate } from "../lib/rtc.js";

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
    this.retry = new PeerRetry(() => this._retry()); // when the connection is lost, and backoff
    this.probing = false;
  }

  /** The candidate is connected (true) or gone (false). true always starts a fresh negotiation. */
  want(connected) {
    this.wanted = connected;
    this.probing = false;
    this._clearAll();
    this.retry.reset();
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
      this.retry.watch(pc, () => gen === this.generation && this.wanted, () => this.onState("live"));
      result = await negotiate(pc, this.url, { token: this.token });
    } catch (err) {
      console.warn("viewer negotiation failed", err);
      result = { ok: false, status: 0, networkError: true, error: String(err), answered: false };
    }
    if (gen !== this.generation || !this.wanted) return;
    const probing = this.probing;
    this.probing = false;

    if (result.answered) {
      this.retry.expectConnection(() => gen === this.generation && this.wanted);
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

  _retry(minDelayMs = 0) {
    if (!this.wanted) return;
    this._clearAll();
    this._close();
    this.generation++;
    this.retry.retryLater(() => {
      if (this.wanted) this._connect();
    }, minDelayMs);
    this.onState("connecting");
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
    this.retry.cancel();
  }
}
