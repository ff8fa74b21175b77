// Candidate page: the "join" click is the consent; only after it do we touch the camera and connect.

import { readConfig } from "../lib/config.js";
import { acquireMedia, MediaProblem, showPreview, stopMedia } from "./media.js";
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
};

const STATUS_TEXT = {
  idle: "",
  connecting: "Connecting…",
  connected: "Connected — the interview is live",
  reconnecting: "Reconnecting…",
  ended: "The interview has ended. Thank you.",
  error: "Could not join the interview",
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
  if (state === "connecting" && !session) text = "Starting the camera… allow access if your browser asks.";
  if (state === "error" && !stream) text = "Camera or microphone unavailable";
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
    render("idle", { statusText: "Camera and microphone on" });
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
          statusText: media ? "Camera or microphone stopped" : "",
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

function onJoin() {
  ui.join.disabled = true;
  ui.consent.hidden = true;
  ui.session.hidden = false;
  begin();
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
} else {
  ui.join.addEventListener("click", onJoin);
  ui.retry.addEventListener("click", onRetry);
  window.addEventListener("pagehide", () => {
    if (session) session.close();
    if (call) call.stop();
  });
  // Back from the back/forward cache (iOS does this on app switches): the old connection was closed on pagehide.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && session && uiState !== "ended" && uiState !== "error") onRetry();
  });
}
