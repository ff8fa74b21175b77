// The lead interviewer's side of the live two-way call: their own camera and microphone to the candidate, the
// candidate's camera and microphone straight from the candidate's browser (not through the server).

import { gettext, ngettext } from "../lib/i18n.js";
import { PeerCall } from "../lib/call.js";

const CALL_TEXT = {
  idle: gettext("Join the call to see and talk to the candidate."),
  starting: gettext("Starting your camera…"),
  waiting: gettext("Waiting for the candidate to join…"),
  connecting: gettext("Connecting the call…"),
  connected: "",
  ended: gettext("Call ended."),
};

// The interviewer's own camera: modest, since only one person watches it.
const CONSTRAINTS = {
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 30 } },
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
};

export class LeadCall {
  /**
   * @param {{signalUrl: string, iceServers: object[], joinButton: HTMLButtonElement,
   *          micButton: HTMLButtonElement, remoteVideo: HTMLVideoElement, selfVideo: HTMLVideoElement,
   *          stateEl: HTMLElement, onState?: (state: string) => void}} opts
   */
  constructor({ signalUrl, iceServers, joinButton, micButton, remoteVideo, selfVideo, stateEl, onState }) {
    this.signalUrl = signalUrl;
    this.iceServers = iceServers;
    this.joinButton = joinButton;
    this.micButton = micButton;
    this.remoteVideo = remoteVideo;
    this.selfVideo = selfVideo;
    this.stateEl = stateEl;
    this.onStateChange = onState || (() => {});
    this.stream = null;
    this.call = null;
    this.state = "idle";
    joinButton.addEventListener("click", () => this.join());
    micButton.addEventListener("click", () => this._toggleMic());
    this._show("idle");
  }

  get pc() {
    return this.call ? this.call.pc : null;
  }

  async join() {
    if (this.call) return;
    this.joinButton.disabled = true;
    this._show("starting");
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
      this.selfVideo.srcObject = this.stream;
      this.selfVideo.hidden = false;
      this.selfVideo.play().catch(() => {});
      this.micButton.hidden = false;
    } catch (err) {
      // Without a camera the interviewer still sees and hears the candidate; say so instead of failing.
      console.warn("interviewer camera unavailable", err);
      this.stream = null;
      this._note = gettext("Your camera or microphone is unavailable: the candidate will not see or hear you.");
    }
    this.joinButton.hidden = true;
    this.call = new PeerCall({
      side: "interviewer",
      signalUrl: this.signalUrl,
      iceServers: this.iceServers,
      stream: this.stream,
      onRemoteStream: (stream) => this._remote(stream),
      onState: (state, info) => this._show(state, info),
    });
    this.call.start();
  }

  stop() {
    if (this.call) this.call.stop();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.selfVideo.srcObject = null;
    this.joinButton.hidden = true;
    this.micButton.hidden = true;
    this._show("ended");
  }

  _remote(stream) {
    if (!stream) {
      this.remoteVideo.srcObject = null;
      return;
    }
    if (this.remoteVideo.srcObject !== stream) this.remoteVideo.srcObject = stream;
    // Joining was a click, so unmuted playback is allowed; fall back to muted rather than to nothing.
    this.remoteVideo.muted = false;
    this.remoteVideo.play().catch(() => {
      this.remoteVideo.muted = true;
      this.remoteVideo.play().catch(() => {});
    });
  }

  _toggleMic() {
    if (!this.stream) return;
    const tracks = this.stream.getAudioTracks();
    const enabled = !(tracks[0] && tracks[0].enabled);
    for (const track of tracks) track.enabled = enabled;
    this.micButton.textContent = enabled ? gettext("Mute my microphone") : gettext("Unmute my microphone");
    this.micButton.setAttribute("aria-pressed", String(!enabled));
  }

  _show(state, info) {
    this.state = state;
    const text = CALL_TEXT[state] ?? state;
    this.stateEl.textContent = [text, this._note].filter(Boolean).join(" ");
    this.stateEl.dataset.state = state;
    // Never hide the video element itself: Chromium pauses muted autoplaying video it considers invisible.
    this.remoteVideo.closest(".video-frame").dataset.call = state;
    if (info && state === "ended") this.stateEl.textContent = `Call ended (${info}).`;
    this.onStateChange(state);
  }
}
