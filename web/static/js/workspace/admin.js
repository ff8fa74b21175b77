// Administrators: the organisation, its branches, people and their roles, reset links, API keys.

import { api, config, el, gettext, say, when } from "./api.js";

const $ = (id) => document.getElementById(id);
let branches = [];
const branchName = (id) => (id ? (branches.find((b) => b.id === id) || { name: id }).name : gettext("Headquarters"));
const ROLES = { admin: gettext("Admin"), hr: gettext("HR"), interviewer: gettext("Interviewer"), viewer: gettext("Viewer") };

async function load() {
  const me = await api("GET", "/api/workspace/me");
  if (!me.ok) return;
  branches = me.data.branches;
  const options = () => [
    ...(config.headquarters ? [el("option", { value: "" }, gettext("Headquarters (all branches)"))] : []),
    ...branches.map((b) => el("option", { value: b.id }, b.name)),
  ];
  $("person-branch").replaceChildren(...options());
  if (config.headquarters) {
    $("organisation-name").value = me.data.organisation;
    $("branches").replaceChildren(...branches.map((b) => el("li", { dataset: { branch: b.id } }, b.name)));
    $("key-branch").replaceChildren(...options());
    loadKeys();
  }
  loadPeople();
}

async function loadPeople() {
  const result = await api("GET", "/api/workspace/people");
  if (!result.ok) return say("people-message", result.error, "error");
  $("people").querySelector("tbody").replaceChildren(
    ...result.data.people.map((p) =>
      el(
        "tr",
        { dataset: { person: p.id } },
        el("th", { scope: "row" }, p.name),
        el("td", {}, p.email),
        el("td", {}, p.memberships.map((m) => `${ROLES[m.role] || m.role} · ${branchName(m.branch_id)}`).join("; ")),
        el("td", {}, el("button", { type: "button", class: "button", onclick: () => resetLink(p) }, gettext("Password link"))),
      ),
    ),
  );
}

function showLink(url, text) {
  $("reset-link").hidden = false;
  $("reset-link").value = new URL(url, window.location.origin).href;
  say("people-message", text);
}

async function resetLink(person) {
  const result = await api("POST", `/api/workspace/people/${person.id}/reset-link`);
  if (!result.ok) return say("people-message", result.error, "error");
  showLink(result.data.password_reset_url, gettext("One-time link for %(email)s to set a password (valid until %(when)s). Send it to them yourself.", { email: person.email, when: when(result.data.password_reset_expires_at) }));
}

async function loadKeys() {
  const result = await api("GET", "/api/workspace/api-keys");
  if (!result.ok) return;
  $("api-keys").querySelector("tbody").replaceChildren(
    ...result.data.api_keys.map((k) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, k.name),
        el("td", {}, `${ROLES[k.role] || k.role} · ${branchName(k.branch_id)}`),
        el("td", {}, when(k.created_at)),
        el("td", {}, k.revoked_at ? gettext("revoked %(when)s", { when: when(k.revoked_at) }) : when(k.last_used_at)),
        el("td", {}, k.revoked_at ? "" : el("button", { type: "button", class: "button button--danger", onclick: () => revoke(k) }, gettext("Revoke"))),
      ),
    ),
  );
}

async function revoke(key) {
  const result = await api("DELETE", `/api/workspace/api-keys/${key.id}`);
  if (!result.ok) return say("key-message", result.error, "error");
  loadKeys();
}

$("new-person").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    name: $("person-name").value,
    email: $("person-email").value,
    memberships: [{ branch_id: $("person-branch").value || null, role: $("person-role").value }],
  };
  const result = await api("POST", "/api/workspace/people", body);
  if (!result.ok) return say("people-message", result.error, "error");
  showLink(result.data.password_reset_url, gettext("%(email)s added. Send them this one-time link to choose a password:", { email: result.data.email }));
  event.target.reset();
  loadPeople();
});

if (config.headquarters) {
  $("organisation").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("PUT", "/api/workspace/organisation", { name: $("organisation-name").value });
    say("org-message", result.ok ? gettext("Saved.") : result.error, result.ok ? "ok" : "error");
  });
  $("new-branch").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("POST", "/api/workspace/branches", { name: $("branch-name").value });
    if (!result.ok) return say("org-message", result.error, "error");
    say("org-message", gettext("Branch %(name)s added.", { name: result.data.name }));
    event.target.reset();
    load();
  });
  $("new-key").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: $("key-name").value, role: $("key-role").value, branch_id: $("key-branch").value || null };
    const result = await api("POST", "/api/workspace/api-keys", body);
    if (!result.ok) return say("key-message", result.error, "error");
    $("key-secret").hidden = false;
    $("key-secret").value = result.data.key;
    say("key-message", gettext("Copy the key now: it is not shown again. Send it as Authorization: Bearer <key>."));
    loadKeys();
  });
}

load();
