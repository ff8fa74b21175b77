// When a peer connection that must stay up is lost, and when to try again: one policy for the candidate's
// connection to the server, the dashboard's view of the candidate and the two-way call.
// "failed" is lost at once; "disconnected" only if it has not healed after DISCONNECT_GRACE_MS (it often heals by
// itself, a Wi-Fi → 4G handover for one); an answered connection that never connects is lost after
// CONNECT_TIMEOUT_MS. Attempts are spaced by backoffMs, and a server's Retry-After is respected.

import { backoffMs } from "./backoff.js";

export const DISCONNECT_GRACE_MS = 3000;
export const CONNECT_TIMEOUT_MS = 20000;

/** The connection's state, the same on every browser (Firefox before 113 and old WebKit only have ICE states). */
export function peerState(pc) {
  if (pc.connectionState) return pc.connectionState;
  const ice = pc.iceConnectionState;
  return ice === "completed" ? "connected" : ice === "checking" ? "connecting" : ice;
}

export class PeerRetry {
  /** @param {(reason: string) => void} onLost  called when the connection being watched is lost for good */
  constructor(onLost) {
    this.onLost = onLost;
    this.attempt = 0; // consecutive failures: drives the backoff
    this.timers = { retry: null, grace: null, connect: null };
  }

  /**
   * Follow `pc`'s states for as long as `isCurrent()` holds.
   * @param {RTCPeerConnection} pc
   * @param {() => boolean} isCurrent  false once this connection was replaced or the caller stopped
   * @param {() => void} onConnected  each time it (re)connects
   */
  watch(pc, isCurrent, onConnected) {
    const check = () => {
      if (!isCurrent()) return;
      const state = peerState(pc);
      if (state === "connected") {
        this._clear("grace");
        this._clear("connect");
        this.attempt = 0;
        onConnected();
      } else if (state === "disconnected") {
        if (!this.timers.grace) {
          this.timers.grace = setTimeout(() => {
            this.timers.grace = null;
            const now = peerState(pc);
            if (isCurrent() && (now === "disconnected" || now === "failed")) this.onLost("disconnected");
          }, DISCONNECT_GRACE_MS);
        }
      } else if (state === "failed") {
        this.onLost("connection failed");
      }
    };
    pc.addEventListener("connectionstatechange", check);
    pc.addEventListener("iceconnectionstatechange", check);
  }

  /** The offer was answered: if the connection is still not up after CONNECT_TIMEOUT_MS, it is lost. */
  expectConnection(stillConnecting) {
    this._clear("connect");
    this.timers.connect = setTimeout(() => {
      this.timers.connect = null;
      if (stillConnecting()) this.onLost("connect timeout");
    }, CONNECT_TIMEOUT_MS);
  }

  /** Call `fn` after this attempt's backoff (at least `minDelayMs`, e.g. a Retry-After); returns the delay. */
  retryLater(fn, minDelayMs = 0) {
    this._clear("retry");
    const delay = Math.max(backoffMs(this.attempt), minDelayMs || 0);
    this.attempt++;
    this.timers.retry = setTimeout(() => {
      this.timers.retry = null;
      fn();
    }, delay);
    return delay;
  }

  /** Waiting out a backoff before the next attempt. */
  get waiting() {
    return this.timers.retry !== null;
  }

  /** Stop every timer (the attempt count stays: call `reset()` for a fresh start). */
  cancel() {
    for (const name of Object.keys(this.timers)) this._clear(name);
  }

  reset() {
    this.attempt = 0;
  }

  _clear(name) {
    if (this.timers[name]) clearTimeout(this.timers[name]);
    this.timers[name] = null;
  }
}
