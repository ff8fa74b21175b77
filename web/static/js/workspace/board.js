// A position's pipeline board: stages, filter/sort/search/pages on the server, invitations, compare.

import { STAGE_LABELS, STAGES, api, config, el, emptyRow, gettext, measureLabel, say, score } from "./api.js";

const $ = (id) => document.getElementById(id);
const state = { stage: "", q: "", sort: "created", order: "desc", page: 1, perPage: 50, total: 0 };
const selected = new Set();
const REFRESH_MS = 5000; // the board fills as interviews complete

function boardUrl() {
  const query = new URLSearchParams({ sort: state.sort, order: state.order, page: state.page, per_page: state.perPage });
  if (state.stage) query.set("stage", state.stage);
  if (state.q) query.set("q", state.q);
  return `/api/workspace/positions/${config.positionId}/board?${query}`;
}

async function load() {
  const result = await api("GET", boardUrl());
  const body = $("board").querySelector("tbody");
  if (!result.ok) return emptyRow(body, 10, gettext("Could not load the board: %(error)s", { error: result.error }));
  state.total = result.data.total;
  drawStages(result.data.stages);
  if (!result.data.candidates.length) emptyRow(body, 10, gettext("No candidates here yet."));
  else body.replaceChildren(...result.data.candidates.map(row));
  const pages = Math.max(1, Math.ceil(state.total / state.perPage));
  $("page-info").textContent = gettext("Page %(page)s of %(pages)s · %(total)s candidates", { page: state.page, pages, total: state.total });
  $("prev").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages;
}

function drawStages(counts) {
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  const button = (value, label, count) =>
    el("button", {
      type: "button",
      class: "ws-stage",
      "aria-pressed": state.stage === value ? "true" : "false",
      dataset: { stage: value },
      onclick: () => {
        state.stage = value;
        state.page = 1;
        load();
      },
    }, `${label} `, el("span", { class: "ws-count" }, count));
  $("stages").replaceChildren(button("", gettext("All"), all), ...STAGES.map((s) => button(s, STAGE_LABELS[s], counts[s] || 0)));
}

const RECOMMENDATIONS = {
  advance: gettext("advance"),
  hold: gettext("hold"),
  reject: gettext("reject"),
  needs_review: gettext("needs review"),
};

function recommendation(value) {
  return RECOMMENDATIONS[value] || value.replaceAll("_", " ");
}

function row(c) {
  const flags = Object.entries(c.flags || {}).map(([name, n]) => `${measureLabel(name)} ×${n}`);
  const dims = Object.entries(c.dimensions || {}).map(([name, v]) => `${(config.dimensions || {})[name] || name.replaceAll("_", " ")} ${score(v)}`);
  const box = el("input", {
    type: "checkbox",
    "aria-label": gettext("Select %(name)s to compare", { name: c.name }),
    checked: selected.has(c.id),
    onchange: (event) => {
      if (event.target.checked) selected.add(c.id);
      else selected.delete(c.id);
      $("compare").disabled = selected.size < 2 || selected.size > 5;
    },
  });
  return el(
    "tr",
    { dataset: { candidate: c.id, stage: c.stage } },
    el("td", {}, box),
    el("th", { scope: "row" }, el("a", { href: `/workspace/candidates/${c.id}` }, c.name)),
    el("td", {}, el("span", { class: `ws-badge ws-badge--${c.stage}` }, STAGE_LABELS[c.stage] || c.stage)),
    el("td", {}, c.round),
    el("td", { class: "ws-num overall" }, score(c.overall)),
    el("td", { class: "ws-small" }, dims.join(", ") || "—"),
    el("td", {}, c.recommendation ? recommendation(c.recommendation) : "—"),
    el("td", { class: "ws-small" }, flags.join(", ") || "—"),
    el("td", { class: "ws-num" }, c.rating === null ? "—" : `${c.rating} (${c.ratings})`),
    el(
      "td",
      { class: "ws-links" },
      c.report_url ? el("a", { href: c.report_url }, gettext("Report")) : null,
      c.replay_url ? el("a", { href: c.replay_url }, gettext("Replay")) : null,
    ),
  );
}

$("board-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  const [sort, order] = $("sort").value.split(":");
  Object.assign(state, { q: $("search").value.trim(), sort, order, page: 1 });
  load();
});
$("prev").addEventListener("click", () => {
  state.page -= 1;
  load();
});
$("next").addEventListener("click", () => {
  state.page += 1;
  load();
});
$("compare").addEventListener("click", () => {
  window.location.assign(`/workspace/positions/${config.positionId}/compare?ids=${[...selected].join(",")}`);
});

function showInvited(result) {
  const list = $("invite-errors");
  if (!result.ok) {
    list.replaceChildren();
    return say("invite-message", result.error, "error");
  }
  const { created, errors } = result.data;
  const summary = errors.length
    ? gettext("%(created)s invited, %(errors)s rows need fixing:", { created: created.length, errors: errors.length })
    : gettext("%(created)s invited.", { created: created.length });
  say("invite-message", summary, errors.length ? "warn" : "ok");
  list.replaceChildren(...errors.map((e) => el("li", {}, gettext("Row %(row)s: %(error)s", { row: e.row, error: e.error }))));
  load();
}

// Position settings: title, description and the interviewer pool; its rounds, language and retention stay.
let position = null;

async function loadSettings() {
  const [current, pool] = await Promise.all([
    api("GET", `/api/workspace/positions/${config.positionId}`),
    api("GET", "/api/workspace/interviewers"),
  ]);
  if (!current.ok) return say("settings-message", current.error, "error");
  position = current.data;
  $("settings-title-input").value = position.title;
  $("settings-description").value = position.description;
  const chosen = new Set(position.interviewer_ids);
  $("settings-interviewers").replaceChildren(
    ...(pool.ok ? pool.data.interviewers : []).map((p) =>
      el("label", { class: "ws-check" }, el("input", { type: "checkbox", name: "pool", value: p.id, checked: chosen.has(p.id) }), ` ${p.name} (${p.email})`),
    ),
  );
}

if (config.canManage) {
  loadSettings();
  $("position-settings").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      title: $("settings-title-input").value,
      description: $("settings-description").value,
      language: position.language,
      retention_days: position.retention_days,
      rounds: position.rounds,
      interviewer_ids: [...document.querySelectorAll("input[name=pool]:checked")].map((i) => i.value),
    };
    const result = await api("PUT", `/api/workspace/positions/${config.positionId}`, body);
    if (!result.ok) return say("settings-message", result.error, "error");
    position = result.data;
    $("position-title").textContent = position.title;
    say("settings-message", gettext("Saved."));
  });
  $("upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData();
    form.append("file", $("upload-file").files[0]);
    say("invite-message", gettext("Uploading…"));
    showInvited(await api("POST", `/api/workspace/positions/${config.positionId}/candidates/upload`, form));
  });
  $("invite-one").addEventListener("submit", async (event) => {
    event.preventDefault();
    const candidate = { name: $("invite-name").value, email: $("invite-email").value, phone: $("invite-phone").value, timezone: $("invite-timezone").value };
    showInvited(await api("POST", `/api/workspace/positions/${config.positionId}/candidates`, { candidates: [candidate] }));
  });
}

load();
setInterval(() => {
  if (document.visibilityState === "visible") load();
}, REFRESH_MS);
