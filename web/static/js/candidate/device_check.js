// The one-way interview's device check: the camera shows a picture, the microphone hears something, and the
// server answers. Nobody is there to say "I can't hear you", so the page checks before the first question.

import { gettext } from "../lib/i18n.js";
import { requestJson } from "../lib/http.js";

const CAMERA_WAIT_MS = 6000;
const MIC_WAIT_MS = 12000;
const MIC_LEVEL_OK = 0.02; // RMS of the waveform (0-1), about -34 dBFS: a voice at a normal distance
const MIC_FRAMES_OK = 3; // loud enough in this many 100 ms looks: one click is not a voice

function result(ok, text) {
  return { ok, text };
}

export async function checkCamera(stream, video) {
  const track = stream.getVideoTracks()[0];
  if (!track || track.readyState !== "live") return result(false, gettext("No camera picture. Check that the camera is on."));
  const start = Date.now();
  while (Date.now() - start < CAMERA_WAIT_MS) {
    if (video.videoWidth > 0) {
      return result(true, gettext("Working (%(size)s)", { size: `${video.videoWidth}×${video.videoHeight}` }));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return result(false, gettext("The camera shows no picture. Close other apps using it, then check again."));
}

// Resolves once the level was high enough a few times, or after MIC_WAIT_MS. onLevel gets 0-1 for a meter.
export async function checkMicrophone(stream, onLevel = () => {}) {
  const track = stream.getAudioTracks()[0];
  if (!track || track.readyState !== "live") return result(false, gettext("No microphone. Connect one, then check again."));
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass) return result(true, gettext("Connected (this browser cannot show its level)"));
  const context = new AudioContextClass();
  try {
    if (context.state === "suspended") await context.resume().catch(() => {});
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let loud = 0;
    let peak = 0;
    const start = Date.now();
    while (Date.now() - start < MIC_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const rms = Math.sqrt(sum / samples.length);
      peak = Math.max(peak, rms);
      onLevel(Math.min(1, rms * 5));
      if (rms >= MIC_LEVEL_OK && ++loud >= MIC_FRAMES_OK) return result(true, gettext("Working — we can hear you"));
    }
    return result(false, peak > 0
      ? gettext("Very quiet. Speak up or move closer to the microphone, then check again.")
      : gettext("We hear nothing. Check that the microphone is not muted, then check again."));
  } finally {
    context.close().catch(() => {});
  }
}

// The server answers, and this browser can make a real-time connection at all.
export async function checkNetwork(url, token) {
  if (typeof window.RTCPeerConnection !== "function") {
    return result(false, gettext("This browser cannot send live video. Use a recent Chrome, Safari, Edge or Firefox."));
  }
  const times = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const response = await requestJson(url, { token, timeoutMs: 8000 });
    if (!response.ok) {
      return result(false, response.networkError
        ? gettext("The server cannot be reached. Check your internet connection, then check again.")
        : gettext("The server refused the check (%(error)s).", { error: response.error }));
    }
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const ms = Math.round(times[1]);
  const ok = { ms, ...result(true, "") };
  ok.text = ms > 800
    ? gettext("Slow (%(ms)s ms) — a wired or stronger connection would help", { ms })
    : gettext("Good (%(ms)s ms)", { ms });
  return ok;
}
