// Compare 2-5 candidates of one position: one column each, one row per measure.

import { STAGE_LABELS, api, config, el, gettext, measureLabel, score } from "./api.js";

const table = document.getElementById("compare");

function fmt(measure) {
  if (!measure || measure.value === null || measure.value === undefined) return "—";
  if (measure.unit === "ratio") return `${Math.round(measure.value * 100)}%`;
  return `${Math.round(measure.value * 10) / 10}${measure.unit ? ` ${measure.unit}` : ""}`;
}

function clock(t) {
  const s = Math.round(t || 0);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function load() {
  const result = await api("GET", `/api/workspace/positions/${config.positionId}/compare?ids=${encodeURIComponent(config.ids)}`);
  const body = table.querySelector("tbody");
  if (!result.ok) {
    body.replaceChildren(el("tr", {}, el("td", {}, gettext("Could not compare: %(error)s", { error: result.error }))));
    return;
  }
  const people = result.data.candidates;
  table.querySelector("thead").replaceChildren(
    el("tr", {}, el("th", { scope: "col" }, gettext("Measure")), ...people.map((c) => el("th", { scope: "col" }, el("a", { href: `/workspace/candidates/${c.id}` }, c.name)))),
  );
  const rows = [];
  const line = (label, cells) => rows.push(el("tr", {}, el("th", { scope: "row" }, label), ...cells.map((c) => el("td", {}, c))));
  line(gettext("Stage"), people.map((c) => STAGE_LABELS[c.stage] || c.stage));
  line(gettext("Overall"), people.map((c) => score(c.overall)));
  const dimensions = [...new Set(people.flatMap((c) => Object.keys(c.dimensions || {})))];
  for (const d of dimensions) line((config.dimensions || {})[d] || d.replaceAll("_", " "), people.map((c) => score((c.dimensions || {})[d])));
  line(gettext("Recommendation (rules)"), people.map((c) => (c.recommendation || "—").replaceAll("_", " ")));
  line(gettext("Interviewer rating"), people.map((c) => (c.rating === null ? "—" : `${c.rating} (${c.ratings})`)));
  line(gettext("Flags"), people.map((c) => Object.entries(c.flags || {}).map(([n, k]) => `${measureLabel(n)} ×${k}`).join(", ") || "—"));
  const questions = Math.max(0, ...people.map((c) => c.questions.length));
  for (let q = 0; q < questions; q += 1) {
    const title = (people.find((c) => c.questions[q]) || {}).questions[q].text || gettext("Question %(n)s", { n: q + 1 });
    rows.push(el("tr", { class: "ws-compare__section" }, el("th", { scope: "rowgroup", colspan: people.length + 1 }, `Q${q + 1}: ${title}`)));
    const names = [...new Set(people.flatMap((c) => Object.keys((c.questions[q] || {}).measures || {})))];
    for (const name of names) line(measureLabel(name), people.map((c) => fmt(((c.questions[q] || {}).measures || {})[name])));
    line(gettext("Keyword coverage"), people.map((c) => {
      const k = (c.questions[q] || {}).keywords;
      return k ? `${Math.round(k.coverage * 100)}% (${k.heard.join(", ") || gettext("none")})` : "—";
    }));
  }
  line(gettext("Moments to review"), people.map((c) => {
    if (!c.moments.length) return "—";
    const list = el("ul", { class: "ws-moments" }, ...c.moments.map((m) => el("li", {}, `${clock(m.t)} ${measureLabel(m.name)}`)));
    return c.replay_url ? el("div", {}, list, el("a", { href: c.replay_url }, gettext("Open the replay"))) : list;
  }));
  line(gettext("Report"), people.map((c) => (c.report_url ? el("a", { href: c.report_url }, gettext("Report")) : "—")));
  body.replaceChildren(...rows);
}

load();
