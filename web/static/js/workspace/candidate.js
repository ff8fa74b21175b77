// One candidate: their interviews, invitation link, decision, next round, scheduling and activity.

import { STAGE_LABELS, api, config, el, gettext, say, when } from "./api.js";

const $ = (id) => document.getElementById(id);
const base = `/api/workspace/candidates/${config.candidateId}`;
let candidate = null;
const ACTIVITY = {
  invited: gettext("invited"),
  opened_link: gettext("opened the link"),
  consent_recorded: gettext("consent to the analysis recorded"),
  started: gettext("interview started"),
  ended: gettext("interview ended"),
  report_ready: gettext("report ready"),
  report_viewed: gettext("report viewed"),
  link_resent: gettext("new link sent"),
  next_round: gettext("moved to the next round"),
  scheduled: gettext("scheduled"),
  decision: gettext("decision"),
};

function activityDetail(a) {
  if (!a.detail) return "";
  if (a.detail.decision) return ` (${a.detail.decision})`;
  if (a.detail.analysis === true) return ` (${gettext("analysis: yes")})`;
  if (a.detail.analysis === false) return ` (${gettext("analysis: no")})`;
  return "";
}

// The QR code and the WeChat/WeCom text of the languages feature (/api/rooms/{id}/qr.svg, /invitation).
async function showInvitation() {
  const room = candidate.room_id;
  $("invitation-qr").src = `/api/rooms/${room}/qr.svg`;
  $("invitation-extra").hidden = false;
  const text = await api("GET", `/api/rooms/${room}/invitation`);
  if (text.ok) {
    $("invitation-text").value = text.data.text;
    $("invitation-text").hidden = false;
  }
}
let people = {};

async function load() {
  const result = await api("GET", base);
  if (!result.ok) return say("candidate-summary", result.error, "error");
  candidate = result.data;
  $("candidate-name").textContent = candidate.name;
  const contact = [candidate.email, candidate.phone, candidate.timezone].filter(Boolean).join(" · ");
  $("candidate-summary").textContent = [STAGE_LABELS[candidate.stage] || candidate.stage, gettext("round %(round)s", { round: candidate.round }), contact].filter(Boolean).join(" · ");
  if (config.canManage) {
    const pool = await api("GET", "/api/workspace/interviewers");
    people = Object.fromEntries((pool.ok ? pool.data.interviewers : []).map((p) => [p.id, p]));
    const position = await api("GET", `/api/workspace/positions/${config.positionId}`);
    drawPool(position.ok ? position.data.interviewer_ids : []);
    loadActivity();
    if (candidate.room_id && ["invited", "started"].includes(candidate.stage)) showInvitation();
  }
  drawInterviews();
}

function drawInterviews() {
  $("interviews").querySelector("tbody").replaceChildren(
    ...candidate.interviews.map((i) =>
      el(
        "tr",
        {},
        el("td", {}, i.round),
        el("td", {}, i.mode === "one_way" ? gettext("one-way") : gettext("live")),
        el("td", {}, when(i.scheduled_at)),
        el("td", {}, i.interviewer_ids.map((id) => (people[id] ? people[id].name : id)).join(", ") || "—"),
        el("td", {}, when(i.expires_at)),
        el(
          "td",
          { class: "ws-links" },
          i.report_url ? el("a", { href: i.report_url }, gettext("Report")) : null,
          i.replay_url ? el("a", { href: i.replay_url }, gettext("Replay")) : null,
          i.dashboard_url ? el("a", { href: i.dashboard_url }, gettext("Dashboard")) : null,
          i.scheduled_at ? el("a", { href: `/api/workspace/interviews/${i.room_id}/ics` }, gettext("Calendar (.ics)")) : null,
        ),
      ),
    ),
  );
}

function drawPool(ids) {
  const current = candidate.interviews.find((i) => i.room_id === candidate.room_id);
  const assigned = new Set(current ? current.interviewer_ids : []);
  $("schedule-interviewers").replaceChildren(
    ...(ids.length
      ? ids.map((id) =>
          el("label", { class: "ws-check" }, el("input", { type: "checkbox", name: "assign", value: id, checked: assigned.has(id) }), ` ${people[id] ? people[id].name : id}`),
        )
      : [el("span", { class: "muted" }, gettext("This position has no interviewers yet (edit the position)."))]),
  );
}

async function loadActivity() {
  const result = await api("GET", `${base}/activity`);
  if (!result.ok) return;
  $("activity").replaceChildren(
    ...result.data.activity.map((a) => el("li", {}, el("time", {}, when(a.at)), ` ${ACTIVITY[a.kind] || a.kind.replaceAll("_", " ")} — ${a.actor}`, activityDetail(a))),
  );
}

if (config.canManage) {
  $("resend").addEventListener("click", async () => {
    const result = await api("POST", `${base}/resend`);
    if (!result.ok) return say("invitation-message", result.error, "error");
    $("invitation-link").value = new URL(result.data.candidate_url, window.location.origin).href;
    say("invitation-message", gettext("New link made; it expires %(when)s.", { when: when(result.data.expires_at) }));
    showInvitation();
    loadActivity();
  });
  $("decision").addEventListener("submit", async (event) => {
    event.preventDefault();
    const choice = document.querySelector("input[name=decision]:checked");
    const body = {
      decision: choice.value,
      note: $("decision-note").value,
      feedback: $("decision-feedback").value,
      share_feedback: $("decision-share").checked,
    };
    const result = await api("PUT", `/api/rooms/${candidate.room_id}/decision`, body);
    if (!result.ok) return say("decision-message", result.error, "error");
    say("decision-message", gettext("Recorded: %(decision)s.", { decision: choice.parentElement.textContent.trim() }));
    load();
  });
  $("next-round").addEventListener("click", async () => {
    const result = await api("POST", `${base}/next-round`);
    if (!result.ok) return say("decision-message", result.error, "error");
    say("decision-message", gettext("Round %(round)s created. Schedule it below and send the new link.", { round: result.data.round }));
    $("invitation-link").value = new URL(result.data.candidate_url, window.location.origin).href;
    load();
  });
  $("schedule").addEventListener("submit", async (event) => {
    event.preventDefault();
    const at = new Date($("schedule-at").value);
    const body = {
      scheduled_at: at.getTime() / 1000,
      duration_min: Number($("schedule-duration").value),
      interviewer_ids: [...document.querySelectorAll("input[name=assign]:checked")].map((i) => i.value),
    };
    const result = await api("PUT", `/api/workspace/interviews/${candidate.room_id}/schedule`, body);
    if (!result.ok) return say("schedule-message", result.error, "error");
    say("schedule-message", gettext("Saved. The interviewers see it under “My interviews”; download the .ics for the candidate."));
    load();
  });
}

load();
