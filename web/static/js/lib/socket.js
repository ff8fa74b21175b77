// The one reconnecting WebSocket of these pages: the dashboard's live data and the call's signaling both use it.
// It reconnects with backoff whenever the socket drops, unless stopped or the server closed it with a code that
// means "stop" (`finalCloseCodes`).

import { backoffMs } from "./backoff.js";

export function wsUrlFrom(path) {
  const url = new URL(path, window.location.href);
  url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export class ReconnectingSocket {
  /**
   * @param {string} path  root-relative path including the token query
   * @param {object} handlers
   * @param {(msg: object) => void} handlers.onMessage  each JSON object received (a batch array is unpacked)
   * @param {(state: string, info?: object) => void} [handlers.onState]
   *   state ∈ connecting | open | reconnecting | closed
   * @param {() => void} [handlers.onOpen]  each time the socket opens
   * @param {(reason: string) => void} [handlers.onGone]  the server closed with a final code: no reconnect
   * @param {Iterable<number>} [handlers.finalCloseCodes]
   */
  constructor(path, { onMessage, onState = () => {}, onOpen = null, onGone = null, finalCloseCodes = [] }) {
    this.url = wsUrlFrom(path);
    this.onMessage = onMessage;
    this.onState = onState;
    this.onOpen = onOpen;
    this.onGone = onGone;
    this.finalCloseCodes = new Set(finalCloseCodes);
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

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
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
      if (this.onOpen) this.onOpen();
    });
    ws.addEventListener("message", (event) => this._dispatch(event.data));
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (this.finalCloseCodes.has(event.code)) {
        this.stopped = true;
        this.onState("closed");
        if (this.onGone) this.onGone(event.reason || "closed");
        return;
      }
      this._scheduleReconnect(event.code);
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
      if (!msg || typeof msg !== "object") continue;
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
