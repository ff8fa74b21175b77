// Workspace home: the positions the person can see, and a form to open a new one.

import { api, config, el, emptyRow, gettext, say } from "./api.js";

const $ = (id) => document.getElementById(id);

async function load() {
  const [me, positions] = await Promise.all([api("GET", "/api/workspace/me"), api("GET", "/api/workspace/positions")]);
  const branches = me.ok ? Object.fromEntries(me.data.branches.map((b) => [b.id, b.name])) : {};
  const body = $("positions").querySelector("tbody");
  if (config.canManage && me.ok) prepareForm(me.data);
  if (!positions.ok) return emptyRow(body, 4, gettext("Could not load positions: %(error)s", { error: positions.error }));
  if (!positions.data.positions.length) return emptyRow(body, 4, gettext("No positions yet."));
  body.replaceChildren(
    ...positions.data.positions.map((p) =>
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: `/workspace/positions/${p.id}` }, p.title)),
        el("td", {}, branches[p.branch_id] || p.branch_id),
        el("td", {}, p.rounds.map((r) => (r.mode === "one_way" ? gettext("one-way") : gettext("live"))).join(" → ")),
        el("td", {}, p.language || gettext("default")),
      ),
    ),
  );
}

async function prepareForm(me) {
  $("new-position-card").hidden = false;
  $("position-branch").replaceChildren(...me.branches.map((b) => el("option", { value: b.id }, b.name)));
  const [templates, pool] = await Promise.all([api("GET", "/api/workspace/templates"), api("GET", "/api/workspace/interviewers")]);
  for (const select of document.querySelectorAll(".template-select")) {
    select.replaceChildren(
      el("option", { value: "" }, gettext("No template (free questions)")),
      ...(templates.ok ? templates.data.templates : []).map((t) => el("option", { value: t.id }, gettext("%(title)s (%(count)s questions)", { title: t.title, count: t.questions }))),
    );
  }
  const people = pool.ok ? pool.data.interviewers : [];
  $("position-interviewers").replaceChildren(
    ...(people.length
      ? people.map((p) => el("label", { class: "ws-check" }, el("input", { type: "checkbox", value: p.id, name: "interviewer" }), ` ${p.name} (${p.email})`))
      : [el("span", { class: "muted" }, gettext("No interviewers yet: an administrator adds them under People & branches."))]),
  );
}

$("new-position").addEventListener("submit", async (event) => {
  event.preventDefault();
  const rounds = [{ template_id: $("round1-template").value || null, mode: $("round1-mode").value }];
  if ($("round2-mode").value) rounds.push({ template_id: $("round2-template").value || null, mode: $("round2-mode").value });
  const body = {
    branch_id: $("position-branch").value,
    title: $("position-title").value,
    description: $("position-description").value,
    language: $("position-language").value || null,
    retention_days: $("position-retention").value ? Number($("position-retention").value) : null,
    rounds,
    interviewer_ids: [...document.querySelectorAll("input[name=interviewer]:checked")].map((i) => i.value),
  };
  const result = await api("POST", "/api/workspace/positions", body);
  if (!result.ok) return say("position-message", result.error, "error");
  window.location.assign(`/workspace/positions/${result.data.id}`);
});

load();
