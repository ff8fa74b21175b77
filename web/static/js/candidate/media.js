// Camera and microphone: asking for them, and turning the browser's error names into advice a candidate can act on.

import { gettext } from "../lib/i18n.js";

export const MEDIA_CONSTRAINTS = {
  // 640x480 at ~15 fps is all the analysis needs; asking for more only costs the candidate's uplink.
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 30 }, facingMode: "user" },
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
};

export class MediaProblem extends Error {}

export function isWeChat() {
  return /MicroMessenger/i.test(navigator.userAgent || "");
}

// No camera API at all (iOS WeChat's WKWebView, old webviews) on a secure page: another browser is needed.
export function cameraUnsupported() {
  const md = navigator.mediaDevices;
  return window.isSecureContext && (!md || typeof md.getUserMedia !== "function");
}

export async function acquireMedia() {
  const md = navigator.mediaDevices;
  if (!md || typeof md.getUserMedia !== "function") {
    // getUserMedia only exists on https:// (or localhost); old webviews lack it altogether.
    if (!window.isSecureContext) {
      throw new MediaProblem(gettext("This page must be opened over a secure (https://) link to use your camera. " +
        "Please ask the organisation for the correct link."));
    }
    throw new MediaProblem(isWeChat()
      ? gettext("WeChat cannot use the camera here. Tap ··· in the top corner and choose “Open in browser”.")
      : gettext("This browser cannot use a camera. Please open the link in a recent Chrome, Safari, Edge or Firefox."));
  }
  if (typeof window.RTCPeerConnection !== "function") {
    throw new MediaProblem(gettext("This browser cannot send live video. " +
      "Please open the link in a recent Chrome, Safari, Edge or Firefox."));
  }
  try {
    return await md.getUserMedia(MEDIA_CONSTRAINTS);
  } catch (err) {
    throw new MediaProblem(describeMediaError(err));
  }
}

export function describeMediaError(err) {
  const name = err && err.name ? err.name : "";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return gettext("Camera and microphone access was blocked. Allow both for this page in your browser's settings " +
        "(the camera icon in the address bar, or Settings › Privacy on a phone), then press “Try again”.") +
        (isWeChat() ? " " + gettext("In WeChat you can also tap ··· and choose “Open in browser”.") : "");
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
    case "ConstraintNotSatisfiedError":
      return gettext("No camera or microphone was found. Connect one (or check that it is switched on), " +
        "then press “Try again”.");
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return gettext("Your camera or microphone is busy or could not start. Close other apps that may be using it " +
        "(video calls, the camera app), then press “Try again”.");
    default: {
      const detail = name ? " (" + name + ")" : "";
      return gettext("The camera or microphone could not be started%(detail)s. Press “Try again”.", { detail });
    }
  }
}

export function stopMedia(stream) {
  if (!stream) return;
  for (const track of stream.getTracks()) track.stop();
}

// Attach the local preview. play() is explicit because iOS and WeChat webviews ignore autoplay otherwise.
export function showPreview(video, stream) {
  video.srcObject = stream;
  video.muted = true;
  const attempt = video.play();
  if (attempt && typeof attempt.catch === "function") attempt.catch(() => {
    // Blocked autoplay: the next tap on the preview starts it.
    video.addEventListener("click", () => video.play().catch(() => {}), { once: true });
  });
}
