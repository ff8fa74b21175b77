// The interviews the signed-in person is assigned to, with time, dashboard link and calendar file.

import { api, el, emptyRow, gettext, when } from "./api.js";

async function load() {
  const body = document.getElementById("my-interviews").querySelector("tbody");
  const result = await api("GET", "/api/workspace/my-interviews");
  if (!result.ok) return emptyRow(body, 6, gettext("Could not load: %(error)s", { error: result.error }));
  if (!result.data.interviews.length) return emptyRow(body, 6, gettext("Nothing assigned to you yet."));
  body.replaceChildren(
    ...result.data.interviews.map((i) =>
      el(
        "tr",
        { dataset: { room: i.room_id } },
        el("td", {}, when(i.scheduled_at)),
        el("th", { scope: "row" }, i.candidate_name),
        el("td", {}, i.position_title),
        el("td", {}, i.round),
        el("td", {}, i.lead ? gettext("Lead interviewer") : gettext("Observer")),
        el(
          "td",
          { class: "ws-links" },
          el("a", { href: i.dashboard_url, class: "dashboard-link" }, gettext("Open the dashboard")),
          i.scheduled_at ? el("a", { href: i.ics_url }, gettext("Calendar (.ics)")) : null,
        ),
      ),
    ),
  );
}

load();
