// The candidate's side of the live two-way call: the same camera and microphone that stream to the analysis
// server also go straight to the lead interviewer's browser, and the interviewer's come back here.

import { gettext } from "../lib/i18n.js";
import { PeerCall } from "../lib/call.js";

const CALL_TEXT = {
  waiting: gettext("Waiting for the interviewer to join…"),
  connecting: gettext("Connecting you with the interviewer…"),
  connected: "",
  ended: "",
};

export class InterviewerCall {
  constructor({ signalUrl, iceServers, video, stateEl }) {
    this.signalUrl = signalUrl;
    this.iceServers = iceServers;
    this.video = video;
    this.stateEl = stateEl;
    this.call = null;
  }

  get pc() {
    return this.call ? this.call.pc : null;
  }

  get state() {
    return this.call ? this.call.state : "idle";
  }

  /** Start (or restart, with a new stream after "try again") the call with what we send. */
  start(stream) {
    this.stop();
    this.video.closest(".remote-frame").hidden = false;
    this.call = new PeerCall({
      side: "candidate",
      signalUrl: this.signalUrl,
      iceServers: this.iceServers,
      stream,
      onRemoteStream: (remote) => this._remote(remote),
      onState: (state) => {
        this.stateEl.textContent = CALL_TEXT[state] ?? "";
        this.stateEl.dataset.state = state;
      },
    });
    this.call.start();
  }

  stop() {
    if (this.call) this.call.stop();
    this.call = null;
    this.video.srcObject = null;
  }

  ended() {
    this.stop();
    this.video.closest(".remote-frame").hidden = true;
  }

  _remote(stream) {
    if (!stream) {
      this.video.srcObject = null;
      return;
    }
    if (this.video.srcObject !== stream) this.video.srcObject = stream;
    // The join click was the user gesture: the interviewer's voice may play. If the browser still refuses,
    // play muted and let a tap unmute.
    this.video.muted = false;
    this.video.play().catch(() => {
      this.video.muted = true;
      this.video.play().catch(() => {});
      this.video.addEventListener(
        "click",
        () => {
          this.video.muted = false;
          this.video.play().catch(() => {});
        },
        { once: true },
      );
    });
  }
}
