// The interviews the signed-in person is assigned to, with time, dashboard link and calendar file.

import { api, el, emptyRow, when } from "./api.js";

async function load() {
  const body = document.getElementById("my-interviews").querySelector("tbody");
  const result = await api("GET", "/api/workspace/my-interviews");
  if (!result.ok) return emptyRow(body, 6, `Could not load: ${result.error}`);
  if (!result.data.interviews.length) return emptyRow(body, 6, "Nothing assigned to you yet.");
  body.replaceChildren(
    ...result.data.interviews.map((i) =>
      el(
        "tr",
        { dataset: { room: i.room_id } },
        el("td", {}, when(i.scheduled_at)),
        el("th", { scope: "row" }, i.candidate_name),
        el("td", {}, i.position_title),
        el("td", {}, i.round),
        el("td", {}, i.lead ? "Lead interviewer" : "Observer"),
        el(
          "td",
          { class: "ws-links" },
          el("a", { href: i.dashboard_url, class: "dashboard-link" }, "Open the dashboard"),
          i.scheduled_at ? el("a", { href: i.ics_url }, "Calendar (.ics)") : null,
        ),
      ),
    ),
  );
}

load();
