// Interviewer dashboard: wires the live socket, the state it feeds, the renderers and the candidate video.

import { gettext, ngettext } from "../lib/i18n.js";
import { readConfig } from "../lib/config.js";
import { M } from "../lib/measures.js";
import { Charts } from "./charts.js";
import { Ending } from "./ending.js";
import { EventList } from "./events.js";
import { HealthLine } from "./health.js";
import { QuestionMarkers } from "./markers.js";
import { ReconnectingSocket } from "../lib/socket.js";
import { DashboardState } from "./state.js";
import { Tiles } from "./tiles.js";
import { TranscriptPanel } from "./transcript.js";
import { CandidateViewer } from "./viewer.js";
import { LeadCall } from "./call.js";
import { NotesPanel } from "./notes.js";
import { NextQuestion } from "./questions.js";
import { setUpInvite } from "./invite.js";

const RENDER_EVERY_MS = 250; // ≤ 4 redraws a second, however fast messages come
const config = readConfig();
const $ = (id) => document.getElementById(id);

const state = new DashboardState();
state.roomStatus = config.roomStatus || null;
window.__dashboard = state.exposed;

const tiles = new Tiles(document);
const events = new EventList($("events"), $("events-empty"));
const health = new HealthLine(document);
const transcript = new TranscriptPanel({
  card: $("transcript-card"),
  body: $("transcript-body"),
  list: $("transcript"),
  partial: $("transcript-partial"),
  offEl: $("transcript-off"),
  engineEl: $("transcript-engine"),
  latestButton: $("transcript-latest"),
});
const charts = new Charts(
  { face: $("chart-face"), expression: $("chart-expression"), voice: $("chart-voice") },
  state.timelines,
  () => state.latestT,
);

// --- candidate video -------------------------------------------------------------------------------------
const video = $("candidate-video");
const videoState = $("video-state");
const VIDEO_TEXT = {
  offline: gettext("Candidate offline"),
  connecting: gettext("Connecting to the candidate's video…"),
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

// --- live two-way call: the lead calls the candidate directly; observers and HR watch the server relay -------
const usesCall = Boolean(config.signalUrl && $("join-call"));
const call = usesCall
  ? new LeadCall({
      signalUrl: config.signalUrl,
      iceServers: config.iceServers,
      joinButton: $("join-call"),
      micButton: $("mute-mic"),
      remoteVideo: $("call-video"),
      selfVideo: $("self-video"),
      stateEl: $("call-state"),
      onState: (s) => {
        if (s === "connected") {
          viewer.stop(); // the candidate now comes straight from their browser: spare the server the relay
        } else if (s !== "ended" && state.candidateConnected && state.roomStatus !== "ended" && !viewer.wanted) {
          viewer.want(true); // the call dropped: show the relay while it is called again
        }
        $("unmute").hidden = s === "connected";
      },
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
const notes = config.notesUrl
  ? new NotesPanel({
      url: config.notesUrl,
      token: config.token,
      textInput: $("note-text"),
      ratingInput: $("note-rating"),
      authorInput: $("note-author"),
      button: $("add-note"),
      list: $("notes"),
      emptyEl: $("notes-empty"),
      statusEl: $("note-status"),
    })
  : null;
if (notes) notes.load();
const nextQuestion = $("next-question")
  ? new NextQuestion({
      url: config.questionUrl,
      token: config.token,
      questions: config.questions,
      roomId: config.roomId,
      button: $("next-question"),
      nextEl: $("next-question-text"),
      textInput: $("marker-label"),
      statusEl: $("marker-status"),
    })
  : null;

const unmute = $("unmute");
unmute.addEventListener("click", () => {
  video.muted = !video.muted;
  if (!video.muted) video.play().catch(() => {}); // a click is the user gesture unmuted playback needs
  unmute.textContent = video.muted ? gettext("Unmute") : gettext("Mute");
  unmute.setAttribute("aria-pressed", String(!video.muted));
});

// --- question markers (absent when the server gives no marks URL) -------------------------------------------
const markers =
  config.marksUrl && $("mark-question-start")
    ? new QuestionMarkers({
        startButton: $("mark-question-start"),
        endButton: $("mark-question-end"),
        labelInput: $("marker-label"),
        statusEl: $("marker-status"),
        url: config.marksUrl,
        token: config.token,
      })
    : null;

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
    if ($("replay-link")) $("replay-link").hidden = false;
    viewer.stop();
    if (markers) markers.disable();
    if (call) call.stop();
    if (nextQuestion) nextQuestion.disable();
  },
});

// --- live socket ------------------------------------------------------------------------------------------
const wsStatus = $("ws-status");
const WS_TEXT = {
  connecting: gettext("Connecting to live data…"),
  open: gettext("Live data connected"),
  reconnecting: gettext("Live data lost — reconnecting…"),
  closed: gettext("Live data closed"),
};

const socket = new ReconnectingSocket(config.wsUrl, {
  onState: (s) => {
    wsStatus.dataset.state = s;
    wsStatus.textContent = WS_TEXT[s] || s;
  },
  onMessage: (msg) => {
    if (notes && msg && msg.type === "event" && msg.name === M.NOTE) notes.fromLive(msg);
    const change = state.ingest(msg);
    if (!change) return;
    if (change.name === M.CANDIDATE_CONNECTED) {
      // In a call the candidate comes peer to peer; the relay is only the stand-in until it connects.
      if (state.roomStatus !== "ended" && !(call && call.state === "connected")) viewer.want(change.value);
    } else if (change.name === M.ROOM_STATUS) {
      showRoomStatus(change.value);
      if (change.value === "ended") {
        ending.ended();
        socket.stop(); // nothing more will come; stop reconnecting
      }
    }
  },
});

// --- rendering --------------------------------------------------------------------------------------------
function render() {
  state.dirty = false;
  tiles.render(state);
  events.render(state.events);
  health.render(state);
  transcript.render(state.transcript);
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

setUpInvite({
  card: $("invite-card"),
  qr: $("invite-qr"),
  copyButton: $("invite-copy"),
  textEl: $("invite-text"),
  statusEl: $("invite-status"),
  qrUrl: config.qrUrl,
  invitationUrl: config.invitationUrl,
  token: config.token,
});
