// The live two-way call between the candidate and the lead interviewer: browser to browser, signaled through the
// server's relay (WebSocket /api/rooms/{id}/signal). The interviewer always makes the offer and the candidate
// always answers, so both never offer at once; every attempt carries a call number and anything about an older
// attempt is ignored. A failed or replaced connection is simply called again.

import { PeerRetry } from "./peer_retry.js";
import { ReconnectingSocket } from "./socket.js";

// Server closes that mean "stop": 4000 the interview ended or a newer tab of ours took the seat; 1008 flooding.
// 1001 (server restart) and drops are retried.
const FINAL_CLOSE_CODES = new Set([4000, 1008]);

export class PeerCall {
  /**
   * @param {object} opts
   * @param {"interviewer"|"candidate"} opts.side  the interviewer offers, the candidate answers
   * @param {string} opts.signalUrl  root-relative, with the token
   * @param {object[]} opts.iceServers
   * @param {MediaStream|null} opts.stream  what we send (null: receive only)
   * @param {(stream: MediaStream|null) => void} opts.onRemoteStream
   * @param {(state: string, info?: string) => void} opts.onState
   *   state ∈ waiting (the other side is not there) | connecting | connected | ended
   */
  constructor({ side, signalUrl, iceServers, stream, onRemoteStream, onState }) {
    this.side = side;
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.stream = stream;
    this.onRemoteStream = onRemoteStream;
    this.onState = onState;
    this.pc = null;
    this.call = 0; // the current attempt's number (the interviewer's counter; the candidate echoes it)
    this.peerPresent = false;
    this.pendingIce = [];
    this.retry = new PeerRetry(() => this._retry()); // when the call is lost, and backoff
    this.state = "idle";
    this.finished = false;
    this.socket = new ReconnectingSocket(signalUrl, {
      finalCloseCodes: FINAL_CLOSE_CODES,
      onMessage: (m) => this._onSignal(m),
      onGone: (reason) => this._gone(reason),
    });
  }

  start() {
    this._setState("waiting");
    this.socket.start();
  }

  /** The interview is over (or the page is leaving): hang up and stop signaling. */
  stop() {
    if (this.finished) return;
    this.finished = true;
    this.socket.send({ type: "bye" });
    this.socket.stop();
    this._hangUp();
    this._setState("ended");
  }

  _setState(state, info) {
    this.state = state;
    this.onState(state, info);
  }

  _gone(reason) {
    if (this.finished) return;
    this._hangUp();
    this._setState("ended", reason);
    this.finished = true;
  }

  _onSignal(message) {
    if (this.finished) return;
    switch (message.type) {
      case "peer":
        this.peerPresent = Boolean(message.present);
        if (!this.peerPresent) {
          this._hangUp();
          this._setState("waiting");
        } else if (this.side === "interviewer") {
          this.retry.reset();
          this._offer();
        }
        break;
      case "bye":
        this._hangUp();
        this._setState("waiting");
        break;
      case "offer":
        if (this.side === "candidate") this._answer(message);
        break;
      case "answer":
        if (this.side === "interviewer" && message.call === this.call && this.pc) this._applyAnswer(message);
        break;
      case "ice":
        if (message.call === this.call && this.pc) this._addIce(message.candidate);
        break;
      case "error":
        console.warn("signaling:", message.error);
        break;
      default:
        break;
    }
  }

  _newPc() {
    this._hangUp();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    this.pendingIce = [];
    const call = this.call;
    if (this.stream) {
      for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    } else {
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.addTransceiver("audio", { direction: "recvonly" });
    }
    const remote = new MediaStream();
    pc.addEventListener("track", (event) => {
      if (this.pc !== pc) return;
      remote.addTrack(event.track);
      this.onRemoteStream(remote);
    });
    pc.addEventListener("icecandidate", (event) => {
      if (this.pc !== pc) return;
      const c = event.candidate;
      this.socket.send({
        type: "ice",
        call,
        candidate: c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null,
      });
    });
    this.retry.watch(
      pc,
      () => this.pc === pc && !this.finished,
      () => {
        if (this.state !== "connected") this._setState("connected");
      },
    );
    return pc;
  }

  async _offer() {
    this.call++;
    const pc = this._newPc();
    this._setState("connecting");
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      if (this.pc !== pc) return;
      this.socket.send({ type: "offer", call: this.call, sdp: pc.localDescription.sdp });
      this.retry.expectConnection(() => this.pc === pc && this.state !== "connected");
    } catch (err) {
      console.warn("call offer failed", err);
      this._retry();
    }
  }

  async _applyAnswer(message) {
    const pc = this.pc;
    try {
      await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      await this._flushIce(pc);
    } catch (err) {
      console.warn("call answer rejected", err);
      this._retry();
    }
  }

  async _answer(message) {
    if (typeof message.call !== "number") return;
    this.call = message.call;
    const pc = this._newPc();
    this._setState("connecting");
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
      await this._flushIce(pc);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (this.pc !== pc) return;
      this.socket.send({ type: "answer", call: message.call, sdp: pc.localDescription.sdp });
    } catch (err) {
      // The interviewer's side notices the call never connects and calls again.
      console.warn("call answer failed", err);
    }
  }

  async _addIce(candidate) {
    const pc = this.pc;
    if (!pc.remoteDescription) {
      this.pendingIce.push(candidate); // arrived before the description it belongs to
      return;
    }
    try {
      await pc.addIceCandidate(candidate || null);
    } catch (err) {
      console.warn("ICE candidate rejected", err);
    }
  }

  async _flushIce(pc) {
    const queued = this.pendingIce;
    this.pendingIce = [];
    for (const candidate of queued) {
      try {
        await pc.addIceCandidate(candidate || null);
      } catch (err) {
        console.warn("ICE candidate rejected", err);
      }
    }
  }

  // Only the interviewer calls again; the candidate waits for the next offer.
  _retry() {
    if (this.finished) return;
    this._hangUp();
    if (this.side !== "interviewer") {
      this._setState(this.peerPresent ? "connecting" : "waiting");
      return;
    }
    if (!this.peerPresent) {
      this._setState("waiting");
      return;
    }
    this._setState("connecting");
    this.retry.retryLater(() => {
      if (this.peerPresent && !this.finished) this._offer();
    });
  }

  _hangUp() {
    this.retry.cancel();
    if (this.pc) {
      try {
        this.pc.close();
      } catch {
        /* already closed */
      }
      this.pc = null;
      this.onRemoteStream(null);
    }
  }
}
