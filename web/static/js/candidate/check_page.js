// The device and network check page: browser, live-video support and connection at once; camera and microphone
// after a tap (the browser asks for them only on a gesture). Advice in the page's language for what failed.

import { readConfig } from "../lib/config.js";
import { gettext } from "../lib/i18n.js";
import { identifyBrowser } from "./browser.js";
import { checkCamera, checkMicrophone, checkNetwork } from "./device_check.js";
import { acquireMedia, MediaProblem, showPreview, stopMedia } from "./media.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);

const BROWSER_NAMES = {
  wechat: gettext("WeChat"),
  wecom: gettext("WeCom"),
  safari: "Safari",
  chrome: "Chrome",
  edge: "Edge",
  firefox: "Firefox",
  other: gettext("another browser"),
};

function show(id, ok, text) {
  const item = $(id);
  item.dataset.state = ok === null ? "pending" : ok ? "ok" : "bad";
  item.querySelector(".ow-check__result").textContent = text;
}

const advice = new Set();
function advise(text) {
  if (advice.has(text)) return;
  advice.add(text);
  const item = document.createElement("li");
  item.textContent = text;
  $("check-advice").append(item);
}

const browser = identifyBrowser();
const cameraApi = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
const webrtc = typeof window.RTCPeerConnection === "function";
// Tests read this.
window.__deviceCheck = { browser, cameraApi, webrtc, results: {} };

show("check-browser", true, BROWSER_NAMES[browser.name] + (browser.ios ? " · iOS" : browser.android ? " · Android" : ""));
show("check-webrtc", webrtc && cameraApi, webrtc && cameraApi ? gettext("Supported") : gettext("Not supported"));
if (!cameraApi && (browser.name === "wechat" || browser.name === "wecom") && browser.ios) {
  advise(gettext("Tap “···” in the top right corner and choose “Open in Safari”: WeChat on iPhone cannot use the camera."));
} else if (!cameraApi && !window.isSecureContext) {
  advise(gettext("This page must be opened over a secure (https://) link to use your camera. Please ask the organisation for the correct link."));
} else if (!webrtc || !cameraApi) {
  advise(gettext("Open the link in a recent Chrome, Safari, Edge or Firefox."));
}

checkNetwork(config.pingUrl, config.token).then((result) => {
  window.__deviceCheck.results.network = result;
  show("check-network", result.ok, result.text);
  if (!result.ok) advise(gettext("Move closer to the Wi-Fi router or switch to 4G/5G, then check again."));
  else if (result.ms > 800) advise(gettext("The connection is slow: close downloads and other video apps during the interview."));
});

let stream = null;
$("check-start").addEventListener("click", async () => {
  $("check-start").disabled = true;
  stopMedia(stream);
  try {
    stream = await acquireMedia();
  } catch (err) {
    const text = err instanceof MediaProblem ? err.message : String(err);
    show("check-camera", false, gettext("Not available"));
    show("check-microphone", false, gettext("Not available"));
    advise(text);
    $("check-start").disabled = false;
    return;
  }
  const video = $("check-preview");
  video.closest(".preview-frame").hidden = false;
  showPreview(video, stream);
  show("check-camera", null, gettext("checking…"));
  show("check-microphone", null, gettext("Say a few words so we can hear your microphone."));
  const [camera, microphone] = await Promise.all([
    checkCamera(stream, video),
    checkMicrophone(stream, (level) => ($("check-mic-level").value = level)),
  ]);
  window.__deviceCheck.results.camera = camera;
  window.__deviceCheck.results.microphone = microphone;
  show("check-camera", camera.ok, camera.text);
  show("check-microphone", microphone.ok, microphone.text);
  if (!camera.ok) advise(camera.text);
  if (!microphone.ok) advise(microphone.text);
  if (camera.ok && microphone.ok && !advice.size) advise(gettext("Everything works. You are ready for the interview."));
  $("check-start").textContent = gettext("Check again");
  $("check-start").disabled = false;
});
window.addEventListener("pagehide", () => stopMedia(stream));
