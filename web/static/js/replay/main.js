// Replay page: the recording drives one clock (interview media time); charts, transcript and flagged moments
// follow it, and each of them seeks the recording when selected.

import { gettext, ngettext } from "../lib/i18n.js";
import { readConfig } from "../lib/config.js";
import { formatClock } from "../lib/format.js";
import { requestJson } from "../lib/http.js";
import { ReplayCharts } from "./charts.js";
import { MomentList, flagDescriber, noteDescriber, questionDescriber } from "./moments.js";
import { ReplayPlayer } from "./player.js";
import { ReplayTranscript } from "./transcript.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);
const root = $("replay");
const clockNow = $("clock-now");
const clockTotal = $("clock-total");

// What tests read: a small plain object, cheap to serialise from a WebDriver.
const exposed = { data: "loading", player: "loading", cursorT: 0, flags: 0, lines: 0, questions: 0 };
window.__replay = exposed;

let charts = null;
let transcript = null;
let flags = null;
let questions = null;
let notes = null;
let shownSecond = -1;

function onTime(t) {
  exposed.cursorT = t;
  if (charts) charts.setCursor(t);
  if (transcript) transcript.update(t);
  if (flags) flags.update(t);
  if (questions) questions.update(t);
  if (notes) notes.update(t);
  const second = Math.floor(t);
  if (second !== shownSecond) {
    shownSecond = second;
    clockNow.textContent = formatClock(t);
  }
}

const player = new ReplayPlayer({
  video: $("recording"),
  stateEl: $("player-state"),
  url: config.recordingUrl,
  onTime,
  onState: (state) => (exposed.player = state),
  onDuration: (seconds) => {
    clockTotal.textContent = formatClock(seconds);
    if (charts) charts.setDuration(seconds);
  },
});
const seek = (t) => player.seek(t);

async function loadData() {
  const result = await requestJson(config.replayApiUrl, { token: config.token, timeoutMs: 30000 });
  if (!result.ok || !result.data) {
    const error = $("data-error");
    error.textContent = gettext("The timelines could not be loaded: %(error)s. Reload to try again.", {
      error: result.error || gettext("network error"),
    });
    error.hidden = false;
    exposed.data = "error";
    root.dataset.state = "error";
    return;
  }
  const replay = result.data;
  if (clockTotal.textContent.startsWith("–")) clockTotal.textContent = formatClock(replay.duration_s);
  charts = new ReplayCharts(
    { face: $("chart-face"), voice: $("chart-voice"), sound: $("chart-sound"), expression: $("chart-expression") },
    replay,
    seek,
  );
  const videoDuration = $("recording").duration;
  if (Number.isFinite(videoDuration)) charts.setDuration(videoDuration);

  transcript = new ReplayTranscript({
    list: $("transcript"),
    emptyEl: $("transcript-empty"),
    lines: replay.transcript || [],
    onSeek: seek,
    // Corrections are kept beside the recognized text; the report is rebuilt with them.
    onCorrect: (line, text) =>
      requestJson(config.correctionsUrl, { method: "POST", body: { t: line.t, text }, token: config.token }),
  });
  // The interview's last speech may still be decoding (or never was, if the server stopped): say so.
  $("transcript-pending").hidden = replay.transcript_completion !== "pending";
  $("transcript-incomplete").hidden = replay.transcript_completion !== "incomplete";
  flags = new MomentList($("flags"), replay.flags || [], flagDescriber, seek);
  $("flags-empty").hidden = (replay.flags || []).length > 0;
  if ((replay.questions || []).length) {
    questions = new MomentList($("questions"), replay.questions, questionDescriber, seek);
    $("questions-block").hidden = false;
  }
  // A note is a moment without an end: it starts at its time.
  const noteMoments = (replay.notes || []).map((note) => ({ ...note, start: note.t, end: null }));
  if (noteMoments.length) {
    notes = new MomentList($("notes"), noteMoments, noteDescriber, seek);
    $("notes-block").hidden = false;
  }
  Object.assign(exposed, {
    data: "ready",
    flags: (replay.flags || []).length,
    lines: (replay.transcript || []).length,
    questions: (replay.questions || []).length,
  });
  root.dataset.state = "ready";
  onTime(player.time);
  // A link from the report's moments (#t=SECONDS) opens the replay there.
  const linked = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
  if (linked) seek(Number(linked[1]));
}

loadData();
player.load();
