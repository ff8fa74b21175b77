// The workspace pages' one door to the REST API: same-origin session cookie, the CSRF token on every change,
// and plain results ({ok, status, data, error}) instead of exceptions.

import { readConfig } from "../lib/config.js";
import { gettext, locale } from "../lib/i18n.js";

export { gettext };

export const config = readConfig();

export async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  const options = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (method !== "GET") headers["X-CSRF-Token"] = config.csrfToken || "";
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    return { ok: false, status: 0, data: null, error: gettext("Network error: %(detail)s", { detail: err && err.message ? err.message : String(err) }) };
  }
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
  const text = await response.text().catch(() => "");
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  const error = response.ok ? null : (data && data.error) || `${response.status} ${response.statusText}`;
  return { ok: response.ok, status: response.status, data, error };
}

// Build DOM from data without ever parsing it as HTML: el("a", {href}, "text", child, ...).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function say(id, text, tone = "ok") {
  const node = document.getElementById(id);
  if (!node) return;
  node.textContent = text;
  node.dataset.tone = tone;
}

export function when(epochSeconds) {
  if (epochSeconds === null || epochSeconds === undefined) return "—";
  return new Date(epochSeconds * 1000).toLocaleString(locale);
}

export function score(value) {
  return value === null || value === undefined ? "—" : Math.round(value).toString();
}

export const STAGES = ["invited", "started", "completed", "reviewed", "advanced", "rejected", "on_hold"];
export const STAGE_LABELS = {
  invited: gettext("Invited"),
  started: gettext("Started"),
  completed: gettext("Completed"),
  reviewed: gettext("Reviewed"),
  advanced: gettext("Advanced"),
  rejected: gettext("Rejected"),
  on_hold: gettext("On hold"),
};

// Measures and events (flags) by the catalogue's labels in the page's language (rooms/measures.py).
export function measureLabel(name) {
  const catalogue = config.measures || {};
  const entry = (catalogue.report || {})[name] || (catalogue.observations || {})[name];
  return entry && entry.label ? entry.label : name.replaceAll("_", " ");
}

export function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(el("tr", {}, el("td", { colspan: columns, class: "muted" }, text)));
}
