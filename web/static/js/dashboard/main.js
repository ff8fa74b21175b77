// Interviewer dashboard: wires the live socket, the state it feeds, the renderers and the candidate video.

import { readConfig } from "../lib/config.js";
import { formatNumber } from "../lib/format.js";
import { Charts } from "./charts.js";
import { Ending } from "./ending.js";
import { EventList } from "./events.js";
import { LiveSocket } from "./socket.js";
import { DashboardState } from "./state.js";
import { Tiles } from "./tiles.js";
import { CandidateViewer } from "./viewer.js";

const RENDER_EVERY_MS = 250; // ≤ 4 redraws a second, however fast messages come
const config = readConfig();
const $ = (id) => document.getElementById(id);

const state = new DashboardState();
state.roomStatus = config.roomStatus || null;
window.__dashboard = state.exposed;

const tiles = new Tiles(document);
const events = new EventList($("events"), $("events-empty"));
const charts = new Charts(
  { face: $("chart-face"), expression: $("chart-expression"), voice: $("chart-voice") },
  state.timelines,
  () => state.latestT,
);

// --- candidate video -------------------------------------------------------------------------------------
const video = $("candidate-video");
const videoState = $("video-state");
const VIDEO_TEXT = {
  offline: "Candidate offline",
  connecting: "Connecting to the candidate's video…",
  live: "",
};
const viewer = new CandidateViewer({
  url: config.viewOfferUrl,
  iceServers: config.iceServers,
  token: config.token,
  video,
  onState: (s, message) => {
    videoState.dataset.state = s;
    videoState.textContent = s === "error" ? message : VIDEO_TEXT[s];
    videoState.hidden = s === "live";
  },
});

const unmute = $("unmute");
unmute.addEventListener("click", () => {
  video.muted = !video.muted;
  if (!video.muted) video.play().catch(() => {}); // a click is the user gesture unmuted playback needs
  unmute.textContent = video.muted ? "Unmute" : "Mute";
  unmute.setAttribute("aria-pressed", String(!video.muted));
});

// --- room status and ending -------------------------------------------------------------------------------
const statusBadge = $("room-status");
function showRoomStatus(status) {
  statusBadge.textContent = status;
  statusBadge.dataset.status = status;
}

const ending = new Ending({
  button: $("end-interview"),
  statusEl: $("end-status"),
  linkEl: $("report-link"),
  endUrl: config.endUrl,
  reportApiUrl: config.reportApiUrl,
  token: config.token,
  onEnded: () => {
    showRoomStatus("ended");
    viewer.stop();
  },
});

// --- live socket ------------------------------------------------------------------------------------------
const wsStatus = $("ws-status");
const WS_TEXT = {
  connecting: "Connecting to live data…",
  open: "Live data connected",
  reconnecting: "Live data lost — reconnecting…",
  closed: "Live data closed",
};

const socket = new LiveSocket(config.wsUrl, {
  onState: (s) => {
    wsStatus.dataset.state = s;
    wsStatus.textContent = WS_TEXT[s] || s;
  },
  onMessage: (msg) => {
    const change = state.ingest(msg);
    if (!change) return;
    if (change.name === "candidate_connected") {
      if (state.roomStatus !== "ended") viewer.want(change.value);
    } else if (change.name === "room_status") {
      showRoomStatus(change.value);
      if (change.value === "ended") {
        ending.ended();
        socket.stop(); // nothing more will come; stop reconnecting
      }
    }
  },
});

// --- rendering --------------------------------------------------------------------------------------------
const health = {
  fps: $("health-fps"),
  dropped: $("health-dropped"),
  lag: $("health-lag"),
  gaps: $("health-audio-gaps"),
  latency: $("health-latency"),
};
const transcriptCard = $("transcript-card");
const transcriptList = $("transcript");
let transcriptShown = 0;

function renderHealth() {
  const last = state.last;
  health.fps.textContent = formatNumber(last.video_fps, 1);
  health.dropped.textContent = formatNumber(last.frames_dropped, 0);
  health.lag.textContent = typeof last.lag_s === "number" ? `${formatNumber(last.lag_s, 1)} s` : "—";
  health.gaps.textContent = formatNumber(last.audio_gaps, 0);
  const median = state.medianLatency();
  health.latency.textContent = median === null ? "—" : `${Math.round(median)} ms`;
}

function renderTranscript() {
  const lines = state.transcript;
  if (lines.length === transcriptShown) return;
  transcriptCard.hidden = false;
  for (const line of lines.slice(transcriptShown)) {
    const li = document.createElement("li");
    li.textContent = line.text;
    transcriptList.appendChild(li);
  }
  transcriptShown = lines.length;
  while (transcriptList.childElementCount > 100) transcriptList.firstElementChild.remove();
  transcriptList.scrollTop = transcriptList.scrollHeight;
}

function render() {
  state.dirty = false;
  tiles.render(state);
  events.render(state.events);
  renderHealth();
  renderTranscript();
  charts.redraw();
}

let framePending = false;
let lastStaleCheck = 0;
setInterval(() => {
  // Tiles turn grey when data stops, which needs a render even without new messages: once a second.
  const now = performance.now();
  if (!state.dirty && now - lastStaleCheck < 1000) return;
  lastStaleCheck = now;
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(() => {
    framePending = false;
    render();
  });
}, RENDER_EVERY_MS);

// --- start ------------------------------------------------------------------------------------------------
if (config.roomStatus === "ended") {
  ending.ended();
  render();
} else {
  socket.start();
  // A live room probably has its candidate streaming: try the video now rather than wait for a status message.
  if (config.roomStatus === "live") viewer.probe();
}
