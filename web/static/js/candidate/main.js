// Candidate page: two separate choices (the analysis of face and voice, then joining the call); only after the
// join click do we touch the camera and connect.

import { readConfig } from "../lib/config.js";
import { requestJson } from "../lib/http.js";
import { gettext, locale } from "../lib/i18n.js";
import { acquireMedia, cameraUnsupported, MediaProblem, showPreview, stopMedia } from "./media.js";
import { CandidateSession } from "./session.js";
import { holdWakeLock } from "./wakelock.js";
import { InterviewerCall } from "./call.js";
import { CandidateStatus } from "./status.js";
import { OneWayInterview } from "./one_way.js";
import { IntegrityReporter } from "../lib/integrity.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);
const ui = {
  join: $("join"),
  consent: $("consent"),
  session: $("session"),
  preview: $("preview"),
  status: $("status"),
  problem: $("problem"),
  error: $("error"),
  retry: $("retry"),
  joinHint: $("join-hint"),
  openElsewhere: $("open-elsewhere"),
};

const STATUS_TEXT = {
  idle: "",
  connecting: gettext("Connecting…"),
  connected: gettext("Connected — the interview is live"),
  reconnecting: gettext("Reconnecting…"),
  ended: gettext("The interview has ended. Thank you."),
  error: gettext("Could not join the interview"),
};

// The live two-way call with the interviewer (absent for one-way interviews), and the after-interview status.
const call =
  config.signalUrl && $("interviewer-video")
    ? new InterviewerCall({
        signalUrl: config.signalUrl,
        iceServers: config.iceServers,
        video: $("interviewer-video"),
        stateEl: $("call-state"),
      })
    : null;
const applicationStatus = config.candidateStatusUrl
  ? new CandidateStatus({
      url: config.candidateStatusUrl,
      token: config.token,
      section: $("application-status"),
      messageEl: $("application-status-message"),
      feedbackEl: $("application-feedback"),
      scoresEl: $("application-scores"),
    })
  : null;
window.__call = {
  get pc() {
    return call ? call.pc : null;
  },
  get state() {
    return call ? call.state : null;
  },
};

// Page and focus reports for HR, from the moment the interview connects (docs/integrity.md).
const integrity = new IntegrityReporter({ ...(config.integrity || {}), token: config.token });
let stream = null;
let session = null;
let uiState = "idle";
let wakeLock = null;
// One-way interviews: the script decides when the connection starts (after the device check and practice).
const oneWay = config.mode === "one_way" && $("one-way")
  ? new OneWayInterview({ config, video: ui.preview, connectionState: () => uiState })
  : null;

// Tests read this; getters keep it live across reconnects.
window.__interview = {
  get pc() {
    return session ? session.pc : null;
  },
  get state() {
    return uiState;
  },
};

function render(state, { message = "", retryable = false, statusText = "" } = {}) {
  uiState = state;
  let text = statusText || STATUS_TEXT[state];
  if (state === "connecting" && !session) text = gettext("Starting the camera… allow access if your browser asks.");
  if (state === "error" && !stream) text = gettext("Camera or microphone unavailable");
  ui.status.textContent = text;
  ui.status.dataset.state = state;
  document.body.dataset.state = state;
  ui.problem.hidden = !message;
  ui.error.textContent = message;
  ui.retry.hidden = !retryable;
  // An empty black box says nothing: show the preview only while there is a live camera to show.
  const frame = ui.preview.closest(".preview-frame");
  frame.hidden = !stream || state === "ended" || state === "error";
  if (state === "ended") ui.preview.srcObject = null;
}

async function begin() {
  ui.retry.disabled = true;
  render("connecting");
  try {
    stream = await acquireMedia();
  } catch (err) {
    ui.retry.disabled = false;
    const message = err instanceof MediaProblem ? err.message : String(err);
    render("error", { message, retryable: true });
    return;
  }
  ui.retry.disabled = false;
  showPreview(ui.preview, stream);
  if (!wakeLock) wakeLock = holdWakeLock(); // a sleeping phone screen would stop the camera
  if (oneWay && !oneWay.sessionStarted) {
    render("idle", { statusText: gettext("Camera and microphone on") });
    if (oneWay.stream) oneWay.setStream(stream);
    else oneWay.begin(stream, startSession);
    return;
  }
  startSession();
}

