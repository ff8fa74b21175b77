// The live-data WebSocket, reconnected with backoff whenever it drops.

import { backoffMs } from "../lib/backoff.js";

export function wsUrlFrom(path) {
  const url = new URL(path, window.location.href);
  url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export class LiveSocket {
  /**
   * @param {string} path  root-relative path including the token query
   * @param {{onMessage: (msg: object) => void, onState: (state: string, info?: object) => void}} handlers
   *   state ∈ connecting | open | reconnecting | closed
   */
  constructor(path, { onMessage, onState }) {
    this.url = wsUrlFrom(path);
    this.onMessage = onMessage;
    this.onState = onState;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this._open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.onState("closed");
  }

  _open() {
    this.onState(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.error("WebSocket could not be created", err);
      this._scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onState("open");
    });
    ws.addEventListener("message", (event) => this._dispatch(event.data));
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.stopped) this._scheduleReconnect(event.code);
    });
    // "error" is always followed by "close"; reconnecting happens there.
  }

  _dispatch(raw) {
    if (typeof raw !== "string") return;
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      console.warn("ignored a non-JSON message");
      return;
    }
    // One object per message is the protocol; tolerate a batch array in case a server groups them.
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const msg of list) {
      try {
        this.onMessage(msg);
      } catch (err) {
        console.error("message handler failed", err, msg); // one bad message must not kill the stream
      }
    }
  }

  _scheduleReconnect(code) {
    const delay = backoffMs(this.attempt);
    this.attempt++;
    this.onState("reconnecting", { delayMs: delay, code });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._open(), delay);
  }
}