function startSession() {
  session = new CandidateSession({
    offerUrl: config.offerUrl,
    statusUrl: config.statusUrl,
    iceServers: config.iceServers,
    token: config.token,
    stream,
    onState: (state, info) => {
      if (state === "error") {
        // Media trouble can be fixed by the candidate; a refusal from the server cannot.
        const media = info.reason === "media";
        render("error", {
          message: info.message,
          retryable: media,
          statusText: media ? gettext("Camera or microphone stopped") : "",
        });
      } else {
        render(state);
      }
      if (state === "ended") {
        integrity.stop();
        if (call) call.ended();
        if (applicationStatus) applicationStatus.show();
      }
      if ((state === "ended" || state === "error") && wakeLock) {
        wakeLock.release();
        wakeLock = null;
      }
    },
  });
  session.start();
  integrity.start();
  if (call) call.start(stream);
}

function analysisChoice() {
  const chosen = document.querySelector('input[name="analysis"]:checked');
  return chosen ? chosen.value === "yes" : null;
}

// The choice is stored by the server before anything streams: it decides whether the session is analysed.
async function recordConsent(analysis) {
  if (!config.consentUrl) return true;
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await requestJson(config.consentUrl, {
      method: "POST",
      token: config.token,
      body: { analysis, text_version: config.consentVersion, language: locale },
      timeoutMs: 8000,
    });
    if (result.ok) return true;
    if (!result.networkError && result.status && result.status < 500) return false;
    await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
  }
  return false;
}

async function onJoin() {
  const analysis = analysisChoice();
  if (analysis === null) return;
  ui.join.disabled = true;
  // The same choice as before (a reload, a return to the page) is not a new consent: nothing to record.
  if (analysis !== config.previousChoice && !(await recordConsent(analysis))) {
    ui.join.disabled = false;
    ui.joinHint.textContent = gettext("Your choice could not be saved. Check your connection and press the button again.");
    return;
  }
  document.body.dataset.analysis = analysis ? "on" : "off";
  ui.consent.hidden = true;
  ui.session.hidden = false;
  begin();
}

function onChoice() {
  const chosen = analysisChoice() !== null;
  ui.join.disabled = !chosen;
  ui.joinHint.hidden = chosen;
}

// iOS WeChat (WKWebView) and old webviews have no getUserMedia: say how to open the page in a real browser.
function offerOpenElsewhere() {
  if (!ui.openElsewhere) return false;
  ui.openElsewhere.hidden = false;
  ui.consent.hidden = true;
  const field = $("page-link");
  field.value = window.location.href;
  $("copy-link").addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      field.focus();
      field.select();
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
    $("copy-status").textContent = copied
      ? gettext("Copied. Paste it into Safari or your browser's address bar.")
      : gettext("Select the link above and copy it.");
  });
  return true;
}

function onRetry() {
  if (session) session.close();
  session = null;
  stopMedia(stream);
  stream = null;
  begin();
}

if (!ui.join) {
  // The page was rendered for an interview that has already ended: there is nothing to join.
  uiState = config.roomStatus === "ended" ? "ended" : "idle";
  if (uiState === "ended" && applicationStatus) applicationStatus.show();
} else if (cameraUnsupported() && offerOpenElsewhere()) {
  // Nothing to join from here; the guidance says where to go.
} else {
  for (const input of document.querySelectorAll('input[name="analysis"]')) input.addEventListener("change", onChoice);
  onChoice();
  ui.join.addEventListener("click", onJoin);
  ui.retry.addEventListener("click", onRetry);
  window.addEventListener("pagehide", () => {
    if (session) session.close();
    if (call) call.stop();
  });
  // Back from the back/forward cache (iOS does this on app switches): the old connection was closed on pagehide.
  // The consent given on this page still holds: reconnect without asking again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && session && uiState !== "ended" && uiState !== "error") onRetry();
  });
  // Back from another app (WeChat keeps the page but the camera track may have been stopped): a dead track or a
  // dropped connection is replaced at once instead of waiting for the next ICE timeout.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !session || uiState === "ended") return;
    const dead = stream && stream.getTracks().some((track) => track.readyState === "ended");
    if (dead) onRetry();
  });
}
